/** AVCDecoderConfigurationRecord (ISO/IEC 14496-15 clause 5.3.3.1): the avcC box body and FLV AVC sequence header. */
import { ByteReader } from '@livego/amf';
import { checkNalLengthSize, readConfigurationVersion } from './config-record.js';
import { CodecError, codecTruncated } from './errors.js';
import { H264NalType, parseH264Sps } from './h264.js';
import { stripStartCode } from './nal.js';

export interface AvcDecoderConfig {
  configurationVersion: number;
  profileIdc: number;
  profileCompatibility: number;
  levelIdc: number;
  /** Bytes in each NAL length field of the samples (lengthSizeMinusOne + 1). */
  nalLengthSize: number;
  sps: Uint8Array[];
  pps: Uint8Array[];
  /** The high-profile extension, when present. */
  chromaFormatIdc?: number;
  bitDepthLuma?: number;
  bitDepthChroma?: number;
  spsExt?: Uint8Array[];
}

/**
 * Profiles for which the record carries the chroma/bit-depth extension. 14496-15 5.3.3.1.1 names
 * 100/110/122/144; ffmpeg (5.1) writes it for every profile whose SPS has chroma_format_idc (so also
 * 244, 44, ...), and so do we, to produce the same bytes.
 */
const EXT_PROFILES = new Set([100, 110, 122, 144, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Parses an avcC record. NAL units are views into `bytes`. */
export function parseAvcDecoderConfigurationRecord(bytes: Uint8Array): AvcDecoderConfig {
  const r = new ByteReader(bytes, { truncated: codecTruncated });
  const configurationVersion = readConfigurationVersion(r, 'avcC');
  const profileIdc = r.u8('AVCProfileIndication');
  const profileCompatibility = r.u8('profile_compatibility');
  const levelIdc = r.u8('AVCLevelIndication');
  const nalLengthSize = (r.u8('lengthSizeMinusOne') & 0x03) + 1;
  const numSps = r.u8('numOfSequenceParameterSets') & 0x1f;
  const sps: Uint8Array[] = [];
  for (let i = 0; i < numSps; i++)
    sps.push(r.bytes(r.u16('sequenceParameterSetLength'), 'sequenceParameterSetNALUnit'));
  const numPps = r.u8('numOfPictureParameterSets');
  const pps: Uint8Array[] = [];
  for (let i = 0; i < numPps; i++)
    pps.push(r.bytes(r.u16('pictureParameterSetLength'), 'pictureParameterSetNALUnit'));
  const config: AvcDecoderConfig = {
    configurationVersion,
    profileIdc,
    profileCompatibility,
    levelIdc,
    nalLengthSize,
    sps,
    pps,
  };
  // Many writers omit the extension even for high profiles, so it is read only when present.
  if (EXT_PROFILES.has(profileIdc) && r.remaining >= 4) {
    config.chromaFormatIdc = r.u8('chroma_format') & 0x03;
    config.bitDepthLuma = (r.u8('bit_depth_luma_minus8') & 0x07) + 8;
    config.bitDepthChroma = (r.u8('bit_depth_chroma_minus8') & 0x07) + 8;
    const numExt = r.u8('numOfSequenceParameterSetExt');
    const spsExt: Uint8Array[] = [];
    for (let i = 0; i < numExt; i++)
      spsExt.push(r.bytes(r.u16('sequenceParameterSetExtLength'), 'sequenceParameterSetExtNALUnit'));
    config.spsExt = spsExt;
  }
  return config;
}

export interface AvcConfigInput {
  sps: readonly Uint8Array[];
  pps: readonly Uint8Array[];
  spsExt?: readonly Uint8Array[];
  /** 1, 2 or 4; default 4. */
  nalLengthSize?: number;
}

/**
 * Builds an avcC record from parameter sets (NAL units, a leading start code is tolerated). Profile,
 * compatibility and level come from the first SPS; for profiles 100/110/122/144 the chroma format and
 * bit depths of the extension come from parsing it.
 */
export function buildAvcDecoderConfigurationRecord(input: AvcConfigInput): Uint8Array {
  const sps = input.sps.map(stripStartCode);
  const pps = input.pps.map(stripStartCode);
  const spsExt = (input.spsExt ?? []).map(stripStartCode);
  const nalLengthSize = input.nalLengthSize ?? 4;
  checkNalLengthSize(nalLengthSize, 'avcC');
  const first = sps[0];
  if (first === undefined) throw new TypeError('avcC needs at least one SPS');
  if (sps.length > 31) throw new TypeError(`avcC holds at most 31 SPS, got ${sps.length}`);
  if (pps.length > 255 || spsExt.length > 255)
    throw new TypeError('avcC holds at most 255 PPS / SPS extensions');
  for (const nal of [...sps, ...pps, ...spsExt]) {
    if (nal.length > 0xffff)
      throw new CodecError('CODEC_TOO_LARGE', `parameter set of ${nal.length} bytes exceeds 65535`);
  }
  const parsed = parseH264Sps(first);
  const ext = EXT_PROFILES.has(parsed.profileIdc);
  let size = 7 + pps.length * 2;
  for (const nal of sps) size += 2 + nal.length;
  for (const nal of pps) size += nal.length;
  if (ext) {
    size += 4;
    for (const nal of spsExt) size += 2 + nal.length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = 1;
  out[1] = first[1]!;
  out[2] = first[2]!;
  out[3] = first[3]!;
  out[4] = 0xfc | (nalLengthSize - 1);
  out[5] = 0xe0 | sps.length;
  let pos = 6;
  const put = (nal: Uint8Array): void => {
    view.setUint16(pos, nal.length);
    out.set(nal, pos + 2);
    pos += 2 + nal.length;
  };
  for (const nal of sps) put(nal);
  out[pos++] = pps.length;
  for (const nal of pps) put(nal);
  if (ext) {
    out[pos++] = 0xfc | parsed.chromaFormatIdc;
    out[pos++] = 0xf8 | (parsed.bitDepthLuma - 8);
    out[pos++] = 0xf8 | (parsed.bitDepthChroma - 8);
    out[pos++] = spsExt.length;
    for (const nal of spsExt) put(nal);
  }
  return out;
}

/** True when the NAL unit is an SPS or PPS (what an avcC carries). */
export function isH264ParameterSet(nal: Uint8Array): boolean {
  const t = (nal[0] ?? 0) & 0x1f;
  return t === H264NalType.SPS || t === H264NalType.PPS;
}
