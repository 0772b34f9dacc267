/**
 * AAC: AudioSpecificConfig (ISO/IEC 14496-3 clause 1.6.2.1, GASpecificConfig 4.4.1,
 * program_config_element 4.4.1.1, SBR/PS signalling 1.6.5 and 1.6.6) and the ADTS header
 * (ISO/IEC 14496-3 clause 1.A.2.2, ISO/IEC 13818-7 clause 6.2).
 */
import { BitReader, BitWriter } from './bit-reader.js';
import { CodecError } from './errors.js';

/** Sampling frequencies by samplingFrequencyIndex (14496-3 Table 1.18); 13 and 14 are reserved. */
export const AAC_SAMPLE_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
] as const;

export const AacObjectType = {
  AAC_MAIN: 1,
  AAC_LC: 2,
  AAC_SSR: 3,
  AAC_LTP: 4,
  SBR: 5,
  AAC_SCALABLE: 6,
  ER_AAC_LC: 17,
  ER_AAC_LTP: 19,
  ER_AAC_SCALABLE: 20,
  ER_BSAC: 22,
  ER_AAC_LD: 23,
  PS: 29,
  ER_AAC_ELD: 39,
  USAC: 42,
} as const;

/** GASpecificConfig object types (14496-3 1.6.2.1 switch). */
const GA_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

/** How SBR/PS presence was signalled. */
export type AacSbrSignalling = 'none' | 'explicit-hierarchical' | 'explicit-backward-compatible';

export interface AudioSpecificConfig {
  /** The core object type (2 for HE-AAC, whose declared type 5/29 is in `extensionObjectType`/`ps`). */
  objectType: number;
  samplingFrequencyIndex: number;
  /** Core sampling rate in Hz (the explicit 24-bit rate when the index is 15). */
  sampleRate: number;
  channelConfiguration: number;
  /** Samples per frame of the core coder: 1024/960 (GA), 512/480 (ER AAC LD/ELD). */
  frameLength: number;
  sbr: boolean;
  ps: boolean;
  signalling: AacSbrSignalling;
  /** 5 (SBR) or 22 (BSAC extension) when an extension is signalled. */
  extensionObjectType?: number;
  extensionSamplingFrequencyIndex?: number;
  /** Output rate after SBR. */
  extensionSampleRate?: number;
  dependsOnCoreCoder: boolean;
  coreCoderDelay?: number;
  /** Channels counted from the program_config_element when channelConfiguration is 0. */
  pceChannels?: number;
}

function badConfig(message: string, r: BitReader, field?: string): CodecError {
  return new CodecError('CODEC_BAD_CONFIG', message, { offset: r.pos >>> 3, field, bitOffset: r.pos });
}

function readObjectType(r: BitReader): number {
  const t = r.u(5, 'audioObjectType');
  return t === 31 ? 32 + r.u(6, 'audioObjectTypeExt') : t;
}

function readSampleRate(r: BitReader): { index: number; rate: number } {
  const index = r.u(4, 'samplingFrequencyIndex');
  if (index === 15) {
    const rate = r.u(24, 'samplingFrequency');
    if (rate === 0) throw badConfig('explicit samplingFrequency is 0', r, 'samplingFrequency');
    return { index, rate };
  }
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined)
    throw badConfig(`samplingFrequencyIndex ${index} is reserved`, r, 'samplingFrequencyIndex');
  return { index, rate };
}

/** program_config_element(): returns the number of channels it describes. */
function readPce(r: BitReader): number {
  r.skip(4 + 2 + 4, 'pce header');
  const front = r.u(4, 'num_front_channel_elements');
  const side = r.u(4, 'num_side_channel_elements');
  const back = r.u(4, 'num_back_channel_elements');
  const lfe = r.u(2, 'num_lfe_channel_elements');
  const assoc = r.u(3, 'num_assoc_data_elements');
  const cc = r.u(4, 'num_valid_cc_elements');
  if (r.flag('mono_mixdown_present')) r.skip(4, 'mono_mixdown_element_number');
  if (r.flag('stereo_mixdown_present')) r.skip(4, 'stereo_mixdown_element_number');
  if (r.flag('matrix_mixdown_idx_present')) r.skip(3, 'matrix_mixdown');
  let channels = lfe;
  for (let i = 0; i < front + side + back; i++) {
    channels += r.flag('is_cpe') ? 2 : 1;
    r.skip(4, 'element_tag_select');
  }
  r.skip(4 * lfe + 4 * assoc + 5 * cc, 'pce elements');
  r.align();
  r.skip(8 * r.u(8, 'comment_field_bytes'), 'comment_field_data');
  return channels;
}

/** Parses an AudioSpecificConfig (the FLV AAC sequence header body, the MP4 esds DecoderSpecificInfo). */
export function parseAudioSpecificConfig(bytes: Uint8Array): AudioSpecificConfig {
  const r = new BitReader(bytes);
  let objectType = readObjectType(r);
  if (objectType === 0) throw badConfig('audioObjectType 0 (null) is not a codec', r, 'audioObjectType');
  const core = readSampleRate(r);
  const channelConfiguration = r.u(4, 'channelConfiguration');
  let sbr = false;
  let ps = false;
  let signalling: AacSbrSignalling = 'none';
  let extensionObjectType: number | undefined;
  let ext: { index: number; rate: number } | undefined;
  if (objectType === AacObjectType.SBR || objectType === AacObjectType.PS) {
    extensionObjectType = AacObjectType.SBR;
    sbr = true;
    ps = objectType === AacObjectType.PS;
    signalling = 'explicit-hierarchical';
    ext = readSampleRate(r);
    objectType = readObjectType(r);
    if (objectType === AacObjectType.ER_BSAC) r.skip(4, 'extensionChannelConfiguration');
  }
  const config: AudioSpecificConfig = {
    objectType,
    samplingFrequencyIndex: core.index,
    sampleRate: core.rate,
    channelConfiguration,
    frameLength: 1024,
    sbr,
    ps,
    signalling,
    dependsOnCoreCoder: false,
  };
  if (GA_TYPES.has(objectType)) {
    const short = r.flag('frameLengthFlag');
    const ld = objectType === AacObjectType.ER_AAC_LD;
    config.frameLength = ld ? (short ? 480 : 512) : short ? 960 : 1024;
    config.dependsOnCoreCoder = r.flag('dependsOnCoreCoder');
    if (config.dependsOnCoreCoder) config.coreCoderDelay = r.u(14, 'coreCoderDelay');
    const extensionFlag = r.flag('extensionFlag');
    if (channelConfiguration === 0) config.pceChannels = readPce(r);
    if (objectType === 6 || objectType === 20) r.skip(3, 'layerNr');
    if (extensionFlag) {
      if (objectType === 22) r.skip(16, 'numOfSubFrame/layer_length');
      if (objectType === 17 || objectType === 19 || objectType === 20 || objectType === 23)
        r.skip(3, 'resilience flags');
      r.skip(1, 'extensionFlag3');
    }
    // Backward-compatible signalling (1.6.5): an extension after the core config. Like ffmpeg, look for
    // its sync bit by bit, so byte padding before it is tolerated.
    while (extensionObjectType === undefined && r.bitsLeft >= 16) {
      const at = r.pos;
      if (r.u(11, 'syncExtensionType') !== 0x2b7) {
        r.pos = at + 1;
        continue;
      }
      const extType = readObjectType(r);
      if (extType === AacObjectType.SBR) {
        extensionObjectType = extType;
        sbr = r.flag('sbrPresentFlag');
        if (sbr) {
          signalling = 'explicit-backward-compatible';
          ext = readSampleRate(r);
          if (r.bitsLeft >= 12 && r.u(11, 'syncExtensionType') === 0x548) ps = r.flag('psPresentFlag');
        }
      } else if (extType === AacObjectType.ER_BSAC) {
        extensionObjectType = extType;
        sbr = r.flag('sbrPresentFlag');
        if (sbr) {
          signalling = 'explicit-backward-compatible';
          ext = readSampleRate(r);
        }
        r.skip(4, 'extensionChannelConfiguration');
      }
      break;
    }
  } else if (objectType === AacObjectType.ER_AAC_ELD) {
    config.frameLength = r.flag('frameLengthFlag') ? 480 : 512;
  }
  config.sbr = sbr;
  config.ps = ps;
  config.signalling = signalling;
  if (extensionObjectType !== undefined) config.extensionObjectType = extensionObjectType;
  if (ext !== undefined) {
    config.extensionSamplingFrequencyIndex = ext.index;
    config.extensionSampleRate = ext.rate;
  }
  return config;
}

export interface AudioSpecificConfigInput {
  /** Core object type, e.g. 2 (AAC LC); 1..95. */
  objectType: number;
  /** Core rate in Hz: written as an index when it is in AAC_SAMPLE_RATES, else as an explicit 24-bit rate. */
  sampleRate: number;
  channelConfiguration: number;
  /** 960 or 1024 (default 1024). */
  frameLength?: 960 | 1024;
  /** SBR (HE-AAC) with its output rate, and PS (HE-AAC v2). */
  sbr?: {
    sampleRate: number;
    ps?: boolean;
    signalling?: 'explicit-hierarchical' | 'explicit-backward-compatible';
  };
}

function writeObjectType(w: BitWriter, t: number): void {
  if (t < 31) w.u(5, t);
  else w.u(5, 31).u(6, t - 32);
}

function writeSampleRate(w: BitWriter, rate: number): void {
  const index = (AAC_SAMPLE_RATES as readonly number[]).indexOf(rate);
  if (index >= 0) w.u(4, index);
  else w.u(4, 15).u(24, rate);
}

/**
 * Builds an AudioSpecificConfig for a GA object type (AAC Main/LC/SSR/LTP...) without a PCE. HE-AAC
 * is written with explicit hierarchical signalling (AOT 5/29 first) unless backward-compatible is asked for.
 */
export function buildAudioSpecificConfig(input: AudioSpecificConfigInput): Uint8Array {
  const { objectType, sampleRate, channelConfiguration } = input;
  if (!Number.isInteger(objectType) || objectType < 1 || objectType > 95 || !GA_TYPES.has(objectType)) {
    throw new TypeError(`objectType ${objectType} is not a GA object type this builder writes`);
  }
  if (!Number.isInteger(channelConfiguration) || channelConfiguration < 1 || channelConfiguration > 15) {
    throw new TypeError(`channelConfiguration must be 1..15, got ${channelConfiguration}`);
  }
  const checkRate = (rate: number) => {
    if (!Number.isInteger(rate) || rate < 1 || rate > 0xffffff)
      throw new TypeError(`bad sample rate ${rate}`);
  };
  checkRate(sampleRate);
  const w = new BitWriter(16);
  const sbr = input.sbr;
  const hierarchical =
    sbr !== undefined && (sbr.signalling ?? 'explicit-hierarchical') === 'explicit-hierarchical';
  if (sbr !== undefined) checkRate(sbr.sampleRate);
  if (hierarchical) {
    w.u(5, sbr.ps ? AacObjectType.PS : AacObjectType.SBR);
    writeSampleRate(w, sampleRate);
    w.u(4, channelConfiguration);
    writeSampleRate(w, sbr.sampleRate);
    writeObjectType(w, objectType);
  } else {
    writeObjectType(w, objectType);
    writeSampleRate(w, sampleRate);
    w.u(4, channelConfiguration);
  }
  w.flag(input.frameLength === 960);
  w.flag(false); // dependsOnCoreCoder
  // extensionFlag is 1 for the ER types (17..23) and 0 for the others.
  const er = objectType >= 17;
  w.flag(er);
  if (objectType === 6 || objectType === 20) w.u(3, 0);
  if (er) {
    if (objectType === 22) w.u(16, 0);
    else w.u(3, 0);
    w.u(1, 0);
  }
  if (sbr !== undefined && !hierarchical) {
    w.u(11, 0x2b7);
    w.u(5, AacObjectType.SBR);
    w.flag(true);
    writeSampleRate(w, sbr.sampleRate);
    if (sbr.ps) {
      w.u(11, 0x548);
      w.flag(true);
    }
  }
  return w.finish();
}

export interface AdtsHeader {
  /** 4 for ID=0 (MPEG-4), 2 for ID=1 (MPEG-2). */
  mpegVersion: 2 | 4;
  protectionAbsent: boolean;
  /** profile_ObjectType + 1 (2 = AAC LC). */
  objectType: number;
  samplingFrequencyIndex: number;
  sampleRate: number;
  channelConfiguration: number;
  /** aac_frame_length: header and payload, in bytes. */
  frameLength: number;
  bufferFullness: number;
  /** number_of_raw_data_blocks_in_frame + 1. */
  rawBlocks: number;
  /** 7, or 9 with the CRC. */
  headerLength: number;
  crc?: number;
}

/** Parses the ADTS header at the start of `bytes` (7 bytes, 9 when a CRC follows). */
export function parseAdtsHeader(bytes: Uint8Array): AdtsHeader {
  if (bytes.length < 7) {
    throw new CodecError('CODEC_TRUNCATED', `ADTS header needs 7 bytes, only ${bytes.length} given`, {
      offset: 0,
      field: 'adts_fixed_header',
    });
  }
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const b2 = bytes[2]!;
  const b3 = bytes[3]!;
  const b4 = bytes[4]!;
  const b5 = bytes[5]!;
  const b6 = bytes[6]!;
  if (b0 !== 0xff || (b1 & 0xf0) !== 0xf0) {
    throw new CodecError(
      'CODEC_BAD_SYNC',
      `ADTS syncword 0xFFF expected, found 0x${((b0 << 4) | (b1 >>> 4)).toString(16)}`,
      {
        offset: 0,
        field: 'syncword',
      },
    );
  }
  if ((b1 & 0x06) !== 0) {
    throw new CodecError('CODEC_BAD_ADTS', `ADTS layer must be 0, found ${(b1 >>> 1) & 3}`, {
      offset: 1,
      field: 'layer',
    });
  }
  const protectionAbsent = (b1 & 1) === 1;
  const samplingFrequencyIndex = (b2 >>> 2) & 0x0f;
  const sampleRate = AAC_SAMPLE_RATES[samplingFrequencyIndex];
  if (sampleRate === undefined) {
    throw new CodecError(
      'CODEC_BAD_ADTS',
      `ADTS sampling_frequency_index ${samplingFrequencyIndex} is reserved`,
      {
        offset: 2,
        field: 'sampling_frequency_index',
      },
    );
  }
  const headerLength = protectionAbsent ? 7 : 9;
  const frameLength = ((b3 & 0x03) << 11) | (b4 << 3) | (b5 >>> 5);
  if (frameLength < headerLength) {
    throw new CodecError(
      'CODEC_BAD_ADTS',
      `ADTS aac_frame_length ${frameLength} is shorter than its ${headerLength}-byte header`,
      {
        offset: 3,
        field: 'aac_frame_length',
      },
    );
  }
  const header: AdtsHeader = {
    mpegVersion: b1 & 0x08 ? 2 : 4,
    protectionAbsent,
    objectType: (b2 >>> 6) + 1,
    samplingFrequencyIndex,
    sampleRate,
    channelConfiguration: ((b2 & 0x01) << 2) | (b3 >>> 6),
    frameLength,
    bufferFullness: ((b5 & 0x1f) << 6) | (b6 >>> 2),
    rawBlocks: (b6 & 0x03) + 1,
    headerLength,
  };
  if (!protectionAbsent) {
    if (bytes.length < 9) {
      throw new CodecError(
        'CODEC_TRUNCATED',
        `ADTS header with CRC needs 9 bytes, only ${bytes.length} given`,
        {
          offset: 7,
          field: 'crc_check',
        },
      );
    }
    header.crc = (bytes[7]! << 8) | bytes[8]!;
  }
  return header;
}

export interface AdtsHeaderInput {
  /** 1..4 (ADTS carries objectType - 1 in 2 bits). */
  objectType: number;
  /** An index into AAC_SAMPLE_RATES (0..12); or give `sampleRate`. */
  samplingFrequencyIndex?: number;
  sampleRate?: number;
  /** 0..7. */
  channelConfiguration: number;
  /** Default 4 (ID=0). */
  mpegVersion?: 2 | 4;
  /** Default 0x7FF (variable rate). */
  bufferFullness?: number;
}

/** Writes a 7-byte ADTS header (no CRC, one raw data block) for a payload of `payloadLength` bytes. */
export function buildAdtsHeader(config: AdtsHeaderInput, payloadLength: number): Uint8Array {
  const { objectType, channelConfiguration } = config;
  if (!Number.isInteger(objectType) || objectType < 1 || objectType > 4) {
    throw new TypeError(`ADTS can carry object types 1..4, got ${objectType}`);
  }
  let index = config.samplingFrequencyIndex;
  // An AudioSpecificConfig with an explicit rate (index 15) is accepted when that rate has an index.
  if ((index === undefined || index === 15) && config.sampleRate !== undefined) {
    index = (AAC_SAMPLE_RATES as readonly number[]).indexOf(config.sampleRate);
    if (index < 0) throw new TypeError(`ADTS cannot signal a sample rate of ${config.sampleRate} Hz`);
  }
  if (index === undefined || !Number.isInteger(index) || index < 0 || index > 12) {
    throw new TypeError(`ADTS samplingFrequencyIndex must be 0..12, got ${index}`);
  }
  if (!Number.isInteger(channelConfiguration) || channelConfiguration < 0 || channelConfiguration > 7) {
    throw new TypeError(`ADTS channelConfiguration must be 0..7, got ${channelConfiguration}`);
  }
  const frameLength = payloadLength + 7;
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || frameLength > 0x1fff) {
    throw new CodecError(
      'CODEC_TOO_LARGE',
      `ADTS frame of ${frameLength} bytes exceeds the 13-bit limit of 8191`,
      {
        field: 'aac_frame_length',
      },
    );
  }
  const fullness = config.bufferFullness ?? 0x7ff;
  const out = new Uint8Array(7);
  out[0] = 0xff;
  out[1] = 0xf1 | (config.mpegVersion === 2 ? 0x08 : 0);
  out[2] = ((objectType - 1) << 6) | (index << 2) | (channelConfiguration >>> 2);
  out[3] = ((channelConfiguration & 3) << 6) | (frameLength >>> 11);
  out[4] = (frameLength >>> 3) & 0xff;
  out[5] = ((frameLength & 7) << 5) | ((fullness >>> 6) & 0x1f);
  out[6] = (fullness & 0x3f) << 2;
  return out;
}

/** The AudioSpecificConfig an ADTS stream implies (what an FLV/MP4 muxer needs). */
export function audioSpecificConfigFromAdts(header: AdtsHeader): Uint8Array {
  // Channel configuration 0 means a PCE inside the raw data block, which this header does not carry.
  if (header.channelConfiguration === 0) {
    throw new CodecError(
      'CODEC_UNSUPPORTED',
      'ADTS channel_configuration 0 needs the in-band PCE to build an AudioSpecificConfig',
      {
        offset: 2,
        field: 'channel_configuration',
      },
    );
  }
  return buildAudioSpecificConfig({
    objectType: header.objectType,
    sampleRate: header.sampleRate,
    channelConfiguration: header.channelConfiguration,
  });
}
