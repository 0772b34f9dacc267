import { describe, expect, it } from 'vitest';
import {
  AMF_UNSUPPORTED,
  Amf3Reader,
  Amf3Writer,
  AmfDictionary,
  type AmfObject,
  type AmfValue,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
  ByteReader,
  ByteWriter,
  decodeAmf3,
  decodeAmf3Sequence,
  ecmaArray,
  encodeAmf3,
  encodeAmf3Sequence,
  typedObject,
} from '../src/index.js';
import { describeGolden, expectAmfError, hex, toHex } from './helpers.js';

// Each row: a value and its hand-checked AMF3 bytes (AMF3 spec §1.3.1 U29, §3). Both directions.
const golden: [string, AmfValue, string][] = [
  ['undefined', undefined, '00'],
  ['null', null, '01'],
  ['false', false, '02'],
  ['true', true, '03'],
  ['integer 0', 0, '04 00'],
  ['integer 127 (1-byte U29)', 127, '04 7f'],
  ['integer 128 (2-byte U29)', 128, '04 81 00'],
  ['integer 16383', 16383, '04 ff 7f'],
  ['integer 16384 (3-byte U29)', 16384, '04 81 80 00'],
  ['integer 2^21-1', 2097151, '04 ff ff 7f'],
  ['integer 2^21 (4-byte U29)', 2097152, '04 80 c0 80 00'],
  ['integer 2^28-1 (largest)', 268435455, '04 bf ff ff ff'],
  ['integer -1', -1, '04 ff ff ff ff'],
  ['integer -2^28 (smallest)', -268435456, '04 c0 80 80 00'],
  ['double 2^28 (outside U29)', 268435456, '05 41 b0 00 00 00 00 00 00'],
  ['double -2^28-1', -268435457, '05 c1 b0 00 00 01 00 00 00'],
  ['double 1.5', 1.5, '05 3f f8 00 00 00 00 00 00'],
  ['double -0', -0, '05 80 00 00 00 00 00 00 00'],
  ['string', 'hi', '06 05 68 69'],
  ['empty string', '', '06 01'],
  ['XML document', new AmfXmlDocument('<a/>'), '07 09 3c 61 2f 3e'],
  ['date', new Date(0), '08 01 00 00 00 00 00 00 00 00'],
  ['dense array', [1, 2], '09 05 01 04 01 04 02'],
  ['associative array', ecmaArray({ a: 1 }), '09 01 03 61 04 01 01'],
  ['anonymous object', { a: 1 }, '0a 0b 01 03 61 04 01 01'],
  ['typed object', typedObject('Foo', { x: 1 }), '0a 13 07 46 6f 6f 03 78 04 01'],
  ['E4X XML', new AmfXml('<a/>'), '0b 09 3c 61 2f 3e'],
  ['byte array', new Uint8Array([1, 2]), '0c 05 01 02'],
  ['Vector.<int>', new AmfVector('int', [1, -1]), '0d 05 00 00 00 00 01 ff ff ff ff'],
  ['Vector.<uint>', new AmfVector('uint', [4294967295]), '0e 03 00 ff ff ff ff'],
  ['fixed Vector.<Number>', new AmfVector('double', [1.5], true), '0f 03 01 3f f8 00 00 00 00 00 00'],
  ['Vector.<Object>', new AmfVector('object', ['a'], false, ''), '10 03 00 01 06 03 61'],
  ['typed Vector.<Foo>', new AmfVector('object', [null], false, 'Foo'), '10 03 00 07 46 6f 6f 01'],
  ['dictionary', new AmfDictionary([['k', 1]]), '11 03 00 06 03 6b 04 01'],
  ['weak-keyed dictionary', new AmfDictionary([[1, true]], true), '11 03 01 04 01 03'],
];

describeGolden('AMF3 golden bytes', golden, encodeAmf3, decodeAmf3);

describe('AMF3 reference tables', () => {
  it('writes a repeated string as a string reference', () => {
    expect(toHex(encodeAmf3Sequence(['hi', 'hi', '']))).toBe('06 05 68 69 06 00 06 01');
    expect(decodeAmf3Sequence(hex('06 05 68 69 06 00'))).toEqual(['hi', 'hi']);
  });

  it('shares strings between values, keys and class names', () => {
    const bytes = encodeAmf3({ a: 'a' });
    expect(toHex(bytes)).toBe('0a 0b 01 03 61 06 00 01');
  });

  it('writes the same object twice as an object reference and decodes it to the same object', () => {
    const o = {};
    const bytes = encodeAmf3([o, o]);
    // array = object 0, o = object 1 → reference U29 (1 << 1) = 02.
    expect(toHex(bytes)).toBe('09 05 01 0a 0b 01 01 0a 02');
    const back = decodeAmf3(bytes) as AmfValue[];
    expect(back[1]).toBe(back[0]);
  });

  it('writes repeated traits as a traits reference', () => {
    expect(toHex(encodeAmf3([{ a: 1 }, { b: 2 }]))).toBe(
      '09 05 01 0a 0b 01 03 61 04 01 01 0a 01 03 62 04 02 01',
    );
    const typed = [typedObject('P', { x: 1 }), typedObject('P', { x: 2 })];
    const bytes = encodeAmf3(typed);
    expect(toHex(bytes)).toBe('09 05 01 0a 13 03 50 03 78 04 01 0a 01 04 02');
    expect(decodeAmf3(bytes)).toStrictEqual(typed);
  });

  it('encodes cycles through references', () => {
    const o: AmfObject = { n: 1 };
    o.self = o;
    const back = decodeAmf3(encodeAmf3(o)) as AmfObject;
    expect(back.self).toBe(back);
    const d = new AmfDictionary();
    d.set('me', d);
    const dBack = decodeAmf3(encodeAmf3(d)) as AmfDictionary;
    expect(dBack.get('me')).toBe(dBack);
  });

  it('references dates, byte arrays and XML by identity', () => {
    const date = new Date(5);
    const bytes = new Uint8Array([9]);
    const back = decodeAmf3(encodeAmf3([date, date, bytes, bytes])) as AmfValue[];
    expect(back[1]).toBe(back[0]);
    expect(back[3]).toBe(back[2]);
    expect(back[0]).toEqual(date);
  });

  it('decodes sealed plus dynamic members into one object', () => {
    // traits: sealed count 1, dynamic (0b1011 | 1<<4 = 0x1b), class "" ; sealed "a"=1 ; dynamic "b"=2
    expect(decodeAmf3(hex('0a 1b 01 03 61 04 01 03 62 04 02 01'))).toStrictEqual({ a: 1, b: 2 });
  });

  it('decodes a mixed array into an ECMA-array object with dense items under "0", "1", ...', () => {
    // dense count 1, assoc "k" = true, end, dense [5]
    expect(decodeAmf3(hex('09 03 03 6b 03 01 04 05'))).toStrictEqual(ecmaArray({ k: true, 0: 5 }));
  });

  it('writes an anonymous object with a "" key as sealed members (a dynamic "" would end the list)', () => {
    const bytes = encodeAmf3({ '': 1 });
    expect(toHex(bytes)).toBe('0a 13 01 01 04 01');
    expect(decodeAmf3(bytes)).toStrictEqual({ '': 1 });
  });

  it('keeps the tables of a sequence in one Amf3Reader, and reset() forgets them', () => {
    const r = new Amf3Reader(new ByteReader(hex('06 05 68 69 06 00 06 00')));
    expect(r.readValue()).toBe('hi');
    expect(r.readValue()).toBe('hi');
    r.reset();
    expectAmfError(() => r.readValue(), 'AMF_BAD_REFERENCE');
  });

  it('Amf3Writer writes after other bytes', () => {
    const w = new ByteWriter();
    w.u8(0xee);
    new Amf3Writer(w).writeValue('x');
    expect(toHex(w.finish())).toBe('ee 06 03 78');
  });
});

describe('AMF3 errors', () => {
  it('names the class of an externalizable object', () => {
    const e = expectAmfError(() => decodeAmf3(hex('0a 07 07 46 6f 6f')), 'AMF_EXTERNALIZABLE');
    expect(e.message).toContain("'Foo'");
    expect(e.field).toBe('Foo');
    expectAmfError(
      () =>
        decodeAmf3(
          hex(
            '0a 07 43 66 6c 65 78 2e 6d 65 73 73 61 67 69 6e 67 2e 69 6f 2e 41 72 72 61 79 43 6f 6c 6c 65 63 74 69 6f 6e 09 01 01',
          ),
        ),
      'AMF_EXTERNALIZABLE',
    );
  });

  it('rejects out-of-range string, object and traits references with their offset', () => {
    expect(expectAmfError(() => decodeAmf3(hex('06 02')), 'AMF_BAD_REFERENCE').offset).toBe(1);
    expect(expectAmfError(() => decodeAmf3(hex('09 05 01 0a 04')), 'AMF_BAD_REFERENCE').offset).toBe(3);
    expect(expectAmfError(() => decodeAmf3(hex('0a 05')), 'AMF_BAD_REFERENCE').offset).toBe(0);
    expectAmfError(() => decodeAmf3(hex('08 00')), 'AMF_BAD_REFERENCE');
  });

  it('rejects unknown markers', () => {
    for (const m of ['12', '80', 'ff']) {
      expect(expectAmfError(() => decodeAmf3Sequence(hex(`01 ${m}`)), 'AMF_UNKNOWN_MARKER').offset).toBe(1);
    }
  });

  it('reports counts and lengths the input cannot hold, or beyond maxLength', () => {
    expectAmfError(() => decodeAmf3(hex('0c 21 00')), 'AMF_TRUNCATED');
    expectAmfError(() => decodeAmf3(hex('0d 21 00 00 00 00 01')), 'AMF_TRUNCATED');
    expectAmfError(() => decodeAmf3(hex('09 bf ff ff ff 01')), 'AMF_TOO_LARGE');
    expectAmfError(() => decodeAmf3(hex('06 07 61 62 63'), { maxLength: 2 }), 'AMF_TOO_LARGE');
    expectAmfError(() => decodeAmf3(hex('11 bf ff ff ff 00')), 'AMF_TOO_LARGE');
  });

  it('stops nesting at maxDepth', () => {
    const nested = (n: number) => hex(`${'09 03 01 '.repeat(n)}01`);
    expect(() => decodeAmf3(nested(64))).not.toThrow();
    expectAmfError(() => decodeAmf3(nested(65)), 'AMF_TOO_DEEP');
    expectAmfError(() => decodeAmf3(nested(100_000)), 'AMF_TOO_DEEP');
  });

  it('refuses values AMF3 cannot carry', () => {
    expectAmfError(() => encodeAmf3(AMF_UNSUPPORTED), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf3(ecmaArray({ '': 1 })), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf3(new AmfVector('int', [2 ** 31])), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf3(new AmfVector('uint', [-1])), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf3(new AmfVector('int', ['x'])), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf3(new Float32Array(1) as unknown as AmfValue), 'AMF_UNENCODABLE');
    expectAmfError(() => encodeAmf3((() => 0) as unknown as AmfValue), 'AMF_UNENCODABLE');
  });

  it('reports trailing bytes after a single value', () => {
    expectAmfError(() => decodeAmf3(hex('01 01')), 'AMF_TRAILING_DATA');
  });
});
