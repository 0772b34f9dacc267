import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMF_UNSUPPORTED,
  AmfDictionary,
  AmfError,
  type AmfObject,
  type AmfValue,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
  amfDate,
  decodeAmf0,
  decodeAmf0Sequence,
  decodeAmf3,
  decodeAmf3Sequence,
  ecmaArray,
  encodeAmf0,
  encodeAmf0Sequence,
  encodeAmf3,
  encodeAmf3Sequence,
  typedObject,
} from '../src/index.js';
import { expectAmfEqual } from './helpers.js';

const str = fc.string({ unit: 'binary', maxLength: 12 });
// Keys include the ones plain assignment mishandles.
const key = fc.oneof(
  { weight: 6, arbitrary: str },
  fc.constantFrom('__proto__', 'constructor', '', '0', '10'),
);

function objectFrom(entries: [string, AmfValue][]): AmfObject {
  const obj: AmfObject = {};
  for (const [k, v] of entries) {
    Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return obj;
}

const date = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: false });
const bytes = fc.uint8Array({ maxLength: 16 });
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const number = fc.oneof(
  fc.double(),
  fc.integer({ min: -0x10000000, max: 0x0fffffff }),
  fc.constantFrom(0x10000000, -0x10000001, -0, 2 ** 53),
);

/** Values AMF3 can carry; `depth` keeps them small. */
const amf3 = fc.letrec<{ value: AmfValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    number,
    fc.boolean(),
    str,
    fc.constantFrom(null, undefined),
    date,
    bytes,
    str.map((s) => new AmfXmlDocument(s)),
    str.map((s) => new AmfXml(s)),
    fc.array(int32, { maxLength: 4 }).map((a) => new AmfVector('int', a)),
    fc.tuple(fc.array(uint32, { maxLength: 4 }), fc.boolean()).map(([a, f]) => new AmfVector('uint', a, f)),
    fc.array(fc.double(), { maxLength: 4 }).map((a) => new AmfVector('double', a)),
    fc
      .tuple(fc.array(tie('value'), { maxLength: 3 }), str)
      .map(([a, t]) => new AmfVector('object', a, false, t)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(objectFrom),
    fc
      .tuple(str, fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }))
      .map(([name, e]) => typedObject(name === '' ? 'T' : name, objectFrom(e))),
    // An AMF3 associative array needs a non-empty key list without '' (an empty one reads back as []).
    fc
      .array(
        fc.tuple(
          key.filter((k) => k !== ''),
          tie('value'),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((e) => ecmaArray(objectFrom(e))),
    fc
      .tuple(
        fc.array(fc.tuple(fc.oneof(str, number, tie('value')), tie('value')), { maxLength: 3 }),
        fc.boolean(),
      )
      .map(([e, weak]) => new AmfDictionary(e, weak)),
  ),
})).value;

/** Values AMF0 can carry: its own types, plus AMF3-only ones behind the AVM+ switch. */
const amf0 = fc.letrec<{ value: AmfValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    number,
    fc.boolean(),
    str,
    fc.constantFrom(null, undefined, AMF_UNSUPPORTED),
    date,
    // A fresh Date (amfDate marks in place; fast-check may share generated values); tz 0 is a plain Date.
    fc
      .tuple(
        date,
        fc.integer({ min: -0x8000, max: 0x7fff }).filter((tz) => tz !== 0),
      )
      .map(([d, tz]) => amfDate(new Date(d.getTime()), tz)),
    str.map((s) => new AmfXmlDocument(s)),
    amf3.filter(
      (v) => v instanceof Uint8Array || v instanceof AmfVector || v instanceof Map || v instanceof AmfXml,
    ),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(objectFrom),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((e) => ecmaArray(objectFrom(e))),
    fc
      .tuple(str, fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }))
      .map(([name, e]) => typedObject(name, objectFrom(e))),
  ),
})).value;

/** Any throw must be our AmfError; returns normally otherwise. */
function onlyAmfErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AmfError)) throw e;
  }
}

function truncatedCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AmfError ? e.code : `not an AmfError: ${String(e)}`;
  }
  return 'no error';
}

/**
 * The parser-robustness properties both formats share: truncation is AMF_TRUNCATED, and random or
 * corrupted bytes throw nothing but AmfError.
 */
function robustness(
  arb: fc.Arbitrary<AmfValue>,
  encode: (v: AmfValue) => Uint8Array,
  decode: (b: Uint8Array) => AmfValue,
  decodeSequence: (b: Uint8Array) => AmfValue[],
): void {
  it('every proper prefix of an encoding is AMF_TRUNCATED', () => {
    fc.assert(
      fc.property(arb, (v) => {
        const b = encode(v);
        for (let n = 0; n < b.length; n++) {
          expect(truncatedCode(() => decode(b.subarray(0, n)))).toBe('AMF_TRUNCATED');
        }
      }),
      { numRuns: 150 },
    );
  });

  it('random bytes never throw anything but AmfError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (b) => {
        onlyAmfErrors(() => decodeSequence(b));
        onlyAmfErrors(() => decode(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('corrupted encodings never throw anything but AmfError', () => {
    fc.assert(
      fc.property(
        arb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (v, edits) => {
          const b = encode(v);
          if (b.length === 0) return; // no value encodes to nothing; guards the modulo
          for (const [i, x] of edits) b[i % b.length] = x;
          onlyAmfErrors(() => decodeSequence(b));
        },
      ),
      { numRuns: 1000 },
    );
  });
}

describe('AMF0 properties', () => {
  it('decode(encode(v)) deep-equals v', () => {
    fc.assert(
      fc.property(amf0, (v) => {
        expectAmfEqual(decodeAmf0(encodeAmf0(v)), v);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips sequences, and with references', () => {
    fc.assert(
      fc.property(fc.array(amf0, { maxLength: 4 }), (vs) => {
        expectAmfEqual(decodeAmf0Sequence(encodeAmf0Sequence(vs)), vs);
        expectAmfEqual(decodeAmf0Sequence(encodeAmf0Sequence(vs, { references: true })), vs);
      }),
      { numRuns: 200 },
    );
  });

  robustness(amf0, encodeAmf0, decodeAmf0, decodeAmf0Sequence);
});

describe('AMF3 properties', () => {
  it('decode(encode(v)) deep-equals v', () => {
    fc.assert(
      fc.property(amf3, (v) => {
        expectAmfEqual(decodeAmf3(encodeAmf3(v)), v);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips sequences that share reference tables', () => {
    fc.assert(
      fc.property(fc.array(amf3, { maxLength: 4 }), (vs) => {
        // Repeat the list so the second half is written with string/object/traits references.
        const twice = [...vs, ...vs];
        expectAmfEqual(decodeAmf3Sequence(encodeAmf3Sequence(twice)), twice);
      }),
      { numRuns: 200 },
    );
  });

  robustness(amf3, encodeAmf3, decodeAmf3, decodeAmf3Sequence);
});
