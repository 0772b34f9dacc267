/**
 * H.264 / AVC: NAL unit types (ISO/IEC 14496-10 Table 7-1), sequence parameter set
 * (clause 7.3.2.1.1, scaling lists 7.3.2.1.1.1), VUI (Annex E.1.1, HRD E.1.2), frame cropping
 * (clause 7.4.2.1.1) and the RFC 6381 codec string.
 */
import { BitReader } from './bit-reader.js';
import { CodecError } from './errors.js';
import { forEachLengthPrefixed, removeEmulationPrevention, splitAnnexB, stripStartCode } from './nal.js';
import { readVuiKeepingTruncated, readVuiStart } from './vui.js';

export const H264NalType = {
  SLICE: 1,
  SLICE_A: 2,
  SLICE_B: 3,
  SLICE_C: 4,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  END_OF_SEQUENCE: 10,
  END_OF_STREAM: 11,
  FILLER: 12,
  SPS_EXT: 13,
  PREFIX: 14,
  SUBSET_SPS: 15,
  SLICE_AUX: 19,
  SLICE_EXT: 20,
} as const;
export type H264NalTypeValue = (typeof H264NalType)[keyof typeof H264NalType];

/** nal_unit_type of an H.264 NAL unit (its first byte, low 5 bits). */
export function h264NalType(nal: Uint8Array): number {
  if (nal.length === 0) throw new CodecError('CODEC_BAD_NAL', 'empty H.264 NAL unit', { offset: 0 });
  return nal[0]! & 0x1f;
}

/**
 * True when the sample contains an IDR slice. `nalLengthSize` 1..4 for length-prefixed (AVCC)
 * samples, 0 for Annex B.
 */
export function isH264Keyframe(data: Uint8Array, nalLengthSize: number): boolean {
  if (nalLengthSize === 0) return splitAnnexB(data).some((nal) => (nal[0]! & 0x1f) === H264NalType.IDR);
  let found = false;
  forEachLengthPrefixed(data, nalLengthSize, (nal) => {
    found = (nal[0]! & 0x1f) === H264NalType.IDR;
    return found;
  });
  return found;
}

/** Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

export interface H264Sps {
  profileIdc: number;
  /** The byte of constraint_set0..5 flags and the reserved bits, as in the SPS and avcC. */
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  bitDepthLuma: number;
  bitDepthChroma: number;
  scalingMatrixPresent: boolean;
  log2MaxFrameNum: number;
  picOrderCntType: number;
  maxNumRefFrames: number;
  /** Decoded size in macroblocks x 16, before cropping. */
  codedWidth: number;
  codedHeight: number;
  /** Display size after frame cropping. */
  width: number;
  height: number;
  crop: { left: number; right: number; top: number; bottom: number };
  frameMbsOnly: boolean;
  vuiPresent: boolean;
  /** Set when the VUI ended early; the fields read before the cut are kept. */
  vuiTruncated?: boolean;
  sarNum?: number;
  sarDen?: number;
  videoFullRange?: boolean;
  colourPrimaries?: number;
  transferCharacteristics?: number;
  matrixCoefficients?: number;
  timing?: { numUnitsInTick: number; timeScale: number; fixedFrameRate: boolean };
  /** Frames per second from VUI timing: time_scale / (2 * num_units_in_tick). */
  frameRate?: number;
  maxNumReorderFrames?: number;
}

function bad(message: string, r: BitReader, field?: string): CodecError {
  return new CodecError('CODEC_BAD_SPS', message, { offset: r.pos >>> 3, field, bitOffset: r.pos });
}

function ueMax(r: BitReader, max: number, field: string): number {
  const v = r.ue(field);
  if (v > max) throw bad(`SPS ${field} is ${v}, at most ${max} allowed`, r, field);
  return v;
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = r.se('delta_scale');
      if (delta < -128 || delta > 127) throw bad(`delta_scale ${delta} out of -128..127`, r, 'delta_scale');
      next = (last + delta + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

function skipHrd(r: BitReader): void {
  const cpbCnt = ueMax(r, 31, 'cpb_cnt_minus1') + 1;
  r.skip(8, 'bit_rate_scale');
  for (let i = 0; i < cpbCnt; i++) {
    r.ue('bit_rate_value_minus1');
    r.ue('cpb_size_value_minus1');
    r.skip(1, 'cbr_flag');
  }
  r.skip(20, 'hrd delay lengths');
}

/**
 * Parses an H.264 sequence parameter set NAL unit (with its 1-byte header; a leading start code is
 * tolerated). Emulation prevention bytes are removed first.
 */
export function parseH264Sps(nal: Uint8Array): H264Sps {
  const unit = stripStartCode(nal);
  if (unit.length < 4) {
    throw new CodecError('CODEC_TRUNCATED', `H.264 SPS of ${unit.length} bytes is too short`, { offset: 0 });
  }
  const type = unit[0]! & 0x1f;
  if (type !== H264NalType.SPS) {
    throw new CodecError('CODEC_BAD_SPS', `expected an H.264 SPS (NAL type 7), found NAL type ${type}`, {
      offset: 0,
      field: 'nal_unit_type',
    });
  }
  const r = new BitReader(removeEmulationPrevention(unit.subarray(1)));
  const profileIdc = r.u(8, 'profile_idc');
  const constraintFlags = r.u(8, 'constraint_flags');
  const levelIdc = r.u(8, 'level_idc');
  const spsId = ueMax(r, 31, 'seq_parameter_set_id');
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  let scalingMatrixPresent = false;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = ueMax(r, 3, 'chroma_format_idc');
    if (chromaFormatIdc === 3) separateColourPlane = r.flag('separate_colour_plane_flag');
    bitDepthLuma = ueMax(r, 6, 'bit_depth_luma_minus8') + 8;
    bitDepthChroma = ueMax(r, 6, 'bit_depth_chroma_minus8') + 8;
    r.skip(1, 'qpprime_y_zero_transform_bypass_flag');
    scalingMatrixPresent = r.flag('seq_scaling_matrix_present_flag');
    if (scalingMatrixPresent) {
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (r.flag('seq_scaling_list_present_flag')) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  const log2MaxFrameNum = ueMax(r, 12, 'log2_max_frame_num_minus4') + 4;
  const picOrderCntType = ueMax(r, 2, 'pic_order_cnt_type');
  if (picOrderCntType === 0) {
    ueMax(r, 12, 'log2_max_pic_order_cnt_lsb_minus4');
  } else if (picOrderCntType === 1) {
    r.skip(1, 'delta_pic_order_always_zero_flag');
    r.se('offset_for_non_ref_pic');
    r.se('offset_for_top_to_bottom_field');
    const cycle = ueMax(r, 255, 'num_ref_frames_in_pic_order_cnt_cycle');
    for (let i = 0; i < cycle; i++) r.se('offset_for_ref_frame');
  }
  const maxNumRefFrames = r.ue('max_num_ref_frames');
  r.skip(1, 'gaps_in_frame_num_value_allowed_flag');
  const widthMbs = r.ue('pic_width_in_mbs_minus1') + 1;
  const heightMapUnits = r.ue('pic_height_in_map_units_minus1') + 1;
  const frameMbsOnly = r.flag('frame_mbs_only_flag');
  if (!frameMbsOnly) r.skip(1, 'mb_adaptive_frame_field_flag');
  r.skip(1, 'direct_8x8_inference_flag');
  const crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.flag('frame_cropping_flag')) {
    crop.left = r.ue('frame_crop_left_offset');
    crop.right = r.ue('frame_crop_right_offset');
    crop.top = r.ue('frame_crop_top_offset');
    crop.bottom = r.ue('frame_crop_bottom_offset');
  }
  const codedWidth = widthMbs * 16;
  const codedHeight = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16;
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
  const width = codedWidth - cropUnitX * (crop.left + crop.right);
  const height = codedHeight - cropUnitY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0) {
    throw bad(
      `frame cropping (${crop.left},${crop.right},${crop.top},${crop.bottom}) leaves no picture`,
      r,
      'crop',
    );
  }
  const sps: H264Sps = {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    scalingMatrixPresent,
    log2MaxFrameNum,
    picOrderCntType,
    maxNumRefFrames,
    codedWidth,
    codedHeight,
    width,
    height,
    crop,
    frameMbsOnly,
    vuiPresent: false,
  };
  if (r.flag('vui_parameters_present_flag')) {
    sps.vuiPresent = true;
    parseVui(r, sps);
  }
  return sps;
}

/** Annex E.1.1. A VUI cut short keeps what was read before the cut: encoders in the wild truncate it. */
function parseVui(r: BitReader, sps: H264Sps): void {
  readVuiKeepingTruncated(sps, () => {
    readVuiStart(r, sps);
    if (r.flag('timing_info_present_flag')) {
      const numUnitsInTick = r.u(32, 'num_units_in_tick');
      const timeScale = r.u(32, 'time_scale');
      const fixedFrameRate = r.flag('fixed_frame_rate_flag');
      sps.timing = { numUnitsInTick, timeScale, fixedFrameRate };
      if (numUnitsInTick > 0 && timeScale > 0) sps.frameRate = timeScale / (2 * numUnitsInTick);
    }
    const nalHrd = r.flag('nal_hrd_parameters_present_flag');
    if (nalHrd) skipHrd(r);
    const vclHrd = r.flag('vcl_hrd_parameters_present_flag');
    if (vclHrd) skipHrd(r);
    if (nalHrd || vclHrd) r.skip(1, 'low_delay_hrd_flag');
    r.skip(1, 'pic_struct_present_flag');
    if (r.flag('bitstream_restriction_flag')) {
      r.skip(1, 'motion_vectors_over_pic_boundaries_flag');
      r.ue('max_bytes_per_pic_denom');
      r.ue('max_bits_per_mb_denom');
      r.ue('log2_max_mv_length_horizontal');
      r.ue('log2_max_mv_length_vertical');
      sps.maxNumReorderFrames = r.ue('max_num_reorder_frames');
      r.ue('max_dec_frame_buffering');
    }
  });
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** RFC 6381 codec string, e.g. 'avc1.64001f' (profile, constraint flags, level in hex). */
export function h264CodecString(sps: Pick<H264Sps, 'profileIdc' | 'constraintFlags' | 'levelIdc'>): string {
  return `avc1.${hex2(sps.profileIdc)}${hex2(sps.constraintFlags)}${hex2(sps.levelIdc)}`;
}
