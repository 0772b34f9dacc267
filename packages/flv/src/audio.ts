/**
 * Audio tag headers: legacy AUDIODATA (Adobe FLV spec v10.1 E.4.2.1, AACAUDIODATA) and Enhanced RTMP v2
 * ExAudioTagHeader (SoundFormat 9: AudioPacketType, ModEx, the Multitrack preamble, FourCC).
 */
import { ByteReader } from '@livego/amf';
import { FlvError, flvTruncated } from './errors.js';
import { checkFourCc, readFourCc, readModEx, writeFourCc } from './fourcc.js';
import { AacPacketType, AudioPacketType, AvMultitrackType, SoundFormat } from './tag.js';

export interface AudioTagHeader {
  /** SoundFormat 9 (Enhanced RTMP ExHeader). */
  enhanced: boolean;
  soundFormat: number;
  /** Legacy only (0 when enhanced). */
  soundRate: number;
  soundSize: number;
  soundType: number;
  /** AAC only: 0 sequence header (AudioSpecificConfig), 1 raw frame. */
  aacPacketType?: number;
  /** Enhanced: AudioPacketType (for Multitrack: the tracks' packet type). */
  packetType?: number;
  /** Enhanced FourCC, e.g. 'Opus' (absent for ManyTracksManyCodecs). */
  fourCc?: string;
  /** Enhanced Multitrack: AvMultitrackType. The track loop starts at `headerLength`. */
  multitrackType?: number;
  /** Enhanced ModEx TimestampOffsetNano. */
  timestampOffsetNs?: number;
  /** Bytes before the codec payload. */
  headerLength: number;
  /** AAC sequence header or enhanced SequenceStart. */
  isSequenceHeader: boolean;
}

const truncated = flvTruncated('FLV audio tag header');

function bad(message: string, offset: number): FlvError {
  return new FlvError('FLV_BAD_AUDIO_HEADER', message, { offset, field: 'AudioPacketType' });
}

function checkPacketType(t: number, at: number, inMultitrack: boolean): void {
  const ok =
    t === AudioPacketType.SEQUENCE_START ||
    t === AudioPacketType.CODED_FRAMES ||
    t === AudioPacketType.SEQUENCE_END ||
    t === AudioPacketType.MULTICHANNEL_CONFIG ||
    (!inMultitrack && t === AudioPacketType.MULTITRACK);
  if (!ok) throw bad(`Enhanced RTMP AudioPacketType ${t} is reserved or cannot appear here`, at);
}

/** Parses the header of an audio tag body. Throws FlvError (FLV_TRUNCATED, FLV_BAD_AUDIO_HEADER). */
export function parseAudioTagHeader(data: Uint8Array): AudioTagHeader {
  const r = new ByteReader(data, { truncated });
  const b0 = r.u8('SoundFormat');
  const soundFormat = b0 >> 4;
  if (soundFormat !== SoundFormat.EX_HEADER) {
    const h: AudioTagHeader = {
      enhanced: false,
      soundFormat,
      soundRate: (b0 >> 2) & 0x03,
      soundSize: (b0 >> 1) & 0x01,
      soundType: b0 & 0x01,
      headerLength: 1,
      isSequenceHeader: false,
    };
    if (soundFormat === SoundFormat.AAC) {
      h.aacPacketType = r.u8('AACPacketType');
      h.headerLength = 2;
      h.isSequenceHeader = h.aacPacketType === AacPacketType.SEQUENCE_HEADER;
    }
    return h;
  }
  const h: AudioTagHeader = {
    enhanced: true,
    soundFormat,
    soundRate: 0,
    soundSize: 0,
    soundType: 0,
    headerLength: 0,
    isSequenceHeader: false,
  };
  let packetType = b0 & 0x0f;
  if (packetType === AudioPacketType.MOD_EX) {
    const m = readModEx(r, AudioPacketType.MOD_EX);
    packetType = m.packetType;
    if (m.timestampOffsetNs !== undefined) h.timestampOffsetNs = m.timestampOffsetNs;
  }
  checkPacketType(packetType, r.pos - 1, false);
  if (packetType === AudioPacketType.MULTITRACK) {
    const b = r.u8('AvMultitrackType');
    h.multitrackType = b >> 4;
    packetType = b & 0x0f;
    checkPacketType(packetType, r.pos - 1, true);
    if (h.multitrackType !== AvMultitrackType.MANY_TRACKS_MANY_CODECS) h.fourCc = readFourCc(r);
  } else {
    h.fourCc = readFourCc(r);
  }
  h.packetType = packetType;
  h.isSequenceHeader = packetType === AudioPacketType.SEQUENCE_START;
  h.headerLength = r.pos;
  return h;
}

/** What `encodeAudioTagHeader` accepts. Legacy when `enhanced` is not true. */
export type AudioTagHeaderInit =
  | {
      enhanced?: false;
      soundFormat: number;
      soundRate: number;
      soundSize: number;
      soundType: number;
      /** AAC only; default 1 (raw). */
      aacPacketType?: number;
    }
  | {
      enhanced: true;
      /** SequenceStart, CodedFrames, SequenceEnd or MultichannelConfig. */
      packetType: number;
      fourCc: string;
    };

function checkRange(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} must be 0..${max}, got ${v}`);
}

export function audioTagHeaderLength(init: AudioTagHeaderInit): number {
  if (init.enhanced === true) return 5;
  return init.soundFormat === SoundFormat.AAC ? 2 : 1;
}

/** Writes the header of `init` at `offset`; returns its length. Throws RangeError on unencodable input. */
export function writeAudioTagHeader(target: Uint8Array, offset: number, init: AudioTagHeaderInit): number {
  const n = audioTagHeaderLength(init);
  if (offset < 0 || offset + n > target.length) throw new RangeError(`audio tag header needs ${n} bytes`);
  if (init.enhanced === true) {
    checkRange('packetType', init.packetType, 4);
    if (init.packetType === 3) throw new RangeError('AudioPacketType 3 is reserved');
    checkFourCc(init.fourCc);
    target[offset] = (SoundFormat.EX_HEADER << 4) | init.packetType;
    writeFourCc(target, offset + 1, init.fourCc);
    return n;
  }
  checkRange('soundFormat', init.soundFormat, 15);
  if (init.soundFormat === SoundFormat.EX_HEADER) throw new RangeError('soundFormat 9 needs enhanced: true');
  checkRange('soundRate', init.soundRate, 3);
  checkRange('soundSize', init.soundSize, 1);
  checkRange('soundType', init.soundType, 1);
  target[offset] = (init.soundFormat << 4) | (init.soundRate << 2) | (init.soundSize << 1) | init.soundType;
  if (n === 2) {
    const t = init.aacPacketType ?? AacPacketType.RAW;
    checkRange('aacPacketType', t, 0xff);
    target[offset + 1] = t;
  }
  return n;
}

export function encodeAudioTagHeader(init: AudioTagHeaderInit): Uint8Array {
  const out = new Uint8Array(audioTagHeaderLength(init));
  writeAudioTagHeader(out, 0, init);
  return out;
}

/** A whole audio tag body in one allocation: the header of `init` followed by `payload`. */
export function encodeAudioTagData(init: AudioTagHeaderInit, payload: Uint8Array): Uint8Array {
  const n = audioTagHeaderLength(init);
  const out = new Uint8Array(n + payload.length);
  writeAudioTagHeader(out, 0, init);
  out.set(payload, n);
  return out;
}

/**
 * `parseAudioTagHeader(data).isSequenceHeader` without allocating, for per-packet checks. False for
 * malformed headers instead of throwing.
 */
export function isAudioSequenceHeader(data: Uint8Array): boolean {
  const b0 = data[0];
  if (b0 === undefined) return false;
  const soundFormat = b0 >> 4;
  if (soundFormat === SoundFormat.AAC) return data[1] === AacPacketType.SEQUENCE_HEADER;
  if (soundFormat !== SoundFormat.EX_HEADER) return false;
  const packetType = b0 & 0x0f;
  if (packetType === AudioPacketType.MOD_EX || packetType === AudioPacketType.MULTITRACK) {
    try {
      return parseAudioTagHeader(data).isSequenceHeader;
    } catch {
      return false;
    }
  }
  return packetType === AudioPacketType.SEQUENCE_START && data.length >= 5;
}
