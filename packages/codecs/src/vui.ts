/**
 * The start of the VUI that H.264 (Annex E.1.1) and H.265 (Annex E.2.1) share bit for bit:
 * aspect ratio (Table E-1), overscan, video signal type and chroma sample location. The rest of
 * each VUI differs and stays with its codec.
 */
import type { BitReader } from './bit-reader.js';
import { CodecError } from './errors.js';

/** Table E-1 (the same in both standards): sample aspect ratios by aspect_ratio_idc. */
const SAR_TABLE: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];

/** The SPS fields the common VUI start fills in. */
export interface VuiColourFields {
  sarNum?: number;
  sarDen?: number;
  videoFullRange?: boolean;
  colourPrimaries?: number;
  transferCharacteristics?: number;
  matrixCoefficients?: number;
}

/** Reads aspect_ratio_info .. chroma_loc_info into `sps`. */
export function readVuiStart(r: BitReader, sps: VuiColourFields): void {
  if (r.flag('aspect_ratio_info_present_flag')) {
    const idc = r.u(8, 'aspect_ratio_idc');
    if (idc === 255) {
      sps.sarNum = r.u(16, 'sar_width');
      sps.sarDen = r.u(16, 'sar_height');
    } else {
      const sar = SAR_TABLE[idc];
      if (sar !== undefined && idc !== 0) {
        sps.sarNum = sar[0];
        sps.sarDen = sar[1];
      }
    }
  }
  if (r.flag('overscan_info_present_flag')) r.skip(1, 'overscan_appropriate_flag');
  if (r.flag('video_signal_type_present_flag')) {
    r.skip(3, 'video_format');
    sps.videoFullRange = r.flag('video_full_range_flag');
    if (r.flag('colour_description_present_flag')) {
      sps.colourPrimaries = r.u(8, 'colour_primaries');
      sps.transferCharacteristics = r.u(8, 'transfer_characteristics');
      sps.matrixCoefficients = r.u(8, 'matrix_coefficients');
    }
  }
  if (r.flag('chroma_loc_info_present_flag')) {
    r.ue('chroma_sample_loc_type_top_field');
    r.ue('chroma_sample_loc_type_bottom_field');
  }
}

/**
 * Runs `read` over the VUI. A VUI cut short keeps what was read before the cut (encoders in the wild
 * truncate it) and sets `vuiTruncated`; any other error propagates.
 */
export function readVuiKeepingTruncated(sps: { vuiTruncated?: boolean }, read: () => void): void {
  try {
    read();
  } catch (e) {
    if (!(e instanceof CodecError && e.code === 'CODEC_TRUNCATED')) throw e;
    sps.vuiTruncated = true;
  }
}
