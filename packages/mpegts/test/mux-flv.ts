import { type AudioTrackConfig, TsMuxer, type VideoTrackConfig } from '../src/index.js';
import type { FlvTag } from './flv-input.js';
import { concat } from './helpers.js';

export interface MuxResult {
  ts: Uint8Array;
  videoFrames: number;
  audioFrames: number;
  /** Byte offsets where writeTables() output was placed (segment starts). */
  segmentStarts: number[];
  /** The raw NAL-unit payloads and timestamps given to the muxer, in order. */
  video: { dtsMs: number; ptsMs: number; keyframe: boolean; data: Uint8Array }[];
  audio: { ptsMs: number; data: Uint8Array }[];
}

/** Collects what a TsMuxer wrote, and where segments start, into a MuxResult. */
export class MuxRecording {
  readonly result: MuxResult = {
    ts: new Uint8Array(0),
    videoFrames: 0,
    audioFrames: 0,
    segmentStarts: [],
    video: [],
    audio: [],
  };
  private readonly out: Uint8Array[] = [];
  private size = 0;

  emit(b: Uint8Array): void {
    this.out.push(b);
    this.size += b.length;
  }

  /** Records a segment start at the current offset, then emits the tables that begin it. */
  segmentStart(tables: Uint8Array): void {
    this.result.segmentStarts.push(this.size);
    this.emit(tables);
  }

  finish(): MuxResult {
    this.result.ts = concat(this.out);
    return this.result;
  }
}

/**
 * Feeds FLV tags to a TsMuxer as an RTMP publisher's messages would arrive, cutting a "segment" (tables
 * again) at the first key frame after `segmentMs`, as the HLS segmenter does.
 */
export function muxFlvTags(tags: FlvTag[], segmentMs = 500, offsetMs = 0): MuxResult {
  // RTMP timestamps are unsigned 32-bit: shifted ones wrap. `video`/`audio` record the unwrapped values.
  const rtmp = (ms: number): number => (ms + offsetMs) % 2 ** 32;
  let video: VideoTrackConfig | undefined;
  let audio: AudioTrackConfig | undefined;
  for (const t of tags) {
    if (t.kind === 'video' && video === undefined) video = { codec: t.codecId === 12 ? 'h265' : 'h264' };
    if (t.kind === 'audio' && audio === undefined)
      audio = t.soundFormat === 10 ? { codec: 'aac' } : { codec: 'mp3' };
  }
  const muxer = new TsMuxer({ ...(video && { video }), ...(audio && { audio }) });
  const rec = new MuxRecording();
  const r = rec.result;
  let segmentStartMs = -1;
  for (const t of tags) {
    if (t.kind === 'video') {
      if (t.packetType === 0) {
        muxer.setVideoConfig(t.data);
        continue;
      }
      if (t.packetType !== 1) continue;
      if (t.keyframe && (segmentStartMs < 0 || t.timestampMs - segmentStartMs >= segmentMs)) {
        segmentStartMs = t.timestampMs;
        rec.segmentStart(muxer.writeTables());
      }
      rec.emit(
        muxer.writeVideo({
          dtsMs: rtmp(t.timestampMs),
          compositionTimeMs: t.compositionTimeMs,
          keyframe: t.keyframe,
          data: t.data,
        }),
      );
      r.video.push({
        dtsMs: t.timestampMs + offsetMs,
        ptsMs: t.timestampMs + offsetMs + t.compositionTimeMs,
        keyframe: t.keyframe,
        data: t.data,
      });
      r.videoFrames++;
    } else {
      if (t.soundFormat === 10 && t.aacPacketType === 0) {
        muxer.setAudioConfig(t.data);
        continue;
      }
      if (video === undefined && segmentStartMs < 0) {
        segmentStartMs = t.timestampMs;
        rec.segmentStart(muxer.writeTables());
      }
      rec.emit(muxer.writeAudio({ ptsMs: rtmp(t.timestampMs), data: t.data }));
      r.audio.push({ ptsMs: t.timestampMs + offsetMs, data: t.data });
      r.audioFrames++;
    }
  }
  return rec.finish();
}
