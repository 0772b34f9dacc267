// Fuzz targets of @livego/amf: see scripts/fuzz.mjs (`pnpm fuzz amf0`). Only AmfError may be thrown,
// and whatever decodes must re-encode without anything but an AmfError.
import type { FuzzTarget } from '../../../scripts/fuzz.mjs';
import {
  AmfDictionary,
  AmfError,
  type AmfValue,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
  amfDate,
  decodeAmf0Sequence,
  decodeAmf3Sequence,
  ecmaArray,
  encodeAmf0Sequence,
  encodeAmf3Sequence,
  typedObject,
} from '../src/index.js';

const LIMITS = { maxDepth: 32, maxLength: 1 << 20 };

function isAmfError(e: unknown): boolean {
  return e instanceof AmfError;
}

function kinds(values: AmfValue[]): string[] {
  return values.map((v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v));
}

/** Re-encoding what was decoded may refuse (AmfError) but never throw anything else. */
function reencode(values: AmfValue[], encode: (v: AmfValue[]) => Uint8Array): string {
  try {
    encode(values);
    return 'reencoded';
  } catch (e) {
    if (e instanceof AmfError) return `reencode:${e.code}`;
    throw e;
  }
}

const text = (s: string) => new TextEncoder().encode(s);

const amf3Values: AmfValue[] = [
  1,
  -7,
  0x10000000,
  2.5,
  'connect',
  '',
  true,
  null,
  undefined,
  new Date(0),
  new Uint8Array([1, 2, 3]),
  new AmfXmlDocument('<a/>'),
  new AmfXml('<b/>'),
  new AmfVector('int', [1, -1]),
  new AmfVector('uint', [1, 2], true),
  new AmfVector('double', [0.5]),
  new AmfVector('object', [{ a: 1 }, 'x'], false, 'T'),
  [1, 'two', [3]],
  { app: 'live', tcUrl: 'rtmp://h/live', n: 1 },
  typedObject('flex.T', { a: 1, b: 'x' }),
  ecmaArray({ duration: 0, width: 640 }),
  new AmfDictionary(
    [
      ['k', 1],
      [2, 'v'],
    ],
    true,
  ),
];

export const targets: FuzzTarget[] = [
  {
    name: 'amf0',
    seedFiles: ['test/fixtures/*.amf0'],
    seeds: () => [
      encodeAmf0Sequence([
        'onMetaData',
        ecmaArray({ duration: 0, width: 640, encoder: 'Lavf' }),
        amfDate(new Date(1000), 60),
        new AmfXmlDocument('<x/>'),
        typedObject('T', { a: [1, null, undefined] }),
      ]),
      // An AVM+ switch into AMF3 (0x11), as Flash sends in objectEncoding 3 commands.
      encodeAmf0Sequence([new Uint8Array([1, 2]), new AmfVector('int', [1]), new AmfXml('<y/>')]),
      encodeAmf0Sequence([{ a: { b: { c: 1 } } }, [{}, {}]], { references: true }),
    ],
    maxLen: 2048,
    dictionary: [
      new Uint8Array([0x00, 0x00, 0x09]),
      new Uint8Array([0x07, 0x00, 0x00]),
      new Uint8Array([0x11]),
      new Uint8Array([0x0c, 0xff, 0xff, 0xff, 0xff]),
      new Uint8Array([0x08, 0x00, 0x00, 0x00, 0x01]),
      new Uint8Array([0x0a, 0x00, 0x10, 0x00, 0x00]),
      text('__proto__'),
    ],
    run(data) {
      const values = decodeAmf0Sequence(data, LIMITS);
      return [...kinds(values), reencode(values, (v) => encodeAmf0Sequence(v, { references: true }))];
    },
    expected: isAmfError,
  },
  {
    name: 'amf3',
    seeds: () => [encodeAmf3Sequence(amf3Values), ...amf3Values.map((v) => encodeAmf3Sequence([v, v]))],
    maxLen: 2048,
    dictionary: [
      new Uint8Array([0x0a, 0x0b, 0x01, 0x01]),
      new Uint8Array([0x0a, 0x07, 0x01]),
      new Uint8Array([0x09, 0x01, 0x01]),
      new Uint8Array([0x06, 0x00]),
      new Uint8Array([0xff, 0xff, 0xff, 0xff]),
      new Uint8Array([0x11, 0x03, 0x00]),
      text('__proto__'),
    ],
    run(data) {
      const values = decodeAmf3Sequence(data, LIMITS);
      return [...kinds(values), reencode(values, (v) => encodeAmf3Sequence(v))];
    },
    expected: isAmfError,
  },
];
