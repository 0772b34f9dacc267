import { describe, expect, it } from 'vitest';
import {
  addEmulationPrevention,
  annexBToLengthPrefixed,
  BitReader,
  BitWriter,
  CodecError,
  H264NalType,
  h264NalType,
  isH264Keyframe,
  joinAnnexB,
  joinLengthPrefixed,
  lengthPrefixedToAnnexB,
  removeEmulationPrevention,
  splitAnnexB,
  splitLengthPrefixed,
} from '../src/index.js';
import { fixture } from './helpers.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
const bits = (s: string) => {
  const w = new BitWriter();
  for (const c of s.replace(/\s/g, '')) w.u(1, c === '1' ? 1 : 0);
  return w.finish();
};

describe('BitReader', () => {
  it('reads ue(v) codes of Table 9-2', () => {
    // 1 | 010 | 011 | 00100 | 00101 | 00110 | 00111 | 0001000 -> 0..7
    const r = new BitReader(bits('1 010 011 00100 00101 00110 00111 0001000'));
    expect(Array.from({ length: 8 }, () => r.ue())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('maps ue to se as Table 9-3 says (0, 1, -1, 2, -2, 3, -3)', () => {
    const r = new BitReader(bits('1 010 011 00100 00101 00110 00111'));
    expect(Array.from({ length: 7 }, () => r.se())).toEqual([0, 1, -1, 2, -2, 3, -3]);
  });

  it('reads the largest 32-bit ue (31 leading zeros) and rejects 32', () => {
    const w = new BitWriter().ue(0xfffffffe);
    expect(new BitReader(w.finish()).ue()).toBe(0xfffffffe);
    const r = new BitReader(new Uint8Array(8).fill(0));
    expect(() => r.ue()).toThrow(expect.objectContaining({ code: 'CODEC_BAD_EXP_GOLOMB' }));
  });

  it('reads u(n) across byte boundaries, up to 32 bits unsigned', () => {
    const r = new BitReader(bytes(0xff, 0xff, 0xff, 0xff, 0xa5));
    expect(r.u(3)).toBe(7);
    expect(r.u(32)).toBe(0xfffffffd);
    expect(r.u(5)).toBe(0x05);
    expect(r.bitsLeft).toBe(0);
    expect(r.byteAligned).toBe(true);
  });

  it('throws CODEC_TRUNCATED with the bit offset past the end', () => {
    const r = new BitReader(bytes(0xab));
    r.skip(5);
    expect(r.byteAligned).toBe(false);
    try {
      r.u(4, 'field');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CodecError);
      expect(e).toMatchObject({ code: 'CODEC_TRUNCATED', bitOffset: 9, field: 'field' });
    }
    expect(() => new BitReader(bytes(0)).ue()).toThrow(expect.objectContaining({ code: 'CODEC_TRUNCATED' }));
    expect(() => new BitReader(new Uint8Array()).flag()).toThrow(CodecError);
  });

  it('finds the end of RBSP data before the stop bit (more_rbsp_data)', () => {
    const r = new BitReader(Uint8Array.of(0b1011_0000, 0));
    expect(r.moreRbspData()).toBe(true);
    r.skip(2);
    expect(r.moreRbspData()).toBe(true);
    r.skip(1);
    expect(r.moreRbspData()).toBe(false);
    expect(new BitReader(new Uint8Array(3)).moreRbspData()).toBe(false);
  });

  it('round-trips values through BitWriter', () => {
    const w = new BitWriter().u(7, 100).ue(12345).se(-77).flag(true).u(32, 0xdeadbeef).se(5);
    const r = new BitReader(w.finish());
    expect([r.u(7), r.ue(), r.se(), r.flag(), r.u(32), r.se()]).toEqual([
      100,
      12345,
      -77,
      true,
      0xdeadbeef,
      5,
    ]);
  });
});

describe('emulation prevention (14496-10 7.4.1)', () => {
  it('removes 0x03 after two zeros', () => {
    expect(removeEmulationPrevention(bytes(0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 0, 3))).toEqual(
      bytes(0x67, 0, 0, 1, 0, 0, 0, 0, 0),
    );
    expect(removeEmulationPrevention(bytes(0, 0, 3, 3))).toEqual(bytes(0, 0, 3));
    expect(removeEmulationPrevention(bytes(0, 0, 3, 0, 0, 3))).toEqual(bytes(0, 0, 0, 0));
  });

  it('returns the input itself when there is nothing to remove', () => {
    const nal = bytes(0x67, 0, 1, 3, 0, 2, 3);
    expect(removeEmulationPrevention(nal)).toBe(nal);
  });

  it('inserts 0x03 where a start code or 00 00 00..03 would appear', () => {
    expect(addEmulationPrevention(bytes(0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0))).toEqual(
      bytes(0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 2, 0, 0, 3),
    );
    const rbsp = Uint8Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 1 : 0));
    expect(removeEmulationPrevention(addEmulationPrevention(rbsp))).toEqual(rbsp);
  });
});

describe('NAL framing', () => {
  it('splits Annex B with 3- and 4-byte start codes and drops trailing zeros', () => {
    const stream = bytes(0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 4, 5, 0, 0);
    const nals = splitAnnexB(stream);
    expect(nals).toEqual([bytes(0x67, 1, 2), bytes(0x68, 3), bytes(0x65, 4, 5)]);
    expect(nals[0]!.buffer).toBe(stream.buffer);
    expect(splitAnnexB(bytes(1, 2, 3))).toEqual([]);
  });

  it('round-trips a real Annex B stream through length-prefixed form, for 1-4 byte lengths', () => {
    const stream = fixture('h264-baseline-640x360.h264');
    const nals = splitAnnexB(stream);
    for (const size of [2, 3, 4]) {
      const avcc = annexBToLengthPrefixed(stream, size);
      expect(splitLengthPrefixed(avcc, size)).toEqual(nals);
      expect(splitAnnexB(lengthPrefixedToAnnexB(avcc, size))).toEqual(nals);
    }
    // The fixture is written with 4-byte start codes only before parameter sets; re-framed it is exact.
    const annexB = lengthPrefixedToAnnexB(annexBToLengthPrefixed(stream), 4);
    expect(annexBToLengthPrefixed(annexB)).toEqual(annexBToLengthPrefixed(stream));
    expect(() => annexBToLengthPrefixed(bytes(0, 0, 1, ...new Uint8Array(300)), 1)).not.toThrow();
    expect(() => annexBToLengthPrefixed(bytes(0, 0, 1, ...new Uint8Array(300).fill(9)), 1)).toThrow(
      expect.objectContaining({ code: 'CODEC_TOO_LARGE' }),
    );
  });

  it('rejects a NAL length past the end and a cut length field with CodecError', () => {
    expect(() => splitLengthPrefixed(bytes(0, 0, 0, 5, 1, 2), 4)).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_LENGTH' }),
    );
    expect(() => splitLengthPrefixed(bytes(0, 0, 0, 1, 9, 0, 0), 4)).toThrow(
      expect.objectContaining({ code: 'CODEC_TRUNCATED' }),
    );
    expect(() => splitLengthPrefixed(bytes(1), 5)).toThrow(TypeError);
  });

  it('finds the IDR access unit and only it', () => {
    const nals = splitAnnexB(fixture('h264-baseline-640x360.h264'));
    expect(nals.map(h264NalType).filter((t) => t === H264NalType.IDR)).toHaveLength(1);
    const idrSample = annexBToLengthPrefixed(fixture('h264-baseline-640x360.h264'));
    expect(isH264Keyframe(idrSample, 4)).toBe(true);
    const nonIdr = nals.filter((n) => h264NalType(n) !== H264NalType.IDR);
    expect(nonIdr.length).toBeGreaterThan(5);
    expect(isH264Keyframe(joinLengthPrefixed(nonIdr, 4), 4)).toBe(false);
    expect(isH264Keyframe(joinLengthPrefixed(nonIdr, 2), 2)).toBe(false);
    expect(isH264Keyframe(joinAnnexB(nals), 0)).toBe(true);
  });
});
