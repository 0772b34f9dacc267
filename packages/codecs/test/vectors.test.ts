import { describe, expect, it } from 'vitest';
import {
  buildAvcDecoderConfigurationRecord,
  buildHevcDecoderConfigurationRecord,
  h264CodecString,
  h265CodecString,
  parseAvcDecoderConfigurationRecord,
  parseH264Sps,
  parseH265Pps,
  parseH265Sps,
  parseH265Vps,
  parseHevcDecoderConfigurationRecord,
} from '../src/index.js';
import { handBuiltH264Sps, handBuiltH265Pps, handBuiltH265Sps, handBuiltH265Vps } from './vectors.js';

describe('hand-built H.264 SPS', () => {
  it('walks scaling lists, POC type 1 and NAL HRD to the bitstream restriction', () => {
    const sps = parseH264Sps(handBuiltH264Sps());
    expect(sps).toMatchObject({
      profileIdc: 100,
      levelIdc: 31,
      scalingMatrixPresent: true,
      log2MaxFrameNum: 6,
      picOrderCntType: 1,
      maxNumRefFrames: 4,
      codedWidth: 1280,
      codedHeight: 720,
      width: 1280,
      height: 720,
      sarNum: 4,
      sarDen: 3,
      videoFullRange: true,
      colourPrimaries: 1,
      timing: { numUnitsInTick: 1001, timeScale: 60000, fixedFrameRate: true },
      maxNumReorderFrames: 3,
    });
    expect(sps.frameRate).toBeCloseTo(29.97, 2);
    expect(sps.vuiTruncated).toBeUndefined();
    expect(h264CodecString(sps)).toBe('avc1.64001f');
  });

  it('keeps what was read when the VUI is cut short', () => {
    const full = handBuiltH264Sps();
    const sps = parseH264Sps(full.subarray(0, full.length - 8));
    expect(sps.vuiTruncated).toBe(true);
    expect(sps.sarNum).toBe(4);
    expect(sps.width).toBe(1280);
  });

  it('goes into an avcC with the high-profile extension', () => {
    const sps = handBuiltH264Sps();
    const pps = Uint8Array.of(0x68, 0xee, 0x3c, 0x80);
    const record = buildAvcDecoderConfigurationRecord({ sps: [sps], pps: [pps], nalLengthSize: 2 });
    expect(parseAvcDecoderConfigurationRecord(record)).toEqual({
      configurationVersion: 1,
      profileIdc: 100,
      profileCompatibility: 0,
      levelIdc: 31,
      nalLengthSize: 2,
      sps: [sps],
      pps: [pps],
      chromaFormatIdc: 1,
      bitDepthLuma: 8,
      bitDepthChroma: 8,
      spsExt: [],
    });
  });
});

describe('hand-built H.265 parameter sets', () => {
  it('walks scaling_list_data, predicted RPS, long-term refs, PCM and sub-picture HRD', () => {
    const sps = parseH265Sps(handBuiltH265Sps());
    expect(sps).toMatchObject({
      generalProfileIdc: 2,
      generalTierFlag: true,
      generalLevelIdc: 153,
      bitDepthLuma: 10,
      width: 1280,
      height: 720,
      scalingListEnabled: true,
      pcmEnabled: true,
      numShortTermRefPicSets: 3,
      longTermRefPicsPresent: true,
      sarNum: 64,
      sarDen: 45,
      colourPrimaries: 9,
      transferCharacteristics: 16,
      timing: { numUnitsInTick: 1001, timeScale: 60000 },
      minSpatialSegmentationIdc: 200,
    });
    expect(sps.frameRate).toBeCloseTo(59.94, 2);
    expect(sps.vuiTruncated).toBeUndefined();
    expect(h265CodecString(sps.profileTierLevel)).toBe('hvc1.2.4.H153.B0');
  });

  it('refuses layered (nuh_layer_id > 0) and mistyped parameter sets', () => {
    const sps = handBuiltH265Sps().slice();
    sps[1] = 0x09; // nuh_layer_id 1
    expect(() => parseH265Sps(sps)).toThrow(expect.objectContaining({ code: 'CODEC_UNSUPPORTED' }));
    expect(() => parseH265Sps(handBuiltH265Pps())).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_SPS' }),
    );
    expect(() => parseH264Sps(Uint8Array.of(0x68, 1, 2, 3))).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_SPS' }),
    );
  });

  it('reads the VPS profile and the PPS wavefront flag', () => {
    expect(parseH265Vps(handBuiltH265Vps())).toMatchObject({ maxSubLayers: 1, temporalIdNesting: true });
    expect(parseH265Pps(handBuiltH265Pps())).toEqual({
      ppsId: 0,
      spsId: 0,
      tilesEnabled: false,
      entropyCodingSyncEnabled: true,
    });
  });

  it('builds an hvcC carrying profile, tier, level, segmentation and wavefront parallelism', () => {
    const vps = handBuiltH265Vps();
    const sps = handBuiltH265Sps();
    const pps = handBuiltH265Pps();
    const record = buildHevcDecoderConfigurationRecord({
      vps: [vps],
      sps: [sps],
      pps: [pps],
      arrayCompleteness: true,
    });
    const parsed = parseHevcDecoderConfigurationRecord(record);
    expect(parsed).toMatchObject({
      generalProfileSpace: 0,
      generalTierFlag: true,
      generalProfileIdc: 2,
      generalProfileCompatibilityFlags: 0x20000000,
      generalLevelIdc: 153,
      minSpatialSegmentationIdc: 200,
      parallelismType: 3,
      chromaFormatIdc: 1,
      bitDepthLuma: 10,
      bitDepthChroma: 10,
      numTemporalLayers: 1,
      temporalIdNested: true,
      nalLengthSize: 4,
      vps: [vps],
      sps: [sps],
      pps: [pps],
    });
    expect(Array.from(parsed.generalConstraintIndicatorFlags)).toEqual([0xb0, 0, 0, 0, 0, 0]);
    expect(parsed.arrays.map((a) => [a.nalUnitType, a.arrayCompleteness])).toEqual([
      [32, true],
      [33, true],
      [34, true],
    ]);
  });
});
