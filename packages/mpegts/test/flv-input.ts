// Reads ffmpeg's FLV output with @livego/flv into the shape an RTMP publisher's messages have.
import { demuxFlv, FlvTagType, parseAudioTagHeader, parseVideoTagHeader, SoundFormat } from '@livego/flv';

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
  const tags: FlvTag[] = [];
  for (const tag of demuxFlv(file)) {
    if (tag.type === FlvTagType.VIDEO) {
      const h = parseVideoTagHeader(tag.data);
      tags.push({
        kind: 'video',
        timestampMs: tag.timestampMs,
        keyframe: h.isKeyframe,
        codecId: h.codecId ?? -1,
        packetType: h.packetType,
        compositionTimeMs: h.compositionTimeMs,
        data: tag.data.subarray(h.headerLength),
      });
    } else if (tag.type === FlvTagType.AUDIO) {
      const h = parseAudioTagHeader(tag.data);
      tags.push({
        kind: 'audio',
        timestampMs: tag.timestampMs,
        soundFormat: h.soundFormat,
        aacPacketType: h.soundFormat === SoundFormat.AAC ? (h.aacPacketType ?? 1) : 1,
        data: tag.data.subarray(h.headerLength),
      });
    }
  }
  return tags;
}
