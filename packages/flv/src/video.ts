/**
 * Video tag headers: legacy VIDEODATA (Adobe FLV spec v10.1 E.4.3.1, AVCVIDEOPACKET; the same layout
 * with CodecID 12 for HEVC) and Enhanced RTMP ExVideoTagHeader (v1: FourCC, SequenceStart, CodedFrames
 * with SI24 composition time for hvc1/avc1, CodedFramesX, Metadata, MPEG2TSSequenceStart; v2: command
 * frames, ModEx, the Multitrack preamble).
 */
import { ByteReader } from '@livego/amf';
import { FlvError, flvTruncated } from './errors.js';
import { checkFourCc, readFourCc, readModEx, writeFourCc } from './fourcc.js';
import {
  AvcPacketType,
  AvMultitrackType,
  FrameType,
  VideoCodecId,
  VideoFourCc,
  VideoPacketType,
} from './tag.js';

export interface VideoTagHeader {
  /** Enhanced RTMP header (bit 0x80 of the first byte). */
  enhanced: boolean;
  frameType: number;
  /** Legacy CodecID (absent when enhanced). */
  codecId?: number;
  /** Enhanced FourCC, e.g. 'hvc1' (absent when legacy, for command frames and ManyTracksManyCodecs). */
  fourCc?: string;
  /**
   * AvcPacketType for legacy AVC/HEVC, VideoPacketType when enhanced (for Multitrack: the tracks' packet
   * type). Codecs without the byte and legacy command frames report 1 (coded data).
   */
  packetType: number;
  /** Signed 24-bit composition time offset (pts - dts); 0 where the header has none. */
  compositionTimeMs: number;
  /** Bytes before the codec payload: `data.subarray(headerLength)` is the payload. */
  headerLength: number;
  /** Frame type 1. Sequence headers are sent as keyframes too; check `isSequenceHeader` first. */
  isKeyframe: boolean;
  /** Decoder configuration: AVC/HEVC packet type 0, enhanced SequenceStart or MPEG2TSSequenceStart. */
  isSequenceHeader: boolean;
  /** Command frames (frame type 5): the command byte (0 start of seek, 1 end of seek). */
  videoCommand?: number;
  /** Enhanced Multitrack: AvMultitrackType. The track loop starts at `headerLength`. */
  multitrackType?: number;
  /** Enhanced ModEx TimestampOffsetNano. */
  timestampOffsetNs?: number;
}

function bad(message: string, offset: number, field: string): FlvError {
  return new FlvError('FLV_BAD_VIDEO_HEADER', message, { offset, field });
}

const truncated = flvTruncated('FLV video tag header');

/** Parses the header of a video tag body. Throws FlvError (FLV_TRUNCATED, FLV_BAD_VIDEO_HEADER). */
export function parseVideoTagHeader(data: Uint8Array): VideoTagHeader {
  const r = new ByteReader(data, { truncated });
  const b0 = r.u8('VideoTagHeader');
  if ((b0 & 0x80) === 0) return parseLegacy(r, b0);
  const frameType = (b0 >> 4) & 0x07;
  let packetType = b0 & 0x0f;
  const h: VideoTagHeader = {
    enhanced: true,
    frameType,
    packetType,
    compositionTimeMs: 0,
    headerLength: 0,
    isKeyframe: frameType === FrameType.KEY,
    isSequenceHeader: false,
  };
  if (packetType === VideoPacketType.MOD_EX) {
    const m = readModEx(r, VideoPacketType.MOD_EX);
    packetType = m.packetType;
    if (m.timestampOffsetNs !== undefined) h.timestampOffsetNs = m.timestampOffsetNs;
  }
  if (packetType > VideoPacketType.MOD_EX) {
    throw bad(
      `Enhanced RTMP VideoPacketType ${packetType} is reserved (expected 0..7)`,
      0,
      'VideoPacketType',
    );
  }
  if (frameType === FrameType.COMMAND && packetType !== VideoPacketType.METADATA) {
    h.packetType = packetType;
    h.videoCommand = r.u8('VideoCommand');
    h.headerLength = r.pos;
    return h;
  }
  if (packetType === VideoPacketType.MULTITRACK) {
    const b = r.u8('AvMultitrackType');
    h.multitrackType = b >> 4;
    packetType = b & 0x0f;
    if (
      packetType === VideoPacketType.MULTITRACK ||
      packetType === VideoPacketType.MOD_EX ||
      packetType > 7
    ) {
      throw bad(`Multitrack video packet type ${packetType} cannot be nested`, r.pos - 1, 'VideoPacketType');
    }
    if (h.multitrackType !== AvMultitrackType.MANY_TRACKS_MANY_CODECS) h.fourCc = readFourCc(r);
  } else {
    h.fourCc = readFourCc(r);
    if (
      packetType === VideoPacketType.CODED_FRAMES &&
      (h.fourCc === VideoFourCc.HEVC || h.fourCc === VideoFourCc.AVC)
    ) {
      h.compositionTimeMs = r.i24('CompositionTime');
    }
  }
  h.packetType = packetType;
  h.isSequenceHeader =
    packetType === VideoPacketType.SEQUENCE_START || packetType === VideoPacketType.MPEG2TS_SEQUENCE_START;
  h.headerLength = r.pos;
  return h;
}

function parseLegacy(r: ByteReader, b0: number): VideoTagHeader {
  const frameType = b0 >> 4;
  const codecId = b0 & 0x0f;
  const h: VideoTagHeader = {
    enhanced: false,
    frameType,
    codecId,
    packetType: AvcPacketType.NALU,
    compositionTimeMs: 0,
    headerLength: 1,
    isKeyframe: frameType === FrameType.KEY,
    isSequenceHeader: false,
  };
  if (frameType === FrameType.COMMAND) {
    h.videoCommand = r.u8('VideoCommand');
    h.headerLength = 2;
    return h;
  }
  if (codecId === VideoCodecId.AVC || codecId === VideoCodecId.HEVC) {
    h.packetType = r.u8('AVCPacketType');
    h.compositionTimeMs = r.i24('CompositionTime');
    h.headerLength = 5;
    h.isSequenceHeader = h.packetType === AvcPacketType.SEQUENCE_HEADER;
  }
  return h;
}

/** What `encodeVideoTagHeader` accepts. Legacy when `enhanced` is not true. */
export type VideoTagHeaderInit =
  | {
      enhanced?: false;
      frameType: number;
      codecId: number;
      /** AVC/HEVC only; default 1 (NALU). */
      packetType?: number;
      compositionTimeMs?: number;
      /** Required when frameType is 5. */
      videoCommand?: number;
    }
  | {
      enhanced: true;
      frameType: number;
      /** Any VideoPacketType except Multitrack and ModEx, which this encoder does not write. */
      packetType: number;
      /** Required unless this is a command frame. */
      fourCc?: string;
      /** Written for CodedFrames of hvc1/avc1. */
      compositionTimeMs?: number;
      videoCommand?: number;
    };

function checkCts(ms: number): void {
  if (!Number.isInteger(ms) || ms < -0x800000 || ms > 0x7fffff) {
    throw new RangeError(`compositionTimeMs must be a signed 24-bit integer, got ${ms}`);
  }
}

function checkNibble(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} must be 0..${max}, got ${v}`);
}

/** Bytes the header of `init` takes. */
export function videoTagHeaderLength(init: VideoTagHeaderInit): number {
  if (init.enhanced === true) {
    if (init.frameType === FrameType.COMMAND && init.packetType !== VideoPacketType.METADATA) return 2;
    const withCts =
      init.packetType === VideoPacketType.CODED_FRAMES &&
      (init.fourCc === VideoFourCc.HEVC || init.fourCc === VideoFourCc.AVC);
    return withCts ? 8 : 5;
  }
  if (init.frameType === FrameType.COMMAND) return 2;
  return init.codecId === VideoCodecId.AVC || init.codecId === VideoCodecId.HEVC ? 5 : 1;
}

/** Writes the header of `init` at `offset`; returns its length. Throws RangeError on unencodable input. */
export function writeVideoTagHeader(target: Uint8Array, offset: number, init: VideoTagHeaderInit): number {
  const n = videoTagHeaderLength(init);
  if (offset < 0 || offset + n > target.length) throw new RangeError(`video tag header needs ${n} bytes`);
  const p = offset;
  if (init.enhanced === true) {
    checkNibble('frameType', init.frameType, 7);
    checkNibble('packetType', init.packetType, 5);
    target[p] = 0x80 | (init.frameType << 4) | init.packetType;
    if (n === 2) {
      checkNibble('videoCommand', init.videoCommand ?? -1, 0xff);
      target[p + 1] = init.videoCommand!;
      return n;
    }
    if (init.fourCc === undefined) throw new RangeError('an enhanced video header needs a fourCc');
    checkFourCc(init.fourCc);
    writeFourCc(target, p + 1, init.fourCc);
    if (n === 8) writeI24(target, p + 5, init.compositionTimeMs ?? 0);
    return n;
  }
  checkNibble('frameType', init.frameType, 7);
  checkNibble('codecId', init.codecId, 15);
  target[p] = (init.frameType << 4) | init.codecId;
  if (init.frameType === FrameType.COMMAND) {
    checkNibble('videoCommand', init.videoCommand ?? -1, 0xff);
    target[p + 1] = init.videoCommand!;
  } else if (n === 5) {
    const pt = init.packetType ?? AvcPacketType.NALU;
    checkNibble('packetType', pt, 0xff);
    target[p + 1] = pt;
    writeI24(target, p + 2, init.compositionTimeMs ?? 0);
  }
  return n;
}

function writeI24(target: Uint8Array, at: number, ms: number): void {
  checkCts(ms);
  const v = ms < 0 ? ms + 0x1000000 : ms;
  target[at] = (v >>> 16) & 0xff;
  target[at + 1] = (v >>> 8) & 0xff;
  target[at + 2] = v & 0xff;
}

export function encodeVideoTagHeader(init: VideoTagHeaderInit): Uint8Array {
  const out = new Uint8Array(videoTagHeaderLength(init));
  writeVideoTagHeader(out, 0, init);
  return out;
}

/** A whole video tag body in one allocation: the header of `init` followed by `payload`. */
export function encodeVideoTagData(init: VideoTagHeaderInit, payload: Uint8Array): Uint8Array {
  const n = videoTagHeaderLength(init);
  const out = new Uint8Array(n + payload.length);
  writeVideoTagHeader(out, 0, init);
  out.set(payload, n);
  return out;
}

/**
 * `parseVideoTagHeader(data).isSequenceHeader` without allocating, for per-packet checks (start-up
 * caches). False for malformed headers instead of throwing.
 */
export function isVideoSequenceHeader(data: Uint8Array): boolean {
  const b0 = data[0];
  if (b0 === undefined) return false;
  if ((b0 & 0x80) === 0) {
    const codecId = b0 & 0x0f;
    return (
      b0 >> 4 !== FrameType.COMMAND &&
      (codecId === VideoCodecId.AVC || codecId === VideoCodecId.HEVC) &&
      data.length >= 5 &&
      data[1] === AvcPacketType.SEQUENCE_HEADER
    );
  }
  const packetType = b0 & 0x0f;
  if (packetType === VideoPacketType.MOD_EX || packetType === VideoPacketType.MULTITRACK) {
    try {
      return parseVideoTagHeader(data).isSequenceHeader;
    } catch {
      return false;
    }
  }
  if (((b0 >> 4) & 0x07) === FrameType.COMMAND) return false;
  return (
    data.length >= 5 &&
    (packetType === VideoPacketType.SEQUENCE_START || packetType === VideoPacketType.MPEG2TS_SEQUENCE_START)
  );
}

/** `parseVideoTagHeader(data).isKeyframe` (frame type 1) without allocating; false for an empty body. */
export function isVideoKeyframe(data: Uint8Array): boolean {
  const b0 = data[0];
  if (b0 === undefined) return false;
  return ((b0 & 0x80) === 0 ? b0 >> 4 : (b0 >> 4) & 0x07) === FrameType.KEY;
}
