// Hand-built parameter sets that exercise syntax the fixture encoders never write: H.264 scaling
// lists, pic_order_cnt_type 1 and HRD; H.265 scaling_list_data, inter-predicted short-term RPS,
// long-term refs, PCM and a VUI with sub-picture HRD. Each ends in a value (reorder frames /
// min_spatial_segmentation_idc) that only comes out right if every bit before it was consumed.
import { addEmulationPrevention, BitWriter } from '../src/index.js';

function nal(header: number[], w: BitWriter): Uint8Array {
  w.trailingBits();
  return Uint8Array.from([...header, ...addEmulationPrevention(w.finish())]);
}

/** H.264 High 4:2:0, 1280x720, scaling lists, POC type 1, VUI with SAR 4:3, timing 29.97, NAL HRD. */
export function handBuiltH264Sps(): Uint8Array {
  const w = new BitWriter();
  w.u(8, 100).u(8, 0).u(8, 31).ue(0); // profile, constraints, level, sps id
  w.ue(1).ue(0).ue(0).u(1, 0); // chroma 4:2:0, 8-bit, no bypass
  w.u(1, 1); // seq_scaling_matrix_present_flag
  // list 0: explicit deltas; list 1: delta -8 -> "use default"; list 6 (8x8): explicit; others absent
  w.u(1, 1);
  for (let j = 0; j < 16; j++) w.se(j % 2 === 0 ? 3 : -2);
  w.u(1, 1).se(-8);
  w.u(1, 0).u(1, 0).u(1, 0).u(1, 0);
  w.u(1, 1);
  for (let j = 0; j < 64; j++) w.se(j === 0 ? 8 : 1);
  w.u(1, 0);
  w.ue(2); // log2_max_frame_num_minus4
  w.ue(1).u(1, 0).se(-2).se(1).ue(2).se(3).se(-3); // POC type 1 with a cycle of 2
  w.ue(4).u(1, 0); // max_num_ref_frames, gaps
  w.ue(79).ue(44); // 80 x 45 macroblocks
  w.u(1, 1).u(1, 1); // frame_mbs_only, direct_8x8
  w.u(1, 1).ue(0).ue(0).ue(0).ue(0); // cropping present but zero
  w.u(1, 1); // VUI
  w.u(1, 1).u(8, 14); // aspect_ratio_idc 14 = 4:3
  w.u(1, 0); // overscan
  w.u(1, 1).u(3, 5).u(1, 1).u(1, 1).u(8, 1).u(8, 1).u(8, 1); // video signal, full range, BT.709
  w.u(1, 1).ue(1).ue(1); // chroma loc
  w.u(1, 1).u(32, 1001).u(32, 60000).u(1, 1); // timing
  w.u(1, 1).ue(1).u(4, 2).u(4, 3); // NAL HRD: 2 CPBs
  for (let i = 0; i < 2; i++) w.ue(5000).ue(10000).u(1, i);
  w.u(5, 23).u(5, 23).u(5, 23).u(5, 24);
  w.u(1, 0).u(1, 0).u(1, 1); // no VCL HRD, low_delay_hrd_flag, pic_struct_present
  w.u(1, 1).u(1, 1).ue(2).ue(1).ue(16).ue(16).ue(3).ue(4); // bitstream restriction, 3 reorder frames
  return nal([0x67], w);
}

function ptl(w: BitWriter): void {
  w.u(2, 0).u(1, 1).u(5, 2).u(32, 0x20000000); // space 0, high tier, Main 10
  for (const b of [0xb0, 0, 0, 0, 0, 0]) w.u(8, b);
  w.u(8, 153); // level 5.1
}

/** H.265 VPS with the same profile_tier_level. */
export function handBuiltH265Vps(): Uint8Array {
  const w = new BitWriter();
  w.u(4, 0).u(1, 1).u(1, 1).u(6, 0).u(3, 0).u(1, 1).u(16, 0xffff);
  ptl(w);
  return nal([0x40, 0x01], w);
}

/** H.265 Main 10 high tier 1280x720 with every optional SPS structure present. */
export function handBuiltH265Sps(): Uint8Array {
  const w = new BitWriter();
  w.u(4, 0).u(3, 0).u(1, 1);
  ptl(w);
  w.ue(0).ue(1).ue(1280).ue(720); // sps id, 4:2:0, size
  w.u(1, 1).ue(0).ue(0).ue(0).ue(0); // conformance window present, zero
  w.ue(2).ue(2).ue(4); // 10-bit, log2_max_poc_lsb 8
  w.u(1, 1).ue(4).ue(2).ue(0); // ordering info
  w.ue(0).ue(3).ue(0).ue(3).ue(1).ue(1);
  w.u(1, 1).u(1, 1); // scaling_list_enabled, data present
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
      if ((sizeId + matrixId) % 2 === 0) {
        w.u(1, 0).ue(0);
      } else {
        w.u(1, 1);
        if (sizeId > 1) w.se(-3);
        const n = Math.min(64, 1 << (4 + (sizeId << 1)));
        for (let i = 0; i < n; i++) w.se(i % 3 === 0 ? 2 : -1);
      }
    }
  }
  w.u(1, 1).u(1, 1); // amp, sao
  w.u(1, 1).u(4, 7).u(4, 7).ue(0).ue(1).u(1, 1); // PCM
  w.ue(3); // three short-term RPS
  w.ue(2).ue(1).ue(0).u(1, 1).ue(1).u(1, 1).ue(0).u(1, 0); // set 0: 2 negative, 1 positive
  // set 1, predicted from set 0 (NumDeltaPocs 3 -> 4 flags): used, unused+use_delta, unused+no delta, used
  w.u(1, 1).u(1, 0).ue(0).u(1, 1).u(1, 0).u(1, 1).u(1, 0).u(1, 0).u(1, 1);
  // set 2, predicted from set 1 (NumDeltaPocs 3 -> 4 flags)
  w.u(1, 1).u(1, 1).ue(1).u(1, 1).u(1, 1).u(1, 1).u(1, 0).u(1, 0);
  w.u(1, 1).ue(2).u(8, 17).u(1, 1).u(8, 200).u(1, 0); // long-term refs
  w.u(1, 1).u(1, 0); // temporal mvp, strong intra smoothing
  w.u(1, 1); // VUI
  w.u(1, 1).u(8, 255).u(16, 64).u(16, 45); // SAR 64:45
  w.u(1, 1).u(1, 1); // overscan
  w.u(1, 1).u(3, 5).u(1, 0).u(1, 1).u(8, 9).u(8, 16).u(8, 9); // BT.2020 PQ
  w.u(1, 1).ue(2).ue(2);
  w.u(1, 0).u(1, 0).u(1, 0);
  w.u(1, 1).ue(0).ue(0).ue(0).ue(8); // default display window
  w.u(1, 1).u(32, 1001).u(32, 60000).u(1, 1).ue(0); // timing 59.94, poc proportional
  w.u(1, 1); // HRD
  w.u(1, 1).u(1, 1).u(1, 1); // nal, vcl, sub_pic
  w.u(8, 23).u(5, 4).u(1, 1).u(5, 4); // sub-pic params
  w.u(4, 2).u(4, 3).u(4, 1).u(5, 23).u(5, 23).u(5, 23);
  w.u(1, 0).u(1, 0).u(1, 0).ue(1); // sub-layer 0: not fixed rate, not low delay, 2 CPBs
  for (let k = 0; k < 4; k++)
    w.ue(1000)
      .ue(2000)
      .ue(300)
      .ue(400)
      .u(1, k & 1);
  w.u(1, 1).u(3, 0).ue(200).ue(2).ue(1).ue(15).ue(15); // bitstream restriction, min_spatial_seg 200
  w.u(1, 0); // sps_extension_present_flag
  return nal([0x42, 0x01], w);
}

/** H.265 PPS with wavefront parallel processing (entropy_coding_sync_enabled_flag). */
export function handBuiltH265Pps(): Uint8Array {
  const w = new BitWriter();
  w.ue(0).ue(0).u(1, 0).u(1, 0).u(3, 0).u(1, 1).u(1, 0).ue(0).ue(0).se(-4).u(1, 0).u(1, 0);
  w.u(1, 1).ue(1).se(1).se(-1).u(1, 0).u(1, 0).u(1, 0).u(1, 0);
  w.u(1, 0).u(1, 1); // tiles off, wavefront on
  w.u(1, 1).u(1, 0).u(1, 0).u(1, 0).ue(0).u(1, 0).u(1, 0); // rest of the PPS, roughly
  return nal([0x44, 0x01], w);
}
