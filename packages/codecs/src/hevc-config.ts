/** HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 clause 8.3.3.1): the hvcC box body. */
import { ByteReader } from '@livego/amf';
import { checkNalLengthSize, readConfigurationVersion } from './config-record.js';
import { CodecError, codecTruncated } from './errors.js';
import { H265NalType, type H265ProfileTierLevel, parseH265Pps, parseH265Sps, parseH265Vps } from './h265.js';
import { stripStartCode } from './nal.js';

export interface HevcNalArray {
  arrayCompleteness: boolean;
  nalUnitType: number;
  nalUnits: Uint8Array[];
}

/** The general profile/tier/level fields are those of the SPS's profile_tier_level. */
export interface HevcDecoderConfig extends H265ProfileTierLevel {
  configurationVersion: number;
  minSpatialSegmentationIdc: number;
  /** 0 mixed/unknown, 1 slice, 2 tile, 3 wavefront. */
  parallelismType: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  avgFrameRate: number;
  constantFrameRate: number;
  numTemporalLayers: number;
  temporalIdNested: boolean;
  nalLengthSize: number;
  arrays: HevcNalArray[];
  /** The NAL units of the arrays of type VPS/SPS/PPS, flattened (views into the input). */
  vps: Uint8Array[];
  sps: Uint8Array[];
  pps: Uint8Array[];
}

/** Parses an hvcC record. NAL units are views into `bytes`. */
export function parseHevcDecoderConfigurationRecord(bytes: Uint8Array): HevcDecoderConfig {
  const r = new ByteReader(bytes, { truncated: codecTruncated });
  const configurationVersion = readConfigurationVersion(r, 'hvcC');
  const b1 = r.u8('general_profile');
  const generalProfileCompatibilityFlags = r.u32('general_profile_compatibility_flags');
  const generalConstraintIndicatorFlags = r.bytes(6, 'general_constraint_indicator_flags').slice();
  const generalLevelIdc = r.u8('general_level_idc');
  const minSpatialSegmentationIdc = r.u16('min_spatial_segmentation_idc') & 0x0fff;
  const parallelismType = r.u8('parallelismType') & 0x03;
  const chromaFormatIdc = r.u8('chromaFormat') & 0x03;
  const bitDepthLuma = (r.u8('bitDepthLumaMinus8') & 0x07) + 8;
  const bitDepthChroma = (r.u8('bitDepthChromaMinus8') & 0x07) + 8;
  const avgFrameRate = r.u16('avgFrameRate');
  const b21 = r.u8('constantFrameRate');
  const numArrays = r.u8('numOfArrays');
  const arrays: HevcNalArray[] = [];
  const vps: Uint8Array[] = [];
  const sps: Uint8Array[] = [];
  const pps: Uint8Array[] = [];
  for (let i = 0; i < numArrays; i++) {
    const h = r.u8('NAL_unit_type');
    const nalUnitType = h & 0x3f;
    const count = r.u16('numNalus');
    const nalUnits: Uint8Array[] = [];
    for (let j = 0; j < count; j++) nalUnits.push(r.bytes(r.u16('nalUnitLength'), 'nalUnit'));
    arrays.push({ arrayCompleteness: (h & 0x80) !== 0, nalUnitType, nalUnits });
    if (nalUnitType === H265NalType.VPS) vps.push(...nalUnits);
    else if (nalUnitType === H265NalType.SPS) sps.push(...nalUnits);
    else if (nalUnitType === H265NalType.PPS) pps.push(...nalUnits);
  }
  return {
    configurationVersion,
    generalProfileSpace: b1 >>> 6,
    generalTierFlag: (b1 & 0x20) !== 0,
    generalProfileIdc: b1 & 0x1f,
    generalProfileCompatibilityFlags,
    generalConstraintIndicatorFlags,
    generalLevelIdc,
    minSpatialSegmentationIdc,
    parallelismType,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    avgFrameRate,
    constantFrameRate: b21 >>> 6,
    numTemporalLayers: (b21 >>> 3) & 0x07,
    temporalIdNested: (b21 & 0x04) !== 0,
    nalLengthSize: (b21 & 0x03) + 1,
    arrays,
    vps,
    sps,
    pps,
  };
}

export interface HevcConfigInput {
  vps: readonly Uint8Array[];
  sps: readonly Uint8Array[];
  pps: readonly Uint8Array[];
  /** Prefix/suffix SEI NAL units to carry (e.g. HDR metadata); default none. */
  sei?: readonly Uint8Array[];
  /** 1, 2 or 4; default 4. */
  nalLengthSize?: number;
  /** array_completeness for every array: true for 'hvc1' sample entries; default false ('hev1'). */
  arrayCompleteness?: boolean;
}

/**
 * Builds an hvcC record from parameter sets (NAL units; a leading start code is tolerated). The general
 * profile fields merge every VPS and SPS profile_tier_level the way ffmpeg does (max space/tier/profile/
 * level, AND of the compatibility and constraint flags); chroma format and bit depths come from the
 * first SPS; parallelismType from the PPS; avgFrameRate and constantFrameRate are 0 (unknown).
 */
export function buildHevcDecoderConfigurationRecord(input: HevcConfigInput): Uint8Array {
  const vps = input.vps.map(stripStartCode);
  const sps = input.sps.map(stripStartCode);
  const pps = input.pps.map(stripStartCode);
  const sei = (input.sei ?? []).map(stripStartCode);
  const nalLengthSize = input.nalLengthSize ?? 4;
  checkNalLengthSize(nalLengthSize, 'hvcC');
  const firstSps = sps[0];
  if (firstSps === undefined) throw new TypeError('hvcC needs at least one SPS');
  const parsedSps = sps.map(parseH265Sps);
  const parsedVps = vps.map(parseH265Vps);
  const s0 = parsedSps[0]!;
  const ptls: H265ProfileTierLevel[] = [
    ...parsedVps.map((v) => v.profileTierLevel),
    ...parsedSps.map((s) => s.profileTierLevel),
  ];
  let space = 0;
  let tier = false;
  let profileIdc = 0;
  let level = 0;
  let compat = 0xffffffff;
  const constraints = new Uint8Array(6).fill(0xff);
  for (const p of ptls) {
    space = Math.max(space, p.generalProfileSpace);
    tier ||= p.generalTierFlag;
    profileIdc = Math.max(profileIdc, p.generalProfileIdc);
    level = Math.max(level, p.generalLevelIdc);
    compat = (compat & p.generalProfileCompatibilityFlags) >>> 0;
    for (let i = 0; i < 6; i++) constraints[i]! &= p.generalConstraintIndicatorFlags[i]!;
  }
  let numTemporalLayers = 1;
  for (const v of parsedVps) numTemporalLayers = Math.max(numTemporalLayers, v.maxSubLayers);
  for (const s of parsedSps) numTemporalLayers = Math.max(numTemporalLayers, s.maxSubLayers);
  const minSeg = Math.min(...parsedSps.map((s) => s.minSpatialSegmentationIdc));
  let parallelismType = 0;
  if (minSeg > 0 && pps.length > 0) {
    const p = parseH265Pps(pps[0]!);
    if (p.entropyCodingSyncEnabled && p.tilesEnabled) parallelismType = 0;
    else if (p.entropyCodingSyncEnabled) parallelismType = 3;
    else if (p.tilesEnabled) parallelismType = 2;
    else parallelismType = 1;
  } else {
    for (const nal of pps) parseH265Pps(nal);
  }

  const groups: [number, Uint8Array[]][] = [
    [H265NalType.VPS, vps],
    [H265NalType.SPS, sps],
    [H265NalType.PPS, pps],
    [H265NalType.SEI_PREFIX, sei.filter((n) => ((n[0]! >>> 1) & 0x3f) === H265NalType.SEI_PREFIX)],
    [H265NalType.SEI_SUFFIX, sei.filter((n) => ((n[0]! >>> 1) & 0x3f) === H265NalType.SEI_SUFFIX)],
  ];
  const present = groups.filter(([, nals]) => nals.length > 0);
  let size = 23;
  for (const [, nals] of present) {
    if (nals.length > 0xffff) throw new TypeError('hvcC array holds at most 65535 NAL units');
    size += 3;
    for (const nal of nals) {
      if (nal.length > 0xffff)
        throw new CodecError('CODEC_TOO_LARGE', `NAL unit of ${nal.length} bytes exceeds 65535`);
      size += 2 + nal.length;
    }
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = 1;
  out[1] = (space << 6) | (tier ? 0x20 : 0) | profileIdc;
  view.setUint32(2, compat);
  out.set(constraints, 6);
  out[12] = level;
  view.setUint16(13, 0xf000 | minSeg);
  out[15] = 0xfc | parallelismType;
  out[16] = 0xfc | s0.chromaFormatIdc;
  out[17] = 0xf8 | (s0.bitDepthLuma - 8);
  out[18] = 0xf8 | (s0.bitDepthChroma - 8);
  view.setUint16(19, 0);
  out[21] = (numTemporalLayers << 3) | (s0.temporalIdNesting ? 0x04 : 0) | (nalLengthSize - 1);
  out[22] = present.length;
  let pos = 23;
  const completeness = input.arrayCompleteness ? 0x80 : 0;
  for (const [type, nals] of present) {
    out[pos] = completeness | type;
    view.setUint16(pos + 1, nals.length);
    pos += 3;
    for (const nal of nals) {
      view.setUint16(pos, nal.length);
      out.set(nal, pos + 2);
      pos += 2 + nal.length;
    }
  }
  return out;
}
