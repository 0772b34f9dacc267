/**
 * H.265 / HEVC: NAL unit header and types (ITU-T H.265 clause 7.3.1.2, Table 7-1), profile_tier_level
 * (7.3.3), VPS (7.3.2.1), SPS (7.3.2.2.1, scaling_list_data 7.3.4, st_ref_pic_set 7.3.7), the start
 * of the PPS (7.3.2.3.1), VUI and HRD (Annex E.2.1/E.2.2), conformance window (7.4.3.2.1).
 */
import { BitReader } from './bit-reader.js';
import { CodecError, type CodecErrorCode } from './errors.js';
import { forEachLengthPrefixed, removeEmulationPrevention, splitAnnexB, stripStartCode } from './nal.js';
import { readVuiKeepingTruncated, readVuiStart } from './vui.js';

export const H265NalType = {
  TRAIL_N: 0,
  TRAIL_R: 1,
  TSA_N: 2,
  TSA_R: 3,
  STSA_N: 4,
  STSA_R: 5,
  RADL_N: 6,
  RADL_R: 7,
  RASL_N: 8,
  RASL_R: 9,
  BLA_W_LP: 16,
  BLA_W_RADL: 17,
  BLA_N_LP: 18,
  IDR_W_RADL: 19,
  IDR_N_LP: 20,
  CRA_NUT: 21,
  VPS: 32,
  SPS: 33,
  PPS: 34,
  AUD: 35,
  EOS: 36,
  EOB: 37,
  FD: 38,
  SEI_PREFIX: 39,
  SEI_SUFFIX: 40,
} as const;
export type H265NalTypeValue = (typeof H265NalType)[keyof typeof H265NalType];

/** nal_unit_type of an H.265 NAL unit (bits 1..6 of its first byte). */
export function h265NalType(nal: Uint8Array): number {
  if (nal.length === 0) throw new CodecError('CODEC_BAD_NAL', 'empty H.265 NAL unit', { offset: 0 });
  return (nal[0]! >>> 1) & 0x3f;
}

const isIrap = (nal: Uint8Array): boolean => {
  const t = (nal[0]! >>> 1) & 0x3f;
  return t >= 16 && t <= 23;
};

/** True when the sample contains an IRAP picture (types 16..23). `nalLengthSize` 0 means Annex B. */
export function isH265Keyframe(data: Uint8Array, nalLengthSize: number): boolean {
  if (nalLengthSize === 0) return splitAnnexB(data).some(isIrap);
  let found = false;
  forEachLengthPrefixed(data, nalLengthSize, (nal) => {
    found = isIrap(nal);
    return found;
  });
  return found;
}

/** General profile, tier and level (what hvcC and the codec string carry). */
export interface H265ProfileTierLevel {
  generalProfileSpace: number;
  generalTierFlag: boolean;
  generalProfileIdc: number;
  /** general_profile_compatibility_flag[0..31] as one u32, flag 0 in the most significant bit. */
  generalProfileCompatibilityFlags: number;
  /** The 48 constraint indicator bits as 6 bytes. */
  generalConstraintIndicatorFlags: Uint8Array;
  generalLevelIdc: number;
}

export interface H265Vps {
  vpsId: number;
  maxSubLayers: number;
  temporalIdNesting: boolean;
  profileTierLevel: H265ProfileTierLevel;
}

export interface H265Sps {
  vpsId: number;
  spsId: number;
  maxSubLayers: number;
  temporalIdNesting: boolean;
  profileTierLevel: H265ProfileTierLevel;
  generalProfileSpace: number;
  generalTierFlag: boolean;
  generalProfileIdc: number;
  generalLevelIdc: number;
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** pic_width/height_in_luma_samples. */
  codedWidth: number;
  codedHeight: number;
  /** Size after the conformance window. */
  width: number;
  height: number;
  conformanceWindow: { left: number; right: number; top: number; bottom: number };
  log2MaxPicOrderCntLsb: number;
  log2MinCbSize: number;
  log2CtbSize: number;
  scalingListEnabled: boolean;
  ampEnabled: boolean;
  saoEnabled: boolean;
  pcmEnabled: boolean;
  numShortTermRefPicSets: number;
  longTermRefPicsPresent: boolean;
  temporalMvpEnabled: boolean;
  strongIntraSmoothing: boolean;
  vuiPresent: boolean;
  /** Set when the VUI ended early; the fields read before the cut are kept. */
  vuiTruncated?: boolean;
  sarNum?: number;
  sarDen?: number;
  videoFullRange?: boolean;
  colourPrimaries?: number;
  transferCharacteristics?: number;
  matrixCoefficients?: number;
  timing?: { numUnitsInTick: number; timeScale: number };
  /** Pictures per second from VUI timing: time_scale / num_units_in_tick. */
  frameRate?: number;
  /** From VUI bitstream_restriction (0 when absent): hvcC min_spatial_segmentation_idc. */
  minSpatialSegmentationIdc: number;
}

export interface H265Pps {
  ppsId: number;
  spsId: number;
  tilesEnabled: boolean;
  entropyCodingSyncEnabled: boolean;
}

function fail(code: CodecErrorCode, message: string, r: BitReader, field?: string): CodecError {
  return new CodecError(code, message, { offset: r.pos >>> 3, field, bitOffset: r.pos });
}

function ueMax(r: BitReader, max: number, field: string, code: CodecErrorCode = 'CODEC_BAD_SPS'): number {
  const v = r.ue(field);
  if (v > max) throw fail(code, `${field} is ${v}, at most ${max} allowed`, r, field);
  return v;
}

/** Checks the 2-byte NAL header and returns the RBSP after it. */
function rbspOf(nal: Uint8Array, want: number, code: CodecErrorCode, what: string): BitReader {
  const unit = stripStartCode(nal);
  if (unit.length < 3) {
    throw new CodecError('CODEC_TRUNCATED', `H.265 ${what} of ${unit.length} bytes is too short`, {
      offset: 0,
    });
  }
  const type = (unit[0]! >>> 1) & 0x3f;
  if (type !== want) {
    throw new CodecError(code, `expected an H.265 ${what} (NAL type ${want}), found NAL type ${type}`, {
      offset: 0,
      field: 'nal_unit_type',
    });
  }
  const layerId = ((unit[0]! & 1) << 5) | (unit[1]! >>> 3);
  if (layerId !== 0) {
    // Layered (MV-HEVC/SHVC) parameter sets use a different syntax (F.7.3.2.2.1).
    throw new CodecError('CODEC_UNSUPPORTED', `H.265 ${what} with nuh_layer_id ${layerId} is not supported`, {
      offset: 0,
      field: 'nuh_layer_id',
    });
  }
  return new BitReader(removeEmulationPrevention(unit.subarray(2)));
}

function readProfileTierLevel(r: BitReader, maxSubLayersMinus1: number): H265ProfileTierLevel {
  const generalProfileSpace = r.u(2, 'general_profile_space');
  const generalTierFlag = r.flag('general_tier_flag');
  const generalProfileIdc = r.u(5, 'general_profile_idc');
  const generalProfileCompatibilityFlags = r.u(32, 'general_profile_compatibility_flags');
  const generalConstraintIndicatorFlags = new Uint8Array(6);
  for (let i = 0; i < 6; i++)
    generalConstraintIndicatorFlags[i] = r.u(8, 'general_constraint_indicator_flags');
  const generalLevelIdc = r.u(8, 'general_level_idc');
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.flag('sub_layer_profile_present_flag'));
    levelPresent.push(r.flag('sub_layer_level_present_flag'));
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1), 'reserved_zero_2bits');
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skip(88, 'sub_layer_profile');
    if (levelPresent[i]) r.skip(8, 'sub_layer_level_idc');
  }
  return {
    generalProfileSpace,
    generalTierFlag,
    generalProfileIdc,
    generalProfileCompatibilityFlags,
    generalConstraintIndicatorFlags,
    generalLevelIdc,
  };
}

/** Parses a video parameter set NAL unit (up to its profile_tier_level). */
export function parseH265Vps(nal: Uint8Array): H265Vps {
  const r = rbspOf(nal, H265NalType.VPS, 'CODEC_BAD_VPS', 'VPS');
  const vpsId = r.u(4, 'vps_video_parameter_set_id');
  r.skip(2, 'vps_base_layer_flags');
  r.skip(6, 'vps_max_layers_minus1');
  const maxSubLayersMinus1 = r.u(3, 'vps_max_sub_layers_minus1');
  if (maxSubLayersMinus1 > 6)
    throw fail('CODEC_BAD_VPS', `vps_max_sub_layers_minus1 is ${maxSubLayersMinus1}`, r);
  const temporalIdNesting = r.flag('vps_temporal_id_nesting_flag');
  r.skip(16, 'vps_reserved_0xffff_16bits');
  const profileTierLevel = readProfileTierLevel(r, maxSubLayersMinus1);
  return { vpsId, maxSubLayers: maxSubLayersMinus1 + 1, temporalIdNesting, profileTierLevel };
}

function skipScalingListData(r: BitReader): void {
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
      if (!r.flag('scaling_list_pred_mode_flag')) {
        r.ue('scaling_list_pred_matrix_id_delta');
      } else {
        const coefNum = Math.min(64, 1 << (4 + (sizeId << 1)));
        if (sizeId > 1) r.se('scaling_list_dc_coef_minus8');
        for (let i = 0; i < coefNum; i++) r.se('scaling_list_delta_coef');
      }
    }
  }
}

/** st_ref_pic_set(idx) in an SPS; returns NumDeltaPocs of the set. */
function readShortTermRps(r: BitReader, idx: number, numDeltaPocs: number[]): number {
  if (idx !== 0 && r.flag('inter_ref_pic_set_prediction_flag')) {
    // In an SPS delta_idx_minus1 is not coded: the reference is the previous set.
    r.skip(1, 'delta_rps_sign');
    r.ue('abs_delta_rps_minus1');
    const refCount = numDeltaPocs[idx - 1] ?? 0;
    let count = 0;
    for (let j = 0; j <= refCount; j++) {
      const used = r.flag('used_by_curr_pic_flag');
      const useDelta = used || r.flag('use_delta_flag');
      if (used || useDelta) count++;
    }
    return count;
  }
  const neg = ueMax(r, 16, 'num_negative_pics');
  const pos = ueMax(r, 16, 'num_positive_pics');
  for (let i = 0; i < neg + pos; i++) {
    r.ue('delta_poc_minus1');
    r.skip(1, 'used_by_curr_pic_flag');
  }
  return neg + pos;
}

function skipSubLayerHrd(r: BitReader, cpbCnt: number, subPic: boolean): void {
  for (let i = 0; i < cpbCnt; i++) {
    r.ue('bit_rate_value_minus1');
    r.ue('cpb_size_value_minus1');
    if (subPic) {
      r.ue('cpb_size_du_value_minus1');
      r.ue('bit_rate_du_value_minus1');
    }
    r.skip(1, 'cbr_flag');
  }
}

function skipHrd(r: BitReader, common: boolean, maxSubLayersMinus1: number): void {
  let nal = false;
  let vcl = false;
  let subPic = false;
  if (common) {
    nal = r.flag('nal_hrd_parameters_present_flag');
    vcl = r.flag('vcl_hrd_parameters_present_flag');
    if (nal || vcl) {
      subPic = r.flag('sub_pic_hrd_params_present_flag');
      if (subPic) r.skip(19, 'sub_pic_hrd_params');
      r.skip(8, 'bit_rate_scale/cpb_size_scale');
      if (subPic) r.skip(4, 'cpb_size_du_scale');
      r.skip(15, 'hrd delay lengths');
    }
  }
  for (let i = 0; i <= maxSubLayersMinus1; i++) {
    const fixedGeneral = r.flag('fixed_pic_rate_general_flag');
    const fixedWithinCvs = fixedGeneral || r.flag('fixed_pic_rate_within_cvs_flag');
    let lowDelay = false;
    if (fixedWithinCvs) r.ue('elemental_duration_in_tc_minus1');
    else lowDelay = r.flag('low_delay_hrd_flag');
    const cpbCnt = lowDelay ? 1 : ueMax(r, 31, 'cpb_cnt_minus1') + 1;
    if (nal) skipSubLayerHrd(r, cpbCnt, subPic);
    if (vcl) skipSubLayerHrd(r, cpbCnt, subPic);
  }
}

/** Annex E.2.1; a VUI cut short keeps what was read before the cut. */
function parseVui(r: BitReader, sps: H265Sps, maxSubLayersMinus1: number): void {
  readVuiKeepingTruncated(sps, () => {
    readVuiStart(r, sps);
    r.skip(3, 'neutral_chroma/field_seq/frame_field_info');
    if (r.flag('default_display_window_flag')) {
      for (let i = 0; i < 4; i++) r.ue('def_disp_win_offset');
    }
    if (r.flag('vui_timing_info_present_flag')) {
      const numUnitsInTick = r.u(32, 'vui_num_units_in_tick');
      const timeScale = r.u(32, 'vui_time_scale');
      sps.timing = { numUnitsInTick, timeScale };
      if (numUnitsInTick > 0 && timeScale > 0) sps.frameRate = timeScale / numUnitsInTick;
      if (r.flag('vui_poc_proportional_to_timing_flag')) r.ue('vui_num_ticks_poc_diff_one_minus1');
      if (r.flag('vui_hrd_parameters_present_flag')) skipHrd(r, true, maxSubLayersMinus1);
    }
    if (r.flag('bitstream_restriction_flag')) {
      r.skip(3, 'tiles_fixed_structure/motion_vectors/restricted_ref_pic_lists');
      sps.minSpatialSegmentationIdc = ueMax(r, 4095, 'min_spatial_segmentation_idc');
    }
  });
}

/**
 * Parses an H.265 sequence parameter set NAL unit (with its 2-byte header; a leading start code is
 * tolerated), through the VUI.
 */
export function parseH265Sps(nal: Uint8Array): H265Sps {
  const r = rbspOf(nal, H265NalType.SPS, 'CODEC_BAD_SPS', 'SPS');
  const vpsId = r.u(4, 'sps_video_parameter_set_id');
  const maxSubLayersMinus1 = r.u(3, 'sps_max_sub_layers_minus1');
  if (maxSubLayersMinus1 > 6)
    throw fail('CODEC_BAD_SPS', `sps_max_sub_layers_minus1 is ${maxSubLayersMinus1}`, r);
  const temporalIdNesting = r.flag('sps_temporal_id_nesting_flag');
  const ptl = readProfileTierLevel(r, maxSubLayersMinus1);
  const spsId = ueMax(r, 15, 'sps_seq_parameter_set_id');
  const chromaFormatIdc = ueMax(r, 3, 'chroma_format_idc');
  const separateColourPlane = chromaFormatIdc === 3 ? r.flag('separate_colour_plane_flag') : false;
  const codedWidth = r.ue('pic_width_in_luma_samples');
  const codedHeight = r.ue('pic_height_in_luma_samples');
  if (codedWidth === 0 || codedHeight === 0)
    throw fail('CODEC_BAD_SPS', 'picture size is zero', r, 'pic_size');
  const win = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.flag('conformance_window_flag')) {
    win.left = r.ue('conf_win_left_offset');
    win.right = r.ue('conf_win_right_offset');
    win.top = r.ue('conf_win_top_offset');
    win.bottom = r.ue('conf_win_bottom_offset');
  }
  const bitDepthLuma = ueMax(r, 8, 'bit_depth_luma_minus8') + 8;
  const bitDepthChroma = ueMax(r, 8, 'bit_depth_chroma_minus8') + 8;
  const log2MaxPicOrderCntLsb = ueMax(r, 12, 'log2_max_pic_order_cnt_lsb_minus4') + 4;
  const orderingInfo = r.flag('sps_sub_layer_ordering_info_present_flag');
  for (let i = orderingInfo ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
    r.ue('sps_max_dec_pic_buffering_minus1');
    r.ue('sps_max_num_reorder_pics');
    r.ue('sps_max_latency_increase_plus1');
  }
  const log2MinCbSize = ueMax(r, 3, 'log2_min_luma_coding_block_size_minus3') + 3;
  const log2CtbSize = log2MinCbSize + ueMax(r, 3, 'log2_diff_max_min_luma_coding_block_size');
  ueMax(r, 3, 'log2_min_luma_transform_block_size_minus2');
  ueMax(r, 3, 'log2_diff_max_min_luma_transform_block_size');
  r.ue('max_transform_hierarchy_depth_inter');
  r.ue('max_transform_hierarchy_depth_intra');
  const scalingListEnabled = r.flag('scaling_list_enabled_flag');
  if (scalingListEnabled && r.flag('sps_scaling_list_data_present_flag')) skipScalingListData(r);
  const ampEnabled = r.flag('amp_enabled_flag');
  const saoEnabled = r.flag('sample_adaptive_offset_enabled_flag');
  const pcmEnabled = r.flag('pcm_enabled_flag');
  if (pcmEnabled) {
    r.skip(8, 'pcm_sample_bit_depths');
    r.ue('log2_min_pcm_luma_coding_block_size_minus3');
    r.ue('log2_diff_max_min_pcm_luma_coding_block_size');
    r.skip(1, 'pcm_loop_filter_disabled_flag');
  }
  const numShortTermRefPicSets = ueMax(r, 64, 'num_short_term_ref_pic_sets');
  const numDeltaPocs: number[] = [];
  for (let i = 0; i < numShortTermRefPicSets; i++) numDeltaPocs.push(readShortTermRps(r, i, numDeltaPocs));
  const longTermRefPicsPresent = r.flag('long_term_ref_pics_present_flag');
  if (longTermRefPicsPresent) {
    const n = ueMax(r, 32, 'num_long_term_ref_pics_sps');
    for (let i = 0; i < n; i++) {
      r.skip(log2MaxPicOrderCntLsb, 'lt_ref_pic_poc_lsb_sps');
      r.skip(1, 'used_by_curr_pic_lt_sps_flag');
    }
  }
  const temporalMvpEnabled = r.flag('sps_temporal_mvp_enabled_flag');
  const strongIntraSmoothing = r.flag('strong_intra_smoothing_enabled_flag');
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const width = codedWidth - subWidthC * (win.left + win.right);
  const height = codedHeight - subHeightC * (win.top + win.bottom);
  if (width <= 0 || height <= 0)
    throw fail('CODEC_BAD_SPS', 'conformance window leaves no picture', r, 'conf_win');
  const sps: H265Sps = {
    vpsId,
    spsId,
    maxSubLayers: maxSubLayersMinus1 + 1,
    temporalIdNesting,
    profileTierLevel: ptl,
    generalProfileSpace: ptl.generalProfileSpace,
    generalTierFlag: ptl.generalTierFlag,
    generalProfileIdc: ptl.generalProfileIdc,
    generalLevelIdc: ptl.generalLevelIdc,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    codedWidth,
    codedHeight,
    width,
    height,
    conformanceWindow: win,
    log2MaxPicOrderCntLsb,
    log2MinCbSize,
    log2CtbSize,
    scalingListEnabled,
    ampEnabled,
    saoEnabled,
    pcmEnabled,
    numShortTermRefPicSets,
    longTermRefPicsPresent,
    temporalMvpEnabled,
    strongIntraSmoothing,
    vuiPresent: false,
    minSpatialSegmentationIdc: 0,
  };
  if (r.flag('vui_parameters_present_flag')) {
    sps.vuiPresent = true;
    parseVui(r, sps, maxSubLayersMinus1);
  }
  return sps;
}

/** Parses the start of a picture parameter set, through the tiles/wavefront flags hvcC needs. */
export function parseH265Pps(nal: Uint8Array): H265Pps {
  const r = rbspOf(nal, H265NalType.PPS, 'CODEC_BAD_PPS', 'PPS');
  const ppsId = ueMax(r, 63, 'pps_pic_parameter_set_id', 'CODEC_BAD_PPS');
  const spsId = ueMax(r, 15, 'pps_seq_parameter_set_id', 'CODEC_BAD_PPS');
  r.skip(5, 'dependent_slice/output_flag/num_extra_slice_header_bits');
  r.skip(2, 'sign_data_hiding/cabac_init_present');
  r.ue('num_ref_idx_l0_default_active_minus1');
  r.ue('num_ref_idx_l1_default_active_minus1');
  r.se('init_qp_minus26');
  r.skip(2, 'constrained_intra_pred/transform_skip');
  if (r.flag('cu_qp_delta_enabled_flag')) r.ue('diff_cu_qp_delta_depth');
  r.se('pps_cb_qp_offset');
  r.se('pps_cr_qp_offset');
  r.skip(4, 'slice_chroma_qp_offsets/weighted_pred/weighted_bipred/transquant_bypass');
  const tilesEnabled = r.flag('tiles_enabled_flag');
  const entropyCodingSyncEnabled = r.flag('entropy_coding_sync_enabled_flag');
  return { ppsId, spsId, tilesEnabled, entropyCodingSyncEnabled };
}

/** RFC 6381 / ISO 14496-15 Annex E codec string, e.g. 'hvc1.1.6.L93.B0'. */
export function h265CodecString(ptl: H265ProfileTierLevel, sampleEntry: 'hvc1' | 'hev1' = 'hvc1'): string {
  const space = ['', 'A', 'B', 'C'][ptl.generalProfileSpace] ?? '';
  // The compatibility flags in reverse bit order, in hex.
  let flags = ptl.generalProfileCompatibilityFlags >>> 0;
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = ((reversed << 1) | (flags & 1)) >>> 0;
    flags >>>= 1;
  }
  const c = ptl.generalConstraintIndicatorFlags;
  let last = c.length;
  while (last > 0 && c[last - 1] === 0) last--;
  const constraints = Array.from(c.subarray(0, last), (b) => `.${b.toString(16).toUpperCase()}`).join('');
  return `${sampleEntry}.${space}${ptl.generalProfileIdc}.${reversed.toString(16).toUpperCase()}.${ptl.generalTierFlag ? 'H' : 'L'}${ptl.generalLevelIdc}${constraints}`;
}
