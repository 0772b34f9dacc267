import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AmfError,
  amfTruncated,
  ByteReader,
  ByteWriter,
  LivegoError,
  utf8ByteLength,
  utf8Decode,
  utf8Encode,
} from '../src/index.js';
import { amfDiff, hex, toHex } from './helpers.js';

describe('ByteReader', () => {
  it('reads big-endian integers, floats and the little-endian u32', () => {
    const r = new ByteReader(
      hex(
        'ff 80 00 12 34 ff fe 01 02 03 80 00 00 00 00 00 00 00 01 ff ff ff ff 78 56 34 12 3f f8 00 00 00 00 00 00',
      ),
    );
    expect(r.u8()).toBe(0xff);
    expect(r.i8()).toBe(-128);
    expect(r.u16()).toBe(0x0012);
    expect(r.u8()).toBe(0x34);
    expect(r.i16()).toBe(-2);
    expect(r.u24()).toBe(0x010203);
    expect(r.i24()).toBe(-0x800000);
    expect(r.u24()).toBe(0);
    expect(r.u32()).toBe(0x000001ff);
    expect(r.i24()).toBe(-1);
    expect(r.u32le()).toBe(0x12345678);
    expect(r.f64()).toBe(1.5);
    expect(r.remaining).toBe(0);
  });

  it('reads i32 and u32 at their extremes', () => {
    const r = new ByteReader(hex('80 00 00 00 ff ff ff ff'));
    expect(r.i32()).toBe(-0x80000000);
    r.pos = 4;
    expect(r.u32()).toBe(0xffffffff);
  });

  it('returns views from bytes() and rest(), not copies', () => {
    const data = hex('01 02 03 04');
    const r = new ByteReader(data);
    r.skip(1);
    const b = r.bytes(2);
    expect(toHex(b)).toBe('02 03');
    data[1] = 0x99;
    expect(b[0]).toBe(0x99);
    expect(toHex(r.rest())).toBe('04');
    expect(r.remaining).toBe(0);
    expect(r.rest().length).toBe(0);
  });

  it('works on a subarray with a non-zero byteOffset', () => {
    const big = hex('00 00 00 12 34');
    const r = new ByteReader(big.subarray(3));
    expect(r.u16()).toBe(0x1234);
  });

  it('throws a LivegoError TRUNCATED with absolute offset and field, never a RangeError', () => {
    const r = new ByteReader(hex('01 02'), { baseOffset: 1000 });
    r.u8();
    let caught: unknown;
    try {
      r.u32('size');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LivegoError);
    const e = caught as LivegoError;
    expect(e.code).toBe('TRUNCATED');
    expect(e.offset).toBe(1001);
    expect(e.field).toBe('size');
    expect(e.message).toBe('needed 4 bytes for size at offset 1001, only 1 left');
    // The failed read does not move the cursor.
    expect(r.pos).toBe(1);
    expect(r.offset).toBe(1001);
  });

  it('uses a custom truncation factory', () => {
    const r = new ByteReader(new Uint8Array(0), { truncated: amfTruncated });
    expect(() => r.f64()).toThrow(AmfError);
    try {
      r.skip(3, 'x');
    } catch (e) {
      expect((e as AmfError).code).toBe('AMF_TRUNCATED');
    }
  });

  it('every read past the end throws the truncation error (property)', () => {
    const reads = ['u8', 'i8', 'u16', 'i16', 'u24', 'i24', 'u32', 'i32', 'u32le', 'f64'] as const;
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 12 }),
        fc.array(fc.constantFrom(...reads), { maxLength: 8 }),
        (data, ops) => {
          const r = new ByteReader(data);
          for (const op of ops) {
            try {
              r[op]();
            } catch (e) {
              expect(e).toBeInstanceOf(LivegoError);
              expect((e as LivegoError).code).toBe('TRUNCATED');
              return;
            }
          }
          expect(r.pos).toBeLessThanOrEqual(data.length);
        },
      ),
    );
  });
});

describe('ByteWriter', () => {
  it('writes every width big-endian and grows past its initial capacity', () => {
    const w = new ByteWriter(1);
    w.u8(0xab).u16(0x1234).i16(-2).u24(0x010203).i24(-1).u32(0xdeadbeef).i32(-1).u32le(0x12345678).f64(1.5);
    for (let i = 0; i < 40; i++) w.u8(i);
    const out = w.finish();
    expect(toHex(out.subarray(0, 31))).toBe(
      'ab 12 34 ff fe 01 02 03 ff ff ff de ad be ef ff ff ff ff 78 56 34 12 3f f8 00 00 00 00 00 00',
    );
    expect(out.length).toBe(31 + 40);
    expect(out[70]).toBe(39);
  });

  it('patches a u32 written earlier', () => {
    const w = new ByteWriter();
    w.u32(0).u8(7);
    w.setU32At(0, 5);
    expect(toHex(w.finish())).toBe('00 00 00 05 07');
  });

  it('written() is a view, finish() is a copy, reset() starts over', () => {
    const w = new ByteWriter();
    w.u8(1);
    const view = w.written();
    const copy = w.finish();
    w.reset();
    w.u8(2);
    expect(view[0]).toBe(2);
    expect(copy[0]).toBe(1);
    expect(w.pos).toBe(1);
  });

  it('utf8() writes what TextEncoder writes and returns its byte count', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const w = new ByteWriter(16);
        w.u8(0xee);
        const n = w.utf8(s);
        expect(toHex(w.finish())).toBe(toHex(new Uint8Array([0xee, ...utf8Encode(s)])));
        expect(n).toBe(utf8ByteLength(s));
      }),
    );
  });

  it('round-trips through ByteReader (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: -0x800000, max: 0x7fffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.double(),
        (a, b, c, d) => {
          const w = new ByteWriter(16);
          w.u16(a).i24(b).u32(c).u32le(c).f64(d);
          const r = new ByteReader(w.finish());
          expect(r.u16()).toBe(a);
          expect(r.i24()).toBe(b);
          expect(r.u32()).toBe(c);
          expect(r.u32le()).toBe(c);
          expect(Object.is(r.f64(), d)).toBe(true);
        },
      ),
    );
  });
});

describe('utf8 helpers', () => {
  it('utf8ByteLength matches TextEncoder, lone surrogates included', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
        (s) => {
          expect(utf8ByteLength(s)).toBe(utf8Encode(s).length);
        },
      ),
    );
    expect(utf8ByteLength('\ud800')).toBe(3);
    expect(utf8ByteLength('😀')).toBe(4);
  });

  it('keeps a leading U+FEFF instead of stripping it as a BOM', () => {
    expect(utf8Decode(utf8Encode('\ufeffx'))).toBe('\ufeffx');
  });
});

describe('the strict equality used by the property tests', () => {
  it('tells apart what toEqual would not', () => {
    expect(amfDiff({ a: 1, b: 2 }, { a: 1, b: 2 })).toBeNull();
    expect(amfDiff({ a: 1, b: 2 }, { b: 2, a: 1 })).not.toBeNull();
    expect(amfDiff(0, -0)).not.toBeNull();
    expect(amfDiff(Number.NaN, Number.NaN)).toBeNull();
    expect(amfDiff({ a: undefined }, {})).not.toBeNull();
    expect(amfDiff({ [Symbol.for('m')]: true }, {})).not.toBeNull();
    expect(amfDiff(new Date(1), new Date(2))).not.toBeNull();
    expect(amfDiff(new Uint8Array([1]), new Uint8Array([2]))).not.toBeNull();
    expect(amfDiff(new Map([[1, 2]]), new Map([[1, 3]]))).not.toBeNull();
    expect(amfDiff([1], { 0: 1 })).not.toBeNull();
  });
});
