import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import {
  annexBToLengthPrefixed,
  H264NalType,
  H265NalType,
  h264NalType,
  h265NalType,
  lengthPrefixedToAnnexB,
  parseAdtsHeader,
  parseH264Sps,
  parseH265Sps,
  splitAnnexB,
} from '../src/index.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(import.meta.dirname, '../test/fixtures', name)));

const h264 = fixture('h264-high-1920x1080.h264');
const h265 = fixture('h265-main-1920x1080.hevc');
const sps264 = splitAnnexB(h264).find((n) => h264NalType(n) === H264NalType.SPS)!;
const sps265 = splitAnnexB(h265).find((n) => h265NalType(n) === H265NalType.SPS)!;
// ~1 MB of Annex B: the fixture repeated, so throughput is measured on a realistic size.
const big = new Uint8Array(h264.length * Math.ceil(1_000_000 / h264.length));
for (let at = 0; at < big.length; at += h264.length) big.set(h264, at);
const bigAvcc = annexBToLengthPrefixed(big);
const adts = fixture('aac-lc-44100-stereo.aac');

describe('parameter sets', () => {
  bench('parseH264Sps (1080p high)', () => {
    parseH264Sps(sps264);
  });
  bench('parseH265Sps (1080p main)', () => {
    parseH265Sps(sps265);
  });
});

describe(`NAL framing over ${(big.length / 1e6).toFixed(2)} MB`, () => {
  bench('splitAnnexB', () => {
    splitAnnexB(big);
  });
  bench('annexBToLengthPrefixed', () => {
    annexBToLengthPrefixed(big);
  });
  bench('lengthPrefixedToAnnexB', () => {
    lengthPrefixedToAnnexB(bigAvcc, 4);
  });
});

describe('ADTS', () => {
  bench('walk 1 s of AAC (43 frames)', () => {
    for (let pos = 0; pos < adts.length; ) pos += parseAdtsHeader(adts.subarray(pos)).frameLength;
  });
});
