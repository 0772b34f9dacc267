import { describe, expect, it } from 'vitest';
import {
  AMF_ECMA_ARRAY,
  Amf0Reader,
  AmfDictionary,
  ByteReader,
  DEFAULT_MAX_ELEMENTS,
  decodeAmf0,
  decodeAmf0Sequence,
  decodeAmf3,
  ecmaArray,
  encodeAmf0,
  encodeAmf0Sequence,
  encodeAmf3,
} from '../src/index.js';
import { expectAmfError, hex } from './helpers.js';

/** An AMF0 object with `n` number properties p0..p(n-1). */
function object(n: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]));
}

describe('maxElements (values inside containers, per decode call)', () => {
  it('defaults to 65536 and counts object properties and array items', () => {
    expect(DEFAULT_MAX_ELEMENTS).toBe(65536);
    // 2 items of the outer array + 10 properties + 65524 nulls.
    const ok = encodeAmf0([object(10), Array.from({ length: 65524 }, () => null)]);
    expect((decodeAmf0(ok) as unknown[]).length).toBe(2);
    const over = encodeAmf0([object(11), Array.from({ length: 65524 }, () => null)]);
    const e = expectAmfError(() => decodeAmf0(over), 'AMF_TOO_MANY_ELEMENTS');
    expect(e.message).toContain('maxElements');
    expect(e.message).toContain('65536');
  });

  it('counts across the values of one sequence (an RTMP message body)', () => {
    const body = encodeAmf0Sequence(['onMetaData', object(3), object(3)]);
    expect(decodeAmf0Sequence(body, { maxElements: 6 })).toHaveLength(3);
    const e = expectAmfError(() => decodeAmf0Sequence(body, { maxElements: 5 }), 'AMF_TOO_MANY_ELEMENTS');
    // The sixth element is 'p2' of the second object (each property: 2+2 name, 1+8 number).
    const second = body.length - (1 + 3 * 13 + 3);
    expect(e.offset).toBe(second + 1 + 2 * 13 + 4);
    expect(e.field).toBe('AMF0 property');
  });

  it('counts ECMA array entries, and ignores its declared count (never sized by it)', () => {
    const meta = encodeAmf0(ecmaArray(object(2)));
    // Declared count 0xffffffff, two entries: the entries decide.
    meta.set([0xff, 0xff, 0xff, 0xff], 1);
    expect(decodeAmf0(meta)).toEqual({ [AMF_ECMA_ARRAY]: true, p0: 0, p1: 1 });
    expectAmfError(() => decodeAmf0(meta, { maxElements: 1 }), 'AMF_TOO_MANY_ELEMENTS');
  });

  it('refuses a declared strict-array count over what is left before reading any item', () => {
    const items = new Uint8Array(5 + 70000).fill(0x05);
    items.set([0x0a, 0x00, 0x01, 0x11, 0x70], 0); // strict array of 70000 nulls
    const e = expectAmfError(() => decodeAmf0(items), 'AMF_TOO_MANY_ELEMENTS');
    expect(e.offset).toBe(0);
    expect(e.message).toContain('declares 70000 elements');
    // 2^32-1 declared: refused by its count, never allocated for.
    expectAmfError(() => decodeAmf0(hex('0a ff ff ff ff 05')), 'AMF_TOO_LARGE');
    expectAmfError(
      () => decodeAmf0(hex('0a ff ff ff ff 05'), { maxLength: 0xffffffff, maxElements: 0xffffffff }),
      'AMF_TRUNCATED',
    );
  });

  it('shares one count between AMF0 and the AMF3 value of an AVM+ switch', () => {
    // AMF0 object with 3 properties, then 0x11 + AMF3 dense array of 3.
    const body = Uint8Array.from([...encodeAmf0(object(3)), 0x11, ...encodeAmf3([1, 2, 3])]);
    expect(decodeAmf0Sequence(body, { maxElements: 6 })).toHaveLength(2);
    const e = expectAmfError(() => decodeAmf0Sequence(body, { maxElements: 5 }), 'AMF_TOO_MANY_ELEMENTS');
    expect(e.field).toBe('AMF3 array');
  });

  it('counts AMF3 arrays, objects, vectors and dictionaries', () => {
    expectAmfError(() => decodeAmf3(encodeAmf3([1, 2, 3]), { maxElements: 2 }), 'AMF_TOO_MANY_ELEMENTS');
    expectAmfError(() => decodeAmf3(encodeAmf3(object(3)), { maxElements: 2 }), 'AMF_TOO_MANY_ELEMENTS');
    expectAmfError(
      () => decodeAmf3(encodeAmf3(ecmaArray(object(3))), { maxElements: 2 }),
      'AMF_TOO_MANY_ELEMENTS',
    );
    expectAmfError(
      () =>
        decodeAmf3(
          encodeAmf3(
            new AmfDictionary([
              [1, 2],
              [3, 4],
              [5, 6],
            ]),
          ),
          { maxElements: 2 },
        ),
      'AMF_TOO_MANY_ELEMENTS',
    );
    // Vector.<int> of 3: marker, U29 (3 << 1 | 1), fixed flag, 3 x 4 bytes.
    const vec = hex('0d 07 00 00000001 00000002 00000003');
    expect(() => decodeAmf3(vec, { maxElements: 3 })).not.toThrow();
    const e = expectAmfError(() => decodeAmf3(vec, { maxElements: 2 }), 'AMF_TOO_MANY_ELEMENTS');
    expect(e.offset).toBe(0);
  });

  it('does not count a reference again', () => {
    const shared = object(3);
    const body = encodeAmf0([shared, shared, shared], { references: true });
    expect(decodeAmf0(body, { maxElements: 6 })).toHaveLength(3);
  });

  it('starts a new count at reset()', () => {
    const body = encodeAmf0(object(3));
    const reader = new Amf0Reader(new ByteReader(Uint8Array.from([...body, ...body])), { maxElements: 3 });
    reader.readValue();
    reader.reset();
    expect(reader.readValue()).toEqual(object(3));
  });
});
