import { describe, expect, it } from 'vitest';
import {
  buildAvcDecoderConfigurationRecord,
  H264NalType,
  h264CodecString,
  h264NalType,
  parseAvcDecoderConfigurationRecord,
  parseH264Sps,
  splitAnnexB,
} from '../src/index.js';
import {
  expectedPixFmt,
  findBoxBody,
  fixture,
  fixturePath,
  lazyRemuxToMp4,
  probeStream,
  ratio,
} from './helpers.js';

const H264_FIXTURES = [
  'h264-baseline-640x360.h264',
  'h264-high-1920x1080.h264',
  'h264-high422-320x240.h264',
  'h264-high10-320x240.h264',
  'h264-high444-176x144.h264',
  'h264-gray-320x200.h264',
  'h264-cqm-jvt-352x288.h264',
  'h264-interlaced-320x240.h264',
];

/** ffmpeg's profile names (libavcodec/profiles.c) for the profiles in the fixtures. */
function ffmpegProfileName(profileIdc: number, constraintFlags: number): string {
  const set1 = (constraintFlags & 0x40) !== 0;
  const set3 = (constraintFlags & 0x10) !== 0;
  switch (profileIdc) {
    case 66:
      return set1 ? 'Constrained Baseline' : 'Baseline';
    case 77:
      return 'Main';
    case 100:
      return 'High';
    case 110:
      return set3 ? 'High 10 Intra' : 'High 10';
    case 122:
      return set3 ? 'High 4:2:2 Intra' : 'High 4:2:2';
    case 244:
      return set3 ? 'High 4:4:4 Intra' : 'High 4:4:4 Predictive';
    default:
      return `profile ${profileIdc}`;
  }
}

/** All fixtures remuxed once, on first use. */
const remuxed = lazyRemuxToMp4(H264_FIXTURES);

const nalsOf = (name: string) => splitAnnexB(fixture(name));

describe('parseH264Sps against ffprobe', () => {
  for (const name of H264_FIXTURES) {
    it(`reads profile, level, size, pixel format and frame rate of ${name} as ffprobe does`, () => {
      const probe = probeStream(fixturePath(name));
      const spsNals = nalsOf(name).filter((n) => h264NalType(n) === H264NalType.SPS);
      expect(spsNals.length).toBeGreaterThan(0);
      for (const nal of spsNals) {
        const sps = parseH264Sps(nal);
        expect(ffmpegProfileName(sps.profileIdc, sps.constraintFlags)).toBe(probe.profile);
        expect(sps.levelIdc).toBe(probe.level);
        expect(sps.width).toBe(probe.width);
        expect(sps.height).toBe(probe.height);
        expect(sps.codedWidth % 16).toBe(0);
        expect(sps.codedHeight % (sps.frameMbsOnly ? 16 : 32)).toBe(0);
        expect(sps.codedHeight).toBeGreaterThanOrEqual(sps.height);
        expect(expectedPixFmt(sps.chromaFormatIdc, sps.bitDepthLuma, sps.videoFullRange ?? false)).toBe(
          probe.pix_fmt,
        );
        expect(sps.vuiTruncated).toBeUndefined();
        expect(sps.frameRate).toBeDefined();
        expect(sps.frameRate!).toBeCloseTo(ratio(probe.r_frame_rate!), 6);
        if (sps.sarNum !== undefined) expect(`${sps.sarNum}:${sps.sarDen}`).toBe(probe.sample_aspect_ratio);
        expect(sps.frameMbsOnly).toBe(probe.field_order === 'progressive');
      }
    });
  }

  it('derives coded 1088 and crops 8 lines for 1080p', () => {
    const sps = parseH264Sps(nalsOf('h264-high-1920x1080.h264').find((n) => h264NalType(n) === 7)!);
    expect(sps.codedHeight).toBe(1088);
    expect(sps.height).toBe(1080);
    expect(sps.crop.bottom).toBe(4);
    expect(sps.profileIdc).toBe(100);
    expect(h264CodecString(sps)).toBe('avc1.640028');
  });

  it('reads the field-coded height of an interlaced SPS (map units x 2)', () => {
    const sps = parseH264Sps(nalsOf('h264-interlaced-320x240.h264').find((n) => h264NalType(n) === 7)!);
    expect(sps.frameMbsOnly).toBe(false);
    expect(sps.codedHeight).toBe(256);
    expect(sps.height).toBe(240);
  });

  it('accepts an SPS with its start code', () => {
    const file = fixture('h264-baseline-640x360.h264');
    expect(parseH264Sps(file.subarray(0, 64)).width).toBe(640);
  });
});

describe('AVCDecoderConfigurationRecord against ffmpeg mp4 avcC', () => {
  for (const name of H264_FIXTURES) {
    it(`builds from the parameter sets of ${name} the record ffmpeg writes to mp4`, () => {
      const nals = nalsOf(name);
      const sps = nals.filter((n) => h264NalType(n) === H264NalType.SPS).slice(0, 1);
      const pps = nals.filter((n) => h264NalType(n) === H264NalType.PPS).slice(0, 1);
      const built = buildAvcDecoderConfigurationRecord({ sps, pps });
      const mp4 = remuxed().get(name)!;
      const fromFfmpeg = findBoxBody(mp4, 'avcC');
      const ours = parseAvcDecoderConfigurationRecord(built);
      const theirs = parseAvcDecoderConfigurationRecord(fromFfmpeg);
      expect(ours).toEqual(theirs);
      expect(Buffer.from(built).toString('hex')).toBe(Buffer.from(fromFfmpeg).toString('hex'));
    });
  }
});
