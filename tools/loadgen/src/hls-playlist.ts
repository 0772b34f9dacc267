/** The parts of an HLS media playlist the load tool's clients read. */

export interface Segment {
  seq: number;
  durationSec: number;
  uri: string;
}

/** The parts of a media playlist a client needs (RFC 8216 §4.3). */
export function parsePlaylist(text: string): { targetSec: number; segments: Segment[] } {
  let seq = 0;
  let targetSec = 0;
  let duration = 0;
  const segments: Segment[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) seq = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetSec = Number(line.slice(22));
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line !== '' && !line.startsWith('#')) {
      segments.push({ seq: seq + segments.length, durationSec: duration, uri: line });
    }
  }
  return { targetSec, segments };
}
