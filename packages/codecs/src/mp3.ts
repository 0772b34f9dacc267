/**
 * MPEG audio frame header (ISO/IEC 11172-3 clause 2.4.1.3, ISO/IEC 13818-3 clause 2.4.1.3, and the
 * MPEG-2.5 extension): version, layer, bitrate, rate, channels and the frame length in bytes.
 */
import { CodecError } from './errors.js';

export type MpegAudioVersion = '1' | '2' | '2.5';
export type Mp3ChannelMode = 'stereo' | 'joint-stereo' | 'dual-channel' | 'mono';

export interface Mp3FrameHeader {
  version: MpegAudioVersion;
  /** 1, 2 or 3. */
  layer: 1 | 2 | 3;
  /** True when a 16-bit CRC follows the header. */
  crcProtected: boolean;
  bitrateKbps: number;
  sampleRate: number;
  padding: boolean;
  channelMode: Mp3ChannelMode;
  channels: 1 | 2;
  modeExtension: number;
  copyright: boolean;
  original: boolean;
  emphasis: number;
  /** Whole frame, header included, in bytes. */
  frameLength: number;
  samplesPerFrame: number;
}

const BITRATES_KBPS = {
  v1l1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  v1l2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  v1l3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2l1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  v2l23: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
} as const;

const SAMPLE_RATES = {
  '1': [44100, 48000, 32000],
  '2': [22050, 24000, 16000],
  '2.5': [11025, 12000, 8000],
} as const;
const MODES: readonly Mp3ChannelMode[] = ['stereo', 'joint-stereo', 'dual-channel', 'mono'];

function bad(message: string, offset: number, field: string): CodecError {
  return new CodecError('CODEC_BAD_MP3', message, { offset, field });
}

/** Parses the 4-byte MPEG audio frame header at the start of `bytes`. Free-format and reserved values are errors. */
export function parseMp3FrameHeader(bytes: Uint8Array): Mp3FrameHeader {
  if (bytes.length < 4) {
    throw new CodecError('CODEC_TRUNCATED', `MPEG audio header needs 4 bytes, only ${bytes.length} given`, {
      offset: 0,
      field: 'header',
    });
  }
  const b1 = bytes[1]!;
  const b2 = bytes[2]!;
  const b3 = bytes[3]!;
  if (bytes[0] !== 0xff || (b1 & 0xe0) !== 0xe0) {
    throw new CodecError('CODEC_BAD_SYNC', 'MPEG audio frame sync (11 set bits) not found', {
      offset: 0,
      field: 'sync',
    });
  }
  const versionBits = (b1 >>> 3) & 3;
  if (versionBits === 1) throw bad('MPEG audio version bits 01 are reserved', 1, 'version');
  const version: MpegAudioVersion = versionBits === 3 ? '1' : versionBits === 2 ? '2' : '2.5';
  const layerBits = (b1 >>> 1) & 3;
  if (layerBits === 0) throw bad('MPEG audio layer bits 00 are reserved', 1, 'layer');
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const bitrateIndex = b2 >>> 4;
  if (bitrateIndex === 0)
    throw bad('free-format MPEG audio (bitrate index 0) is not supported', 2, 'bitrate_index');
  if (bitrateIndex === 15) throw bad('MPEG audio bitrate index 15 is invalid', 2, 'bitrate_index');
  const rateIndex = (b2 >>> 2) & 3;
  if (rateIndex === 3)
    throw bad('MPEG audio sampling frequency index 3 is reserved', 2, 'sampling_frequency');
  const emphasis = b3 & 3;
  if (emphasis === 2) throw bad('MPEG audio emphasis 10 is reserved', 3, 'emphasis');
  const v1 = version === '1';
  const table =
    layer === 1
      ? v1
        ? BITRATES_KBPS.v1l1
        : BITRATES_KBPS.v2l1
      : v1
        ? layer === 2
          ? BITRATES_KBPS.v1l2
          : BITRATES_KBPS.v1l3
        : BITRATES_KBPS.v2l23;
  const bitrateKbps = table[bitrateIndex]!;
  const sampleRate = SAMPLE_RATES[version][rateIndex]!;
  const padding = (b2 & 0x02) !== 0;
  const channelMode = MODES[b3 >>> 6]!;
  const samplesPerFrame = layer === 1 ? 384 : layer === 2 || v1 ? 1152 : 576;
  const frameLength =
    layer === 1
      ? (Math.floor((12 * bitrateKbps * 1000) / sampleRate) + (padding ? 1 : 0)) * 4
      : Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + (padding ? 1 : 0);
  return {
    version,
    layer,
    crcProtected: (b1 & 1) === 0,
    bitrateKbps,
    sampleRate,
    padding,
    channelMode,
    channels: channelMode === 'mono' ? 1 : 2,
    modeExtension: (b3 >>> 4) & 3,
    copyright: (b3 & 0x08) !== 0,
    original: (b3 & 0x04) !== 0,
    emphasis,
    frameLength,
    samplesPerFrame,
  };
}
