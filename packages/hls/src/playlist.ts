/**
 * Media playlist text (RFC 8216 §4.3): EXTM3U, VERSION 3 (decimal EXTINF), TARGETDURATION,
 * MEDIA-SEQUENCE, DISCONTINUITY-SEQUENCE, per segment DISCONTINUITY / PROGRAM-DATE-TIME / EXTINF + URI,
 * and ENDLIST once the stream ended.
 */

export interface PlaylistEntry {
  sequence: number;
  uri: string;
  durationSec: number;
  discontinuity: boolean;
  /** Wall-clock time of the segment's first sample (ms since 1970), when known. */
  programDateTimeMs: number | undefined;
}

export interface PlaylistInput {
  targetDurationSec: number;
  /** Media sequence number of the first entry (§4.3.3.2); used as is when there are no entries. */
  mediaSequence: number;
  /** Discontinuities that slid out of the window (§4.3.3.3). */
  discontinuitySequence: number;
  entries: readonly PlaylistEntry[];
  ended: boolean;
}

export const PLAYLIST_VERSION = 3;

export function renderPlaylist(p: PlaylistInput): string {
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${PLAYLIST_VERSION}`,
    `#EXT-X-TARGETDURATION:${p.targetDurationSec}`,
    `#EXT-X-MEDIA-SEQUENCE:${p.entries[0]?.sequence ?? p.mediaSequence}`,
  ];
  if (p.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`);
  for (const e of p.entries) {
    if (e.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (e.programDateTimeMs !== undefined)
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(e.programDateTimeMs).toISOString()}`);
    lines.push(`#EXTINF:${e.durationSec.toFixed(3)},`, e.uri);
  }
  if (p.ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
