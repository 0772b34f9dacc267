import { describe, expect, it } from 'vitest';
import {
  AMF_CLASS_NAME,
  AMF_DATE_TIMEZONE,
  AMF_ECMA_ARRAY,
  AMF_UNSUPPORTED,
  Amf0Reader,
  Amf0Writer,
  type AmfDate,
  AmfDictionary,
  type AmfObject,
  type AmfValue,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
  amfDate,
  ByteReader,
  ByteWriter,
  decodeAmf0,
  decodeAmf0Sequence,
  ecmaArray,
  encodeAmf0,
  encodeAmf0Sequence,
  LivegoError,
  typedObject,
} from '../src/index.js';
import { describeGolden, expectAmfError, hex, toHex } from './helpers.js';

const ONE = '3f f0 00 00 00 00 00 00';
const TWO = '40 00 00 00 00 00 00 00';

// Each row: a value and its hand-checked AMF0 bytes (AMF0 spec §2). Both directions are asserted.
const golden: [string, AmfValue, string][] = [
  ['number 1.5', 1.5, '00 3f f8 00 00 00 00 00 00'],
  ['number -0', -0, '00 80 00 00 00 00 00 00 00'],
  ['boolean true', true, '01 01'],
  ['boolean false', false, '01 00'],
  ['string', 'hi', '02 00 02 68 69'],
  ['empty string', '', '02 00 00'],
  ['UTF-8 string', 'é', '02 00 02 c3 a9'],
  ['object', { a: 1 }, `03 00 01 61 00 ${ONE} 00 00 09`],
  ['empty object', {}, '03 00 00 09'],
  ['null', null, '05'],
  ['undefined', undefined, '06'],
  ['ECMA array', ecmaArray({ w: 2 }), `08 00 00 00 01 00 01 77 00 ${TWO} 00 00 09`],
  ['strict array', [1, 'a'], `0a 00 00 00 02 00 ${ONE} 02 00 01 61`],
  ['date', new Date(0), '0b 00 00 00 00 00 00 00 00 00 00'],
  ['date with time zone', amfDate(new Date(1000), -60), '0b 40 8f 40 00 00 00 00 00 ff c4'],
  ['unsupported', AMF_UNSUPPORTED, '0d'],
  ['XML document', new AmfXmlDocument('<a/>'), '0f 00 00 00 04 3c 61 2f 3e'],
  ['typed object', typedObject('Foo', { x: 1 }), `10 00 03 46 6f 6f 00 01 78 00 ${ONE} 00 00 09`],
  ['byte array via AVM+ switch', new Uint8Array([1, 2]), '11 0c 05 01 02'],
  ['E4X XML via AVM+ switch', new AmfXml('<a/>'), '11 0b 09 3c 61 2f 3e'],
  ['vector via AVM+ switch', new AmfVector('int', [1]), '11 0d 03 00 00 00 00 01'],
  ['dictionary via AVM+ switch', new AmfDictionary([['k', 1]]), '11 11 03 00 06 03 6b 04 01'],
];

describeGolden('AMF0 golden bytes', golden, encodeAmf0, decodeAmf0, () => {
  it('writes a long string (0x0C) when the UTF-8 form exceeds 65535 bytes', () => {
    const s = 'x'.repeat(65536);
    const bytes = encodeAmf0(s);
    expect(toHex(bytes.subarray(0, 5))).toBe('0c 00 01 00 00');
    expect(bytes.length).toBe(5 + 65536);
    expect(decodeAmf0(bytes)).toBe(s);
    // 65535 bytes still fits the short form.
    expect(encodeAmf0('x'.repeat(65535))[0]).toBe(0x02);
    // The limit counts UTF-8 bytes, not UTF-16 units: 21846 × 'é' is 43692 bytes (short), 32768 is 65536 (long).
    expect(encodeAmf0('é'.repeat(32768))[0]).toBe(0x0c);
  });

  it('decodes a long string marker with a short payload', () => {
    expect(decodeAmf0(hex('0c 00 00 00 02 68 69'))).toBe('hi');
  });

  it('keeps the date time-zone field and exposes it under AMF_DATE_TIMEZONE', () => {
    const d = decodeAmf0(hex('0b 40 8f 40 00 00 00 00 00 ff c4')) as AmfDate;
    expect(d.getTime()).toBe(1000);
    expect(d[AMF_DATE_TIMEZONE]).toBe(-60);
    expect(toHex(encodeAmf0(d))).toBe('0b 40 8f 40 00 00 00 00 00 ff c4');
  });

  it('reads booleans other than 0 as true', () => {
    expect(decodeAmf0(hex('01 02'))).toBe(true);
  });

  it('marks an ECMA array and a typed object with symbols that property access ignores', () => {
    const meta = decodeAmf0(hex(`08 00 00 00 01 00 01 77 00 ${TWO} 00 00 09`)) as AmfObject;
    expect(meta.w).toBe(2);
    expect(meta[AMF_ECMA_ARRAY]).toBe(true);
    expect(Object.keys(meta)).toEqual(['w']);
    expect(JSON.stringify(meta)).toBe('{"w":2}');
    const typed = decodeAmf0(hex('10 00 03 46 6f 6f 00 00 09')) as AmfObject;
    expect(typed[AMF_CLASS_NAME]).toBe('Foo');
  });

  it('ignores a wrong ECMA array count and reads to the end marker', () => {
    const v = decodeAmf0(hex(`08 ff ff ff ff 00 01 77 00 ${TWO} 00 00 09`));
    expect(v).toStrictEqual(ecmaArray({ w: 2 }));
  });

  it('preserves key order, and an own "__proto__" key stays a key', () => {
    const v = decodeAmf0(
      hex(`03 00 01 62 00 ${ONE} 00 09 5f 5f 70 72 6f 74 6f 5f 5f 00 ${TWO} 00 01 61 05 00 00 09`),
    );
    expect(Object.keys(v as object)).toEqual(['b', '__proto__', 'a']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(toHex(encodeAmf0(v))).toBe(
      toHex(hex(`03 00 01 62 00 ${ONE} 00 09 5f 5f 70 72 6f 74 6f 5f 5f 00 ${TWO} 00 01 61 05 00 00 09`)),
    );
  });

  it('reads an empty property name that is followed by a value, not by 0x09', () => {
    expect(decodeAmf0(hex('03 00 00 05 00 00 09'))).toStrictEqual({ '': null });
    expect(toHex(encodeAmf0({ '': null }))).toBe('03 00 00 05 00 00 09');
  });
});

describe('AMF0 references (0x07)', () => {
  it('resolves a reference to the same earlier object', () => {
    // [o, o] where o = {a: 1}: the array is object 0, o is object 1.
    const v = decodeAmf0(hex(`0a 00 00 00 02 03 00 01 61 00 ${ONE} 00 00 09 07 00 01`)) as AmfValue[];
    expect(v[0]).toStrictEqual({ a: 1 });
    expect(v[1]).toBe(v[0]);
  });

  it('writes references when asked, and then encodes cycles', () => {
    const o = { a: 1 };
    expect(toHex(encodeAmf0([o, o], { references: true }))).toBe(
      toHex(hex(`0a 00 00 00 02 03 00 01 61 00 ${ONE} 00 00 09 07 00 01`)),
    );
    const cyclic: AmfObject = { name: 'x' };
    cyclic.self = cyclic;
    const back = decodeAmf0(encodeAmf0(cyclic, { references: true })) as AmfObject;
    expect(back.self).toBe(back);
    expect(back.name).toBe('x');
  });

  it('writes a repeated object in full by default (peers like ffmpeg do not read references)', () => {
    const o = { a: 1 };
    const v = decodeAmf0(encodeAmf0([o, o])) as AmfValue[];
    expect(v).toStrictEqual([{ a: 1 }, { a: 1 }]);
    expect(v[0]).not.toBe(v[1]);
  });

  it('refuses a cycle without references instead of recursing forever', () => {
    const cyclic: AmfObject = {};
    cyclic.self = cyclic;
    expectAmfError(() => encodeAmf0(cyclic), 'AMF_UNENCODABLE');
    const arr: AmfValue[] = [];
    arr.push(arr);
    expectAmfError(() => encodeAmf0(arr), 'AMF_UNENCODABLE');
  });

  it('rejects a reference to an object not yet seen', () => {
    const e = expectAmfError(() => decodeAmf0(hex('0a 00 00 00 01 07 00 05')), 'AMF_BAD_REFERENCE');
    expect(e.offset).toBe(5);
  });

  it('shares the reference table across the values of one sequence', () => {
    const seq = decodeAmf0Sequence(hex(`03 00 01 61 00 ${ONE} 00 00 09 07 00 00`));
    expect(seq[1]).toBe(seq[0]);
  });
});

describe('AMF0 AVM+ switch (0x11)', () => {
  it('decodes the next value as AMF3 with fresh tables per switch', () => {
    // Two switched strings "ab": the second switch cannot reference the first one's string table.
    expect(decodeAmf0Sequence(hex('11 06 05 61 62 11 06 05 61 62'))).toEqual(['ab', 'ab']);
    expectAmfError(() => decodeAmf0Sequence(hex('11 06 05 61 62 11 06 00')), 'AMF_BAD_REFERENCE');
  });

  it('can carry any AMF3 value inside an AMF0 object', () => {
    const v = decodeAmf0(hex('03 00 01 62 11 04 81 00 00 00 09'));
    expect(v).toStrictEqual({ b: 128 });
  });
});

describe('AMF0 errors', () => {
  it('reports an object-end marker outside an object', () => {
    const e = expectAmfError(() => decodeAmf0(hex('09')), 'AMF_UNEXPECTED_OBJECT_END');
    expect(e.offset).toBe(0);
    expectAmfError(() => decodeAmf0(hex('0a 00 00 00 01 09')), 'AMF_UNEXPECTED_OBJECT_END');
  });

  it('reports unknown and reserved markers with their offset', () => {
    for (const m of ['04', '0e', '12', 'ff']) {
      const e = expectAmfError(() => decodeAmf0Sequence(hex(`05 ${m}`)), 'AMF_UNKNOWN_MARKER');
      expect(e.offset).toBe(1);
    }
  });

  it('reports a length beyond the input as truncation, without allocating for it', () => {
    const e = expectAmfError(() => decodeAmf0(hex('02 00 10 61')), 'AMF_TRUNCATED');
    expect(e.offset).toBe(3);
    expectAmfError(() => decodeAmf0(hex('0a 00 00 10 00 05')), 'AMF_TRUNCATED');
    expectAmfError(() => decodeAmf0(hex('0a ff ff ff f0 05')), 'AMF_TOO_LARGE');
    expectAmfError(() => decodeAmf0(hex('0c ff ff ff ff')), 'AMF_TOO_LARGE');
    expectAmfError(() => decodeAmf0(hex('0f 7f ff ff ff')), 'AMF_TOO_LARGE');
  });

  it('applies maxLength to strings and array counts', () => {
    expectAmfError(() => decodeAmf0(hex('02 00 03 61 62 63'), { maxLength: 2 }), 'AMF_TOO_LARGE');
    expectAmfError(() => decodeAmf0(hex('0a 00 00 00 03 05 05 05'), { maxLength: 2 }), 'AMF_TOO_LARGE');
    expect(decodeAmf0(hex('0a 00 00 00 02 05 05'), { maxLength: 2 })).toEqual([null, null]);
  });

  it('stops nesting at maxDepth', () => {
    const nested = (n: number) => hex(`${'0a 00 00 00 01 '.repeat(n)}05`);
    expect(() => decodeAmf0(nested(64))).not.toThrow();
    const e = expectAmfError(() => decodeAmf0(nested(65)), 'AMF_TOO_DEEP');
    expect(e.offset).toBe(64 * 5);
    expectAmfError(() => decodeAmf0(nested(4), { maxDepth: 3 }), 'AMF_TOO_DEEP');
    // Deep input far past the JS stack limit is still only an AmfError.
    expectAmfError(() => decodeAmf0(nested(100_000)), 'AMF_TOO_DEEP');
  });

  it('refuses to encode deeper than maxDepth', () => {
    let v: AmfValue = null;
    for (let i = 0; i < 65; i++) v = [v];
    expectAmfError(() => encodeAmf0(v), 'AMF_TOO_DEEP');
    expect(decodeAmf0(encodeAmf0(v, { maxDepth: 65 }), { maxDepth: 65 })).toStrictEqual(v);
  });

  it('reports trailing bytes after a single value', () => {
    const e = expectAmfError(() => decodeAmf0(hex('05 05')), 'AMF_TRAILING_DATA');
    expect(e.offset).toBe(1);
  });

  it('refuses values AMF0 cannot carry', () => {
    expectAmfError(() => encodeAmf0((() => 1) as unknown as AmfValue), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf0(10n as unknown as AmfValue), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf0(new Int16Array(2) as unknown as AmfValue), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf0({ ['k'.repeat(65536)]: 1 }), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf0(amfDate(new Date(0), 40000)), 'AMF_UNENCODABLE');
  });
});

describe('Amf0Reader / Amf0Writer inside a larger structure', () => {
  it('reads AMF0 from the middle of a buffer and reports absolute offsets', () => {
    const data = hex('aa bb 02 00 02 68 69 05 cc');
    const r = new ByteReader(data, { baseOffset: 100 });
    r.skip(2);
    const amf = new Amf0Reader(r);
    expect(amf.readValue()).toBe('hi');
    expect(amf.readValue()).toBeNull();
    expect(r.u8()).toBe(0xcc);
    const bad = new ByteReader(hex('aa 12'), { baseOffset: 100 });
    bad.skip(1);
    const e = expectAmfError(() => new Amf0Reader(bad).readValue(), 'AMF_UNKNOWN_MARKER');
    expect(e.offset).toBe(101);
  });

  it("throws the embedding reader's own truncation error, so the outer parser's code is reported", () => {
    const r = new ByteReader(hex('02 00 05 61'), {
      truncated: (message, offset) => new LivegoError('FLV_TRUNCATED', message, { offset }),
    });
    let caught: unknown;
    try {
      new Amf0Reader(r).readValue();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LivegoError);
    expect((caught as LivegoError).code).toBe('FLV_TRUNCATED');
    expect((caught as LivegoError).offset).toBe(3);
  });

  it('writes AMF0 after other bytes', () => {
    const w = new ByteWriter();
    w.u8(0x12);
    const amf = new Amf0Writer(w);
    amf.writeValue('onMetaData');
    amf.writeValue(null);
    expect(toHex(w.finish())).toBe('12 02 00 0a 6f 6e 4d 65 74 61 44 61 74 61 05');
  });

  it('encodes and decodes sequences', () => {
    const values: AmfValue[] = ['connect', 1, { app: 'live' }, null];
    const bytes = encodeAmf0Sequence(values);
    expect(decodeAmf0Sequence(bytes)).toStrictEqual(values);
    expect(decodeAmf0Sequence(new Uint8Array(0))).toEqual([]);
  });
});
