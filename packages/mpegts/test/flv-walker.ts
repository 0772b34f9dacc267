// A minimal FLV tag walker for TEST code only (FLV spec v10.1 E.4): enough to feed ffmpeg's FLV output
// into TsMuxer the way an RTMP publisher would.
export interface FlvVideo {
  kind: 'video';
  timestampMs: number;
  keyframe: boolean;
  codecId: number;
  /** 0 sequence header, 1 NALUs, 2 end of sequence. */
  packetType: number;
  compositionTimeMs: number;
  data: Uint8Array;
}
export interface FlvAudio {
  kind: 'audio';
  timestampMs: number;
  soundFormat: number;
  /** AAC only: 0 AudioSpecificConfig, 1 raw frame. */
  aacPacketType: number;
  data: Uint8Array;
}
export type FlvTag = FlvVideo | FlvAudio;

export function walkFlv(file: Uint8Array): FlvTag[] {
  if (file[0] !== 0x46 || file[1] !== 0x4c || file[2] !== 0x56) throw new Error('not an FLV file');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let pos = view.getUint32(5) + 4; // header, then PreviousTagSize0
  const tags: FlvTag[] = [];
  while (pos + 11 <= file.length) {
    const type = file[pos]! & 0x1f;
    const size = (file[pos + 1]! << 16) | (file[pos + 2]! << 8) | file[pos + 3]!;
    const ts =
      ((file[pos + 7]! << 24) | (file[pos + 4]! << 16) | (file[pos + 5]! << 8) | file[pos + 6]!) >>> 0;
    const body = file.subarray(pos + 11, pos + 11 + size);
    pos += 11 + size + 4;
    if (type === 9) {
      const codecId = body[0]! & 0x0f;
      let cts = (body[2]! << 16) | (body[3]! << 8) | body[4]!;
      if (cts & 0x800000) cts -= 0x1000000;
      tags.push({
        kind: 'video',
        timestampMs: ts,
        keyframe: body[0]! >>> 4 === 1,
        codecId,
        packetType: body[1]!,
        compositionTimeMs: cts,
        data: body.subarray(5),
      });
    } else if (type === 8) {
      const soundFormat = body[0]! >>> 4;
      tags.push(
        soundFormat === 10
          ? { kind: 'audio', timestampMs: ts, soundFormat, aacPacketType: body[1]!, data: body.subarray(2) }
          : { kind: 'audio', timestampMs: ts, soundFormat, aacPacketType: 1, data: body.subarray(1) },
      );
    }
  }
  return tags;
}
