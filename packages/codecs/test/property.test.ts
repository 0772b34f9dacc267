import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AAC_SAMPLE_RATES,
  BitReader,
  BitWriter,
  buildAdtsHeader,
  buildAudioSpecificConfig,
  buildAvcDecoderConfigurationRecord,
  buildHevcDecoderConfigurationRecord,
  CodecError,
  H264NalType,
  H265NalType,
  h264NalType,
  h265NalType,
  isH264Keyframe,
  isH265Keyframe,
  joinLengthPrefixed,
  lengthPrefixedToAnnexB,
  parseAdtsHeader,
  parseAudioSpecificConfig,
  parseAvcDecoderConfigurationRecord,
  parseH264Sps,
  parseH265Pps,
  parseH265Sps,
  parseH265Vps,
  parseHevcDecoderConfigurationRecord,
  parseMp3FrameHeader,
  removeEmulationPrevention,
  splitAnnexB,
  splitLengthPrefixed,
} from '../src/index.js';
import { fixture } from './helpers.js';
import { handBuiltH264Sps, handBuiltH265Pps, handBuiltH265Sps, handBuiltH265Vps } from './vectors.js';

const RUNS = { numRuns: 1500 };

/** Runs `fn`; anything thrown must be a CodecError. */
function onlyCodecErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
  }
}

const h264 = splitAnnexB(fixture('h264-high-1920x1080.h264'));
const h265 = splitAnnexB(fixture('h265-main-426x240.hevc'));
const realSps264 = [
  ...['h264-baseline-640x360.h264', 'h264-high422-320x240.h264', 'h264-interlaced-320x240.h264'].flatMap(
    (f) => splitAnnexB(fixture(f)).filter((n) => h264NalType(n) === H264NalType.SPS),
  ),
  handBuiltH264Sps(),
];
const realSps265 = [h265.find((n) => h265NalType(n) === H265NalType.SPS)!, handBuiltH265Sps()];
const vps265 = h265.find((n) => h265NalType(n) === H265NalType.VPS)!;
const pps265 = h265.find((n) => h265NalType(n) === H265NalType.PPS)!;

/** A real unit with a few bytes overwritten: reaches deep into the parsers, unlike pure noise. */
const mutated = (units: Uint8Array[]) =>
  fc
    .tuple(
      fc.constantFrom(...units),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.nat(),
    )
    .map(([unit, edits, cut]) => {
      const b = unit.slice(0, Math.max(1, unit.length - (cut % 4 === 0 ? cut % unit.length : 0)));
      for (const [at, v] of edits) b[1 + (at % Math.max(1, b.length - 1))] = v;
      return b;
    });

const noise = fc.uint8Array({ maxLength: 96 });

describe('random input throws only CodecError (and never hangs)', () => {
  const parsers: [string, (b: Uint8Array) => unknown, fc.Arbitrary<Uint8Array>][] = [
    [
      'parseH264Sps',
      parseH264Sps,
      fc.oneof(
        noise.map((b) => Uint8Array.of(0x67, ...b)),
        mutated(realSps264),
      ),
    ],
    [
      'parseH265Sps',
      parseH265Sps,
      fc.oneof(
        noise.map((b) => Uint8Array.of(0x42, 0x01, ...b)),
        mutated(realSps265),
      ),
    ],
    [
      'parseH265Vps',
      parseH265Vps,
      fc.oneof(
        noise.map((b) => Uint8Array.of(0x40, 0x01, ...b)),
        mutated([vps265, handBuiltH265Vps()]),
      ),
    ],
    [
      'parseH265Pps',
      parseH265Pps,
      fc.oneof(
        noise.map((b) => Uint8Array.of(0x44, 0x01, ...b)),
        mutated([pps265, handBuiltH265Pps()]),
      ),
    ],
    [
      'parseAvcDecoderConfigurationRecord',
      parseAvcDecoderConfigurationRecord,
      fc.oneof(noise, mutated([buildAvcDecoderConfigurationRecord({ sps: [h264[0]!], pps: [h264[1]!] })])),
    ],
    [
      'parseHevcDecoderConfigurationRecord',
      parseHevcDecoderConfigurationRecord,
      fc.oneof(
        noise,
        mutated([
          buildHevcDecoderConfigurationRecord({ vps: [vps265], sps: realSps265.slice(0, 1), pps: [pps265] }),
        ]),
      ),
    ],
    ['parseAudioSpecificConfig', parseAudioSpecificConfig, fc.uint8Array({ maxLength: 24 })],
    [
      'parseAdtsHeader',
      parseAdtsHeader,
      fc.oneof(
        noise,
        noise.map((b) => Uint8Array.of(0xff, 0xf1, ...b)),
      ),
    ],
    [
      'parseMp3FrameHeader',
      parseMp3FrameHeader,
      fc.oneof(
        noise,
        noise.map((b) => Uint8Array.of(0xff, 0xfb, ...b)),
      ),
    ],
    ['splitLengthPrefixed(4)', (b) => splitLengthPrefixed(b, 4), noise],
    ['splitLengthPrefixed(2)', (b) => splitLengthPrefixed(b, 2), noise],
    ['isH264Keyframe', (b) => isH264Keyframe(b, 4), noise],
    ['isH265Keyframe', (b) => isH265Keyframe(b, 1), noise],
    ['h264NalType', h264NalType, noise],
    [
      'BitReader ue/se until the end',
      (b) => {
        const r = new BitReader(b);
        for (;;) r.bitsLeft % 2 ? r.ue() : r.se();
      },
      noise,
    ],
  ];
  for (const [name, parse, input] of parsers) {
    it(`${name}`, () => {
      fc.assert(
        fc.property(input, (b) => onlyCodecErrors(() => parse(b))),
        RUNS,
      );
    });
  }

  it('splitAnnexB and removeEmulationPrevention never throw', () => {
    fc.assert(
      fc.property(noise, (b) => {
        const nals = splitAnnexB(b);
        for (const n of nals) expect(n.length).toBeGreaterThan(0);
        expect(removeEmulationPrevention(b).length).toBeLessThanOrEqual(b.length);
      }),
      RUNS,
    );
  });
});

describe('build then parse is the identity', () => {
  const gaTypes = fc.constantFrom(1, 2, 3, 4, 17, 19, 23);
  const rate = fc.oneof(fc.constantFrom(...AAC_SAMPLE_RATES), fc.integer({ min: 1, max: 0xffffff }));

  it('AudioSpecificConfig', () => {
    fc.assert(
      fc.property(
        gaTypes,
        rate,
        fc.integer({ min: 1, max: 15 }),
        fc.boolean(),
        fc.option(fc.record({ sampleRate: rate, ps: fc.boolean(), backward: fc.boolean() }), {
          nil: undefined,
        }),
        (objectType, sampleRate, channelConfiguration, short, sbr) => {
          const bytes = buildAudioSpecificConfig({
            objectType,
            sampleRate,
            channelConfiguration,
            frameLength: short ? 960 : 1024,
            ...(sbr && {
              sbr: {
                sampleRate: sbr.sampleRate,
                ps: sbr.ps,
                signalling: sbr.backward ? 'explicit-backward-compatible' : 'explicit-hierarchical',
              },
            }),
          });
          const c = parseAudioSpecificConfig(bytes);
          expect(c.objectType).toBe(objectType);
          expect(c.sampleRate).toBe(sampleRate);
          expect(c.channelConfiguration).toBe(channelConfiguration);
          expect(c.frameLength).toBe(objectType === 23 ? (short ? 480 : 512) : short ? 960 : 1024);
          expect(c.sbr).toBe(sbr !== undefined);
          expect(c.ps).toBe(sbr?.ps ?? false);
          if (sbr) {
            expect(c.extensionSampleRate).toBe(sbr.sampleRate);
            expect(c.signalling).toBe(
              sbr.backward ? 'explicit-backward-compatible' : 'explicit-hierarchical',
            );
          }
        },
      ),
      RUNS,
    );
  });

  it('ADTS header', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 8191 - 7 }),
        fc.constantFrom(2 as const, 4 as const),
        fc.integer({ min: 0, max: 0x7ff }),
        (objectType, samplingFrequencyIndex, channelConfiguration, payload, mpegVersion, bufferFullness) => {
          const h = parseAdtsHeader(
            buildAdtsHeader(
              { objectType, samplingFrequencyIndex, channelConfiguration, mpegVersion, bufferFullness },
              payload,
            ),
          );
          expect(h).toEqual({
            mpegVersion,
            protectionAbsent: true,
            objectType,
            samplingFrequencyIndex,
            sampleRate: AAC_SAMPLE_RATES[samplingFrequencyIndex],
            channelConfiguration,
            frameLength: payload + 7,
            bufferFullness,
            rawBlocks: 1,
            headerLength: 7,
          });
        },
      ),
      RUNS,
    );
  });

  it('AVCDecoderConfigurationRecord', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...realSps264), { minLength: 1, maxLength: 3 }),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 4 }),
        fc.constantFrom(1, 2, 4),
        (sps, pps, nalLengthSize) => {
          const c = parseAvcDecoderConfigurationRecord(
            buildAvcDecoderConfigurationRecord({ sps, pps, nalLengthSize }),
          );
          const first = parseH264Sps(sps[0]!);
          expect(c.sps).toEqual(sps);
          expect(c.pps).toEqual(pps);
          expect(c.nalLengthSize).toBe(nalLengthSize);
          expect([c.profileIdc, c.profileCompatibility, c.levelIdc]).toEqual([
            first.profileIdc,
            first.constraintFlags,
            first.levelIdc,
          ]);
          if (first.profileIdc >= 100) expect(c.chromaFormatIdc).toBe(first.chromaFormatIdc);
          else expect(c.spsExt).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('HEVCDecoderConfigurationRecord', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...realSps265),
        fc.constantFrom(1, 2, 4),
        fc.boolean(),
        (sps, nalLengthSize, arrayCompleteness) => {
          const input = { vps: [vps265], sps: [sps], pps: [pps265], nalLengthSize, arrayCompleteness };
          const c = parseHevcDecoderConfigurationRecord(buildHevcDecoderConfigurationRecord(input));
          const parsed = parseH265Sps(sps);
          expect(c.vps).toEqual([vps265]);
          expect(c.sps).toEqual([sps]);
          expect(c.pps).toEqual([pps265]);
          expect(c.nalLengthSize).toBe(nalLengthSize);
          expect(c.arrays.every((a) => a.arrayCompleteness === arrayCompleteness)).toBe(true);
          expect(c.bitDepthLuma).toBe(parsed.bitDepthLuma);
          expect(c.chromaFormatIdc).toBe(parsed.chromaFormatIdc);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('BitWriter then BitReader', () => {
    const op = fc.oneof(
      fc.tuple(
        fc.constant('u' as const),
        fc.integer({ min: 0, max: 32 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
      ),
      fc.tuple(fc.constant('ue' as const), fc.integer({ min: 0, max: 0xfffffffe }), fc.constant(0)),
      fc.tuple(fc.constant('se' as const), fc.integer({ min: -0x7fffffff, max: 0x7fffffff }), fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const w = new BitWriter(4);
        const expected: number[] = [];
        for (const [kind, a, frac] of ops) {
          if (kind === 'u') {
            const v = Math.min(2 ** a - 1, Math.floor(frac * 2 ** a));
            w.u(a, v);
            expected.push(v);
          } else if (kind === 'ue') {
            w.ue(a);
            expected.push(a);
          } else {
            w.se(a);
            expected.push(a);
          }
        }
        const r = new BitReader(w.finish());
        const got = ops.map(([kind, a]) => (kind === 'u' ? r.u(a) : kind === 'ue' ? r.ue() : r.se()));
        expect(got).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('length-prefixed to Annex B and back', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ minLength: 1, maxLength: 50 }).map((b) => {
            // A NAL unit never contains a start code and never ends in zero: give it emulation prevention.
            const n = Uint8Array.of(0x41, ...b, 0x80);
            return n;
          }),
          { maxLength: 8 },
        ),
        fc.constantFrom(1, 2, 3, 4),
        (nals, size) => {
          const clean = nals.map((n) => {
            const out: number[] = [];
            let zeros = 0;
            for (const x of n) {
              if (zeros >= 2 && x <= 3) {
                out.push(3);
                zeros = 0;
              }
              out.push(x);
              zeros = x === 0 ? zeros + 1 : 0;
            }
            return Uint8Array.from(out);
          });
          const sample = joinLengthPrefixed(clean, size);
          expect(splitLengthPrefixed(sample, size)).toEqual(clean);
          expect(splitAnnexB(lengthPrefixedToAnnexB(sample, size))).toEqual(clean);
        },
      ),
      RUNS,
    );
  });
});
