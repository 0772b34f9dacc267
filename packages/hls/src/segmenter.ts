/**
 * A live HLS segmenter (RFC 8216 §3, §4.3, §6.2.1), sans-I/O: it is fed the messages of an RTMP/FLV
 * stream (tag bodies with their millisecond timestamps) and keeps a sliding window of MPEG-TS segments
 * in memory, with the media playlist that lists them.
 *
 * - Cuts at a video keyframe once the segment reached the target duration; audio-only streams are cut
 *   by time at any audio frame. A segment's duration is the distance to the next segment's start.
 * - Every segment starts with PAT + PMT and (with video) a keyframe with its parameter sets.
 * - A discontinuity (the server reports a republish, or the timestamps jump) closes the segment, starts
 *   a fresh TS muxer and marks the next segment `EXT-X-DISCONTINUITY`.
 * - Segment URIs are built from the media sequence number, which only grows: names never collide.
 * - Memory is bounded: the window plus `graceSegments` for players still downloading, each segment at
 *   most `maxSegmentBytes` (past it the segment is cut at the next frame).
 */
import { LivegoError } from '@livego/amf';
import {
  AudioFourCc,
  AudioPacketType,
  AvcPacketType,
  FlvError,
  type FlvTag,
  FlvTagType,
  parseAudioTagHeader,
  parseOnMetaData,
  parseVideoTagHeader,
  SoundFormat,
  VideoCodecId,
  VideoFourCc,
  VideoPacketType,
} from '@livego/flv';
import { type AudioTrackConfig, TsMuxer, type VideoCodec } from '@livego/mpegts';
import { HlsError } from './errors.js';
import { type PlaylistEntry, renderPlaylist } from './playlist.js';

export type MediaKind = 'audio' | 'video' | 'data';

export interface HlsSegmenterOptions {
  /** Minimum segment duration; segments are cut at the first keyframe after it (default 3, livego's). */
  targetDurationSec?: number;
  /** Segments listed in the playlist (default 3, livego's). */
  windowSize?: number;
  /** Segments kept (and served) after they leave the playlist, for players still downloading (default 2). */
  graceSegments?: number;
  /** The playlist's URI for a segment, relative to the playlist (default `${sequence}.ts`). */
  segmentUri?: (sequence: number) => string;
  /** Media sequence number of the first segment (default 0). */
  firstSequence?: number;
  /** A forward timestamp jump larger than this starts a discontinuity (default 10 000 ms). */
  maxForwardJumpMs?: number;
  /** A backward timestamp jump larger than this starts a discontinuity (default 1 000 ms). */
  maxBackwardJumpMs?: number;
  /** A segment is cut at the next frame once it holds this many bytes (default 32 MiB). */
  maxSegmentBytes?: number;
}

export interface HlsSegment {
  readonly sequence: number;
  readonly uri: string;
  /** The whole MPEG-TS segment. */
  readonly data: Uint8Array;
  readonly durationSec: number;
  /** Stream timestamp of the first sample (ms, on the segmenter's unwrapped timeline). */
  readonly startMs: number;
  /** Preceded by `EXT-X-DISCONTINUITY`. */
  readonly discontinuity: boolean;
  /** Wall-clock time of the first sample (`EXT-X-PROGRAM-DATE-TIME`), when a clock was passed in. */
  readonly programDateTimeMs: number | undefined;
  /** Starts with a video keyframe (false for audio-only segments). */
  readonly startsWithKeyframe: boolean;
}

export interface PushResult {
  /** Segments completed by this message (zero or one; two when a discontinuity closes one first). */
  segments: HlsSegment[];
  /** Why the message was dropped, when it was. */
  error?: HlsError;
}

export interface HlsSegmenterStats {
  messagesIn: number;
  bytesIn: number;
  /** Messages dropped: unparsable, unsupported codec, refused by the muxer. */
  droppedMessages: number;
  /** Frames skipped while waiting for the first keyframe. */
  skippedFrames: number;
  segments: number;
  bytesOut: number;
  discontinuities: number;
}

interface OpenSegment {
  chunks: Uint8Array[];
  bytes: number;
  startMs: number;
  discontinuity: boolean;
  programDateTimeMs: number | undefined;
  startsWithKeyframe: boolean;
  /** A video keyframe has been written (video frames before one are useless to a decoder). */
  hasKeyframe: boolean;
}

const NO_SEGMENTS: HlsSegment[] = [];
/** Audio up to this long before the first keyframe of a period is kept for the first segment. */
const EARLY_AUDIO_MS = 500;

export class HlsSegmenter {
  readonly stats: HlsSegmenterStats = {
    messagesIn: 0,
    bytesIn: 0,
    droppedMessages: 0,
    skippedFrames: 0,
    segments: 0,
    bytesOut: 0,
    discontinuities: 0,
  };
  private readonly targetMs: number;
  private readonly windowSize: number;
  private readonly graceSegments: number;
  private readonly uriOf: (sequence: number) => string;
  private readonly maxForwardJumpMs: number;
  private readonly maxBackwardJumpMs: number;
  private readonly maxSegmentBytes: number;
  /** Completed segments still held: the window and the grace ones before it, oldest first. */
  private store: HlsSegment[] = [];
  private nextSequence: number;
  private discontinuitySequence = 0;
  private target: number;
  private isEnded = false;
  private cachedPlaylist: string | undefined;

  // The current period (between discontinuities).
  private muxer: TsMuxer | undefined;
  private videoCodec: VideoCodec | undefined;
  private videoConfig: Uint8Array | undefined;
  private audioTrack: AudioTrackConfig | undefined;
  /** The stream has (or announced) video: segments start at keyframes and audio waits for one. */
  private expectVideo = false;
  private current: OpenSegment | undefined;
  private pendingDiscontinuity = false;
  private lastRawMs: number | undefined;
  /** Latest input timestamp of the period, unwrapped. */
  private lastInMs = 0;
  /** Added to input timestamps: continues the output timeline across discontinuities. */
  private offsetMs = 0;
  /** Latest output timestamp ever (undefined before the first message). */
  private lastOutMs: number | undefined;
  private lastVideoMs: number | undefined;
  private lastAudioMs: number | undefined;
  /** Typical frame distance, to give the last segment of a stream a duration. */
  private frameMs = 0;
  private anchor: { wallMs: number; mediaMs: number } | undefined;
  /** First audio timestamp that found no open segment in this period. */
  private audioWaitSinceMs: number | undefined;
  /** Audio that arrived just before the period's first keyframe. */
  private earlyAudio: Array<{ ms: number; data: Uint8Array }> = [];
  /** A cut happened at a non-keyframe (size bound): the next frame opens a segment anyway. */
  private forcedOpen = false;

  constructor(options: HlsSegmenterOptions = {}) {
    const target = options.targetDurationSec ?? 3;
    if (!(target > 0)) throw new TypeError(`targetDurationSec must be > 0, got ${target}`);
    const windowSize = options.windowSize ?? 3;
    if (!Number.isInteger(windowSize) || windowSize < 1)
      throw new TypeError(`windowSize must be an integer >= 1, got ${windowSize}`);
    const grace = options.graceSegments ?? 2;
    if (!Number.isInteger(grace) || grace < 0)
      throw new TypeError(`graceSegments must be an integer >= 0, got ${grace}`);
    this.targetMs = target * 1000;
    this.target = Math.max(1, Math.ceil(target));
    this.windowSize = windowSize;
    this.graceSegments = grace;
    this.uriOf = options.segmentUri ?? ((s) => `${s}.ts`);
    this.nextSequence = options.firstSequence ?? 0;
    this.maxForwardJumpMs = options.maxForwardJumpMs ?? 10_000;
    this.maxBackwardJumpMs = options.maxBackwardJumpMs ?? 1_000;
    this.maxSegmentBytes = options.maxSegmentBytes ?? 32 * 1024 * 1024;
  }

  /**
   * One FLV tag as `@livego/flv` demuxes it (`demuxFlv`, `FlvDemuxer`): type 8 audio, 9 video, 18
   * script data; the same as `push` with its kind.
   */
  pushTag(tag: Pick<FlvTag, 'type' | 'timestampMs' | 'data'>, nowMs?: number): PushResult {
    const kind: MediaKind =
      tag.type === FlvTagType.AUDIO ? 'audio' : tag.type === FlvTagType.VIDEO ? 'video' : 'data';
    return this.push(kind, tag.timestampMs, tag.data, nowMs);
  }

  /**
   * One RTMP/FLV message: `payload` is the tag body (audio/video header included), `timestampMs` the
   * 32-bit RTMP timestamp, `nowMs` the wall clock (for PROGRAM-DATE-TIME). Never throws for bad input:
   * a message that cannot be used is dropped and returned as `error`.
   */
  push(kind: MediaKind, timestampMs: number, payload: Uint8Array, nowMs?: number): PushResult {
    this.stats.messagesIn++;
    this.stats.bytesIn += payload.length;
    const out: HlsSegment[] = [];
    if (this.isEnded) {
      // Media after the end: the stream came back (a republish the caller did not announce).
      this.isEnded = false;
      this.startPeriod(true);
      this.cachedPlaylist = undefined;
    }
    try {
      if (kind === 'video') this.video(timestampMs, payload, nowMs, out);
      else if (kind === 'audio') this.audio(timestampMs, payload, nowMs, out);
      else this.data(payload);
    } catch (e) {
      this.stats.droppedMessages++;
      return { segments: out, error: toHlsError(e) };
    }
    return out.length === 0 ? { segments: NO_SEGMENTS } : { segments: out };
  }

  /**
   * The publisher changed (a republish or a takeover): the open segment is closed, the next one is
   * marked EXT-X-DISCONTINUITY and the codec configuration is forgotten until the new headers arrive.
   */
  discontinuity(): HlsSegment[] {
    const out: HlsSegment[] = [];
    this.close(out);
    this.startPeriod(true);
    if (this.isEnded) {
      this.isEnded = false; // the stream resumes
      this.cachedPlaylist = undefined;
    }
    return out;
  }

  /** The stream ended: the open segment is closed and the playlist gets EXT-X-ENDLIST. */
  end(): HlsSegment[] {
    const out: HlsSegment[] = [];
    this.close(out);
    if (!this.isEnded) {
      this.isEnded = true;
      this.cachedPlaylist = undefined;
    }
    return out;
  }

  get ended(): boolean {
    return this.isEnded;
  }

  /** EXT-X-TARGETDURATION: the configured target in whole seconds, raised to cover any longer segment. */
  get targetDurationSec(): number {
    return this.target;
  }

  /** Media sequence number of the first segment in the playlist (the next one's while it is empty). */
  get mediaSequence(): number {
    return this.windowSegments()[0]?.sequence ?? this.nextSequence;
  }

  /** The segments the playlist lists, oldest first. */
  windowSegments(): HlsSegment[] {
    return this.store.slice(Math.max(0, this.store.length - this.windowSize));
  }

  /** Every segment held (the window and the grace ones), oldest first. */
  storedSegments(): readonly HlsSegment[] {
    return this.store;
  }

  /** A held segment by its URI (as in the playlist), or undefined once it left the store. */
  segment(uri: string): HlsSegment | undefined {
    for (let i = this.store.length - 1; i >= 0; i--) if (this.store[i]!.uri === uri) return this.store[i];
    return undefined;
  }

  /** A held segment by its media sequence number. */
  segmentBySequence(sequence: number): HlsSegment | undefined {
    const first = this.store[0];
    if (first === undefined) return undefined;
    const s = this.store[sequence - first.sequence];
    return s?.sequence === sequence ? s : undefined;
  }

  /** Bytes of the segments held. */
  get storedBytes(): number {
    let n = 0;
    for (const s of this.store) n += s.data.length;
    return n;
  }

  /** The media playlist text (RFC 8216 §4.3). */
  playlist(): string {
    this.cachedPlaylist ??= renderPlaylist({
      targetDurationSec: this.target,
      mediaSequence: this.nextSequence,
      discontinuitySequence: this.discontinuitySequence,
      entries: this.windowSegments().map(
        (s): PlaylistEntry => ({
          sequence: s.sequence,
          uri: s.uri,
          durationSec: s.durationSec,
          discontinuity: s.discontinuity,
          programDateTimeMs: s.programDateTimeMs,
        }),
      ),
      ended: this.isEnded,
    });
    return this.cachedPlaylist;
  }

  // ---- input -----------------------------------------------------------------------------------------

  private data(payload: Uint8Array): void {
    let meta: ReturnType<typeof parseOnMetaData>;
    try {
      meta = parseOnMetaData(payload);
    } catch {
      return; // script data is not media; a bad one changes nothing here
    }
    const id = meta?.videocodecid;
    if (id !== undefined && id !== 0 && id !== '') this.expectVideo = true;
  }

  private video(raw: number, payload: Uint8Array, nowMs: number | undefined, out: HlsSegment[]): void {
    const h = parseVideoTagHeader(payload);
    let codec: VideoCodec | undefined;
    if (h.multitrackType === undefined) {
      if (h.enhanced)
        codec = h.fourCc === VideoFourCc.AVC ? 'h264' : h.fourCc === VideoFourCc.HEVC ? 'h265' : undefined;
      else
        codec =
          h.codecId === VideoCodecId.AVC ? 'h264' : h.codecId === VideoCodecId.HEVC ? 'h265' : undefined;
    }
    if (codec === undefined) {
      if (h.videoCommand !== undefined) return; // command frames carry no picture
      throw new HlsError(
        'HLS_UNSUPPORTED_CODEC',
        `video ${h.enhanced ? `FourCC '${h.fourCc ?? 'multitrack'}'` : `CodecID ${h.codecId}`} cannot be carried in HLS MPEG-TS (expected H.264 or H.265)`,
        { field: h.enhanced ? 'FourCC' : 'CodecID' },
      );
    }
    const body = payload.subarray(h.headerLength);
    if (h.isSequenceHeader) {
      const track = { codec, config: body.slice() };
      // Both throw TS_BAD_CONFIG before changing anything: a bad record is refused here, not at the keyframe.
      if (this.muxer !== undefined) this.muxer.setVideoConfig(track);
      else new TsMuxer({ video: track });
      this.videoCodec = codec;
      this.videoConfig = track.config;
      this.expectVideo = true;
      return;
    }
    const coded = h.enhanced
      ? h.packetType === VideoPacketType.CODED_FRAMES || h.packetType === VideoPacketType.CODED_FRAMES_X
      : h.packetType === AvcPacketType.NALU;
    if (!coded) return; // end of sequence, metadata
    this.expectVideo = true;
    if (this.videoCodec !== codec) {
      this.videoCodec = codec;
      this.videoConfig = undefined;
      this.muxer?.setVideoConfig({ codec });
    }
    const ms = this.timeline(raw, out);
    const keyframe = h.isKeyframe;
    let cur = this.current;
    if (
      cur !== undefined &&
      keyframe &&
      (!cur.startsWithKeyframe || ms - cur.startMs >= this.targetMs || cur.bytes >= this.maxSegmentBytes)
    ) {
      this.cut(ms, out);
      cur = undefined;
    } else if (cur !== undefined && cur.bytes >= this.maxSegmentBytes) {
      this.cut(ms, out);
      cur = undefined;
    }
    if (cur === undefined) {
      // Segments start at a keyframe, unless the size bound forced a cut in the middle of a GOP.
      if (!keyframe && !this.forcedOpen) {
        this.stats.skippedFrames++;
        return;
      }
      cur = this.open(ms, nowMs, keyframe);
    } else if (!cur.hasKeyframe && !keyframe) {
      this.stats.skippedFrames++;
      return;
    }
    const ts = this.muxer!.writeVideo({
      dtsMs: ms >>> 0,
      compositionTimeMs: h.compositionTimeMs,
      keyframe,
      data: body,
    });
    if (keyframe) cur.hasKeyframe = true;
    this.append(cur, ts);
    this.noteFrame(ms, 'video');
    if (this.earlyAudio.length > 0) this.flushEarlyAudio(cur, ms);
  }

  private audio(raw: number, payload: Uint8Array, nowMs: number | undefined, out: HlsSegment[]): void {
    const h = parseAudioTagHeader(payload);
    let codec: 'aac' | 'mp3' | undefined;
    let isConfig = false;
    let coded = false;
    if (h.enhanced) {
      if (h.multitrackType === undefined) {
        codec = h.fourCc === AudioFourCc.AAC ? 'aac' : h.fourCc === AudioFourCc.MP3 ? 'mp3' : undefined;
      }
      isConfig = h.packetType === AudioPacketType.SEQUENCE_START;
      coded = h.packetType === AudioPacketType.CODED_FRAMES;
    } else {
      const f = h.soundFormat;
      codec =
        f === SoundFormat.AAC
          ? 'aac'
          : f === SoundFormat.MP3 || f === SoundFormat.MP3_8KHZ
            ? 'mp3'
            : undefined;
      isConfig = codec === 'aac' && h.aacPacketType === 0;
      coded = !isConfig;
    }
    if (codec === undefined) {
      throw new HlsError(
        'HLS_UNSUPPORTED_CODEC',
        `audio ${h.enhanced ? `FourCC '${h.fourCc ?? 'multitrack'}'` : `SoundFormat ${h.soundFormat}`} cannot be carried in HLS MPEG-TS (expected AAC or MP3)`,
        { field: h.enhanced ? 'FourCC' : 'SoundFormat' },
      );
    }
    const body = payload.subarray(h.headerLength);
    if (isConfig) {
      if (codec !== 'aac') return; // MP3 needs no configuration
      const track: AudioTrackConfig = { codec: 'aac', config: body.slice() };
      if (this.muxer !== undefined) this.muxer.setAudioConfig(track);
      else new TsMuxer({ audio: track });
      this.audioTrack = track;
      return;
    }
    if (!coded || body.length === 0) return;
    if (this.audioTrack?.codec !== codec) {
      const track: AudioTrackConfig = { codec } as AudioTrackConfig;
      this.muxer?.setAudioConfig(track);
      this.audioTrack = track;
    }
    const ms = this.timeline(raw, out);
    let cur = this.current;
    if (
      cur !== undefined &&
      ((!this.expectVideo && ms - cur.startMs >= this.targetMs) || cur.bytes >= this.maxSegmentBytes)
    ) {
      this.cut(ms, out);
      cur = undefined;
    }
    if (cur === undefined) {
      // With video, audio waits for the keyframe that starts the next segment. Encoders send the first
      // audio frames just before the first keyframe: those are kept and written after it.
      // Video promised by onMetaData alone that does not come within a target duration: go on without it.
      this.audioWaitSinceMs ??= ms;
      if (this.expectVideo && this.videoCodec === undefined && ms - this.audioWaitSinceMs >= this.targetMs) {
        this.expectVideo = false;
        this.earlyAudio = [];
      }
      if (this.expectVideo) {
        if (this.muxer === undefined) {
          this.earlyAudio.push({ ms, data: body.slice() });
          while (ms - this.earlyAudio[0]!.ms > EARLY_AUDIO_MS) this.earlyAudio.shift();
        } else this.stats.skippedFrames++;
        return;
      }
      cur = this.open(ms, nowMs, false);
    }
    const ts = this.muxer!.writeAudio({ ptsMs: ms >>> 0, data: body });
    this.append(cur, ts);
    this.noteFrame(ms, 'audio');
  }

  private flushEarlyAudio(cur: OpenSegment, keyframeMs: number): void {
    const early = this.earlyAudio;
    this.earlyAudio = [];
    if (this.audioTrack === undefined) return;
    for (const a of early) {
      if (keyframeMs - a.ms > EARLY_AUDIO_MS) continue;
      try {
        this.append(cur, this.muxer!.writeAudio({ ptsMs: a.ms >>> 0, data: a.data }));
        this.noteFrame(a.ms, 'audio');
      } catch {
        this.stats.droppedMessages++;
      }
    }
  }

  // ---- segments ----------------------------------------------------------------------------------------

  /**
   * Puts `raw` on the output timeline: unwrapped (a 2^32 ms wrap continues it) and, after a
   * discontinuity, shifted so it goes on where the last period ended. Output timestamps therefore never
   * jump, which players and demuxers that ignore EXT-X-DISCONTINUITY (ffmpeg's) also handle. A jump past
   * the bounds closes the segment and starts a discontinuity.
   */
  private timeline(raw: number, out: HlsSegment[]): number {
    if (this.lastRawMs !== undefined) {
      const delta = (raw - this.lastRawMs) | 0; // signed 32-bit distance
      if (delta <= this.maxForwardJumpMs && delta >= -this.maxBackwardJumpMs) {
        this.lastRawMs = raw;
        const ms = this.lastInMs + delta;
        if (ms > this.lastInMs) this.lastInMs = ms;
        return this.noteOut(ms + this.offsetMs);
      }
      this.close(out);
      this.startPeriod(false);
    }
    // First message of a period: continue after the previous period's end (or at `raw` at the start).
    this.lastRawMs = raw;
    this.lastInMs = raw;
    this.offsetMs = this.lastOutMs === undefined ? 0 : this.lastOutMs + Math.max(1, this.frameMs) - raw;
    return this.noteOut(raw + this.offsetMs);
  }

  private noteOut(ms: number): number {
    if (this.lastOutMs === undefined || ms > this.lastOutMs) this.lastOutMs = ms;
    return ms;
  }

  private noteFrame(ms: number, kind: 'audio' | 'video'): void {
    const prev = kind === 'video' ? this.lastVideoMs : this.lastAudioMs;
    if (prev !== undefined && ms > prev) this.frameMs = Math.max(this.frameMs, Math.min(ms - prev, 1000));
    if (kind === 'video') this.lastVideoMs = ms;
    else this.lastAudioMs = ms;
  }

  private open(ms: number, nowMs: number | undefined, keyframe: boolean): OpenSegment {
    this.forcedOpen = false;
    if (this.muxer === undefined) {
      this.muxer = new TsMuxer({
        ...(this.videoCodec !== undefined && {
          video: { codec: this.videoCodec, ...(this.videoConfig && { config: this.videoConfig }) },
        }),
        ...(this.audioTrack !== undefined && { audio: this.audioTrack }),
      });
    }
    if (nowMs !== undefined && this.anchor === undefined) this.anchor = { wallMs: nowMs, mediaMs: ms };
    const tables = this.muxer.writeTables();
    const seg: OpenSegment = {
      chunks: [tables],
      bytes: tables.length,
      startMs: ms,
      discontinuity: this.pendingDiscontinuity,
      programDateTimeMs:
        this.anchor === undefined ? undefined : this.anchor.wallMs + (ms - this.anchor.mediaMs),
      startsWithKeyframe: keyframe,
      hasKeyframe: false,
    };
    this.pendingDiscontinuity = false;
    this.current = seg;
    return seg;
  }

  private append(seg: OpenSegment, ts: Uint8Array): void {
    if (ts.length === 0) return;
    seg.chunks.push(ts);
    seg.bytes += ts.length;
  }

  /** Closes the open segment at `endMs` (the start of the next one). */
  private cut(endMs: number, out: HlsSegment[]): void {
    const seg = this.current;
    if (seg === undefined) return;
    this.current = undefined;
    if (seg.bytes >= this.maxSegmentBytes) this.forcedOpen = true;
    this.finish(seg, endMs, out);
  }

  /** Closes the open segment at the end of its last frame (end of stream or a discontinuity). */
  private close(out: HlsSegment[]): void {
    const seg = this.current;
    if (seg === undefined) return;
    this.current = undefined;
    this.finish(seg, (this.lastOutMs ?? seg.startMs) + this.frameMs, out);
  }

  private finish(seg: OpenSegment, endMs: number, out: HlsSegment[]): void {
    if (seg.chunks.length === 1) return; // tables only: no media
    const data = new Uint8Array(seg.bytes);
    let pos = 0;
    for (const c of seg.chunks) {
      data.set(c, pos);
      pos += c.length;
    }
    const sequence = this.nextSequence++;
    const durationSec = Math.max(0, endMs - seg.startMs) / 1000;
    const segment: HlsSegment = {
      sequence,
      uri: this.uriOf(sequence),
      data,
      durationSec,
      startMs: seg.startMs,
      discontinuity: seg.discontinuity,
      programDateTimeMs: seg.programDateTimeMs,
      startsWithKeyframe: seg.startsWithKeyframe,
    };
    // RFC 8216 §4.3.3.1 only asks the rounded EXTINF to fit; we never announce less than a real segment
    // lasts (some players size their buffers by it). The epsilon absorbs ms -> s float noise.
    this.target = Math.max(this.target, Math.ceil(durationSec - 1e-6));
    this.store.push(segment);
    // A segment leaving the playlist takes its discontinuity into EXT-X-DISCONTINUITY-SEQUENCE.
    const left = this.store[this.store.length - 1 - this.windowSize];
    if (left?.discontinuity) this.discontinuitySequence++;
    const excess = this.store.length - this.windowSize - this.graceSegments;
    if (excess > 0) this.store.splice(0, excess);
    this.stats.segments++;
    this.stats.bytesOut += data.length;
    this.cachedPlaylist = undefined;
    out.push(segment);
  }

  /** Starts a new period: a fresh muxer and timeline; `republish` also forgets the codec configuration. */
  private startPeriod(republish: boolean): void {
    if (this.stats.segments > 0 && !this.pendingDiscontinuity) {
      this.pendingDiscontinuity = true;
      this.stats.discontinuities++;
    }
    this.muxer = undefined;
    this.current = undefined;
    this.forcedOpen = false;
    this.lastRawMs = undefined;
    this.lastVideoMs = undefined;
    this.lastAudioMs = undefined;
    this.anchor = undefined;
    this.earlyAudio = [];
    this.audioWaitSinceMs = undefined;
    if (republish) {
      this.videoCodec = undefined;
      this.videoConfig = undefined;
      this.audioTrack = undefined;
      this.expectVideo = false;
    }
  }
}

function toHlsError(e: unknown): HlsError {
  if (e instanceof HlsError) return e;
  if (e instanceof FlvError) return new HlsError('HLS_BAD_TAG', e.message, { cause: e, field: e.field });
  if (e instanceof LivegoError) return new HlsError('HLS_BAD_MEDIA', e.message, { cause: e, field: e.field });
  throw e; // a bug, not bad input
}
