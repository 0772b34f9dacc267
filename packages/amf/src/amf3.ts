/**
 * AMF3 — Adobe "AMF 3 Specification" (2013), §1.3.1 U29 integers, §3.1–3.15 the value types, §2.2
 * the three reference tables (strings, objects, traits). One reader/writer instance is one message:
 * its tables live as long as it does (an AMF0 → AMF3 switch starts a fresh instance).
 */
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { AmfError } from './errors.js';
import { checkCount, ElementBudget, readLimitedUtf8, readTooDeep, writeTooDeep } from './guards.js';
import {
  type AmfDecodeOptions,
  type AmfEncodeOptions,
  DEFAULT_MAX_DEPTH,
  type ResolvedDecodeOptions,
  resolveDecodeOptions,
} from './options.js';
import { utf8ByteLength } from './utf8.js';
import {
  AMF_CLASS_NAME,
  AMF_ECMA_ARRAY,
  AMF_UNSUPPORTED,
  AmfDictionary,
  type AmfObject,
  type AmfValue,
  AmfVector,
  type AmfVectorType,
  AmfXml,
  AmfXmlDocument,
  setProperty,
} from './values.js';

/** AMF3 spec §3.1 type markers. */
export const Amf3Marker = {
  UNDEFINED: 0x00,
  NULL: 0x01,
  FALSE: 0x02,
  TRUE: 0x03,
  INTEGER: 0x04,
  DOUBLE: 0x05,
  STRING: 0x06,
  XML_DOCUMENT: 0x07,
  DATE: 0x08,
  ARRAY: 0x09,
  OBJECT: 0x0a,
  XML: 0x0b,
  BYTE_ARRAY: 0x0c,
  VECTOR_INT: 0x0d,
  VECTOR_UINT: 0x0e,
  VECTOR_DOUBLE: 0x0f,
  VECTOR_OBJECT: 0x10,
  DICTIONARY: 0x11,
} as const;

const M = Amf3Marker;
/** Largest U29 value; lengths, counts and reference indexes (U29 >> 1) stay below 2^28. */
const MAX_U29 = 0x1fffffff;
const MAX_U28 = 0x0fffffff;
export const AMF3_INT_MIN = -0x10000000;
export const AMF3_INT_MAX = 0x0fffffff;

interface Traits {
  className: string;
  dynamic: boolean;
  sealed: string[];
}

/** Reads AMF3 values from a ByteReader; holds the reference tables of one message. */
export class Amf3Reader {
  readonly reader: ByteReader;
  private readonly options: ResolvedDecodeOptions;
  private strings: string[] = [];
  private objects: AmfValue[] = [];
  private traits: Traits[] = [];
  /** Current nesting; set by the AMF0 reader when it switches to AMF3 inside a nested value. */
  depth = 0;
  /** Elements read so far (`maxElements`); the AMF0 reader of a switch shares its own. */
  budget: ElementBudget;

  constructor(reader: ByteReader, options?: AmfDecodeOptions) {
    this.reader = reader;
    this.options = resolveDecodeOptions(options);
    this.budget = new ElementBudget(this.options.maxElements);
  }

  /** Forgets the reference tables and the element count (a new message). */
  reset(): void {
    this.strings = [];
    this.objects = [];
    this.traits = [];
    this.depth = 0;
    this.budget = new ElementBudget(this.options.maxElements);
  }

  /** Reads every value until the end of the reader. */
  readAll(): AmfValue[] {
    const out: AmfValue[] = [];
    while (this.reader.remaining > 0) out.push(this.readValue());
    return out;
  }

  readValue(): AmfValue {
    const r = this.reader;
    const at = r.offset;
    const marker = r.u8('AMF3 marker');
    switch (marker) {
      case M.UNDEFINED:
        return undefined;
      case M.NULL:
        return null;
      case M.FALSE:
        return false;
      case M.TRUE:
        return true;
      case M.INTEGER: {
        const v = this.u29('AMF3 integer');
        return v & 0x10000000 ? v - 0x20000000 : v;
      }
      case M.DOUBLE:
        return r.f64('AMF3 double');
      case M.STRING:
        return this.readString('AMF3 string');
      case M.XML_DOCUMENT:
      case M.XML: {
        const ref = this.u29('AMF3 XML');
        if ((ref & 1) === 0) return this.objectRef(ref >>> 1, at);
        const xml = this.readUtf8(ref >>> 1, 'AMF3 XML');
        const v = marker === M.XML ? new AmfXml(xml) : new AmfXmlDocument(xml);
        this.objects.push(v);
        return v;
      }
      case M.DATE: {
        const ref = this.u29('AMF3 date');
        if ((ref & 1) === 0) return this.objectRef(ref >>> 1, at);
        const d = new Date(r.f64('AMF3 date'));
        this.objects.push(d);
        return d;
      }
      case M.ARRAY:
        return this.readArray(at);
      case M.OBJECT:
        return this.readObject(at);
      case M.BYTE_ARRAY: {
        const ref = this.u29('AMF3 byte array');
        if ((ref & 1) === 0) return this.objectRef(ref >>> 1, at);
        const n = ref >>> 1;
        this.checkCount(n, 1, 'AMF3 byte array', at);
        // A copy: decoded values outlive the network buffer they came from.
        const bytes = r.bytes(n, 'AMF3 byte array').slice();
        this.objects.push(bytes);
        return bytes;
      }
      case M.VECTOR_INT:
      case M.VECTOR_UINT:
      case M.VECTOR_DOUBLE:
      case M.VECTOR_OBJECT:
        return this.readVector(marker, at);
      case M.DICTIONARY: {
        const ref = this.u29('AMF3 dictionary');
        if ((ref & 1) === 0) return this.objectRef(ref >>> 1, at);
        const count = ref >>> 1;
        const weakKeys = r.u8('AMF3 dictionary weak keys') !== 0;
        this.checkCount(count, 2, 'AMF3 dictionary', at);
        this.budget.take(count, 'AMF3 dictionary', at);
        const dict = new AmfDictionary(undefined, weakKeys);
        this.objects.push(dict);
        this.enter(at);
        for (let i = 0; i < count; i++) {
          const key = this.readValue();
          dict.set(key, this.readValue());
        }
        this.depth--;
        return dict;
      }
      default:
        throw new AmfError(
          'AMF_UNKNOWN_MARKER',
          `unknown AMF3 marker 0x${marker.toString(16).padStart(2, '0')} at offset ${at}`,
          {
            offset: at,
            field: 'AMF3 marker',
          },
        );
    }
  }

  /** §3.11: dense count, associative name-value pairs until '', then the dense values. */
  private readArray(at: number): AmfValue {
    const ref = this.u29('AMF3 array');
    if ((ref & 1) === 0) return this.objectRef(ref >>> 1, at);
    const count = ref >>> 1;
    this.checkCount(count, 1, 'AMF3 array', at);
    this.budget.take(count, 'AMF3 array', at);
    let key = this.readString('AMF3 array key');
    if (key === '') {
      const arr: AmfValue[] = [];
      this.objects.push(arr);
      this.enter(at);
      for (let i = 0; i < count; i++) arr.push(this.readValue());
      this.depth--;
      return arr;
    }
    // An associative part has no JS Array form: an ECMA-array object, dense items under "0", "1", ...
    const obj: AmfObject = { [AMF_ECMA_ARRAY]: true };
    this.objects.push(obj);
    this.enter(at);
    while (key !== '') {
      this.budget.take(1, 'AMF3 array key', this.reader.offset);
      setProperty(obj, key, this.readValue());
      key = this.readString('AMF3 array key');
    }
    for (let i = 0; i < count; i++) setProperty(obj, String(i), this.readValue());
    this.depth--;
    return obj;
  }

  /** §3.12: object reference, or traits (inline or by reference) then sealed and dynamic members. */
  private readObject(at: number): AmfValue {
    const ref = this.u29('AMF3 object');
    if ((ref & 1) === 0) return this.objectRef(ref >>> 1, at);
    let traits: Traits;
    if ((ref & 2) === 0) {
      const index = ref >>> 2;
      const t = this.traits[index];
      if (t === undefined) {
        throw new AmfError(
          'AMF_BAD_REFERENCE',
          `AMF3 traits reference at offset ${at} points to traits ${index}, only ${this.traits.length} seen`,
          { offset: at, field: 'AMF3 traits reference' },
        );
      }
      traits = t;
    } else if ((ref & 4) !== 0) {
      const className = this.readString('AMF3 class name');
      throw new AmfError(
        'AMF_EXTERNALIZABLE',
        `AMF3 object at offset ${at} is externalizable class '${className}', whose body only that class can read`,
        { offset: at, field: className },
      );
    } else {
      const sealedCount = ref >>> 4;
      const className = this.readString('AMF3 class name');
      this.checkCount(sealedCount, 1, 'AMF3 sealed member names', at);
      const sealed: string[] = [];
      for (let i = 0; i < sealedCount; i++) sealed.push(this.readString('AMF3 sealed member name'));
      traits = { className, dynamic: (ref & 8) !== 0, sealed };
      this.traits.push(traits);
    }
    const obj: AmfObject = traits.className === '' ? {} : { [AMF_CLASS_NAME]: traits.className };
    this.objects.push(obj);
    this.enter(at);
    this.budget.take(traits.sealed.length, 'AMF3 sealed members', at);
    for (const name of traits.sealed) setProperty(obj, name, this.readValue());
    if (traits.dynamic) {
      for (;;) {
        const key = this.readString('AMF3 dynamic member name');
        if (key === '') break;
        this.budget.take(1, 'AMF3 dynamic member', this.reader.offset);
        setProperty(obj, key, this.readValue());
      }
    }
    this.depth--;
    return obj;
  }

  /** §3.15: count, fixed flag, (object vectors: element type name), items. */
  private readVector(marker: number, at: number): AmfValue {
    const r = this.reader;
    const ref = this.u29('AMF3 vector');
    if ((ref & 1) === 0) return this.objectRef(ref >>> 1, at);
    const count = ref >>> 1;
    const fixed = r.u8('AMF3 vector fixed flag') !== 0;
    const items: AmfValue[] = [];
    let vec: AmfVector;
    if (marker === M.VECTOR_OBJECT) {
      const typeName = this.readString('AMF3 vector type name');
      this.checkCount(count, 1, 'AMF3 vector', at);
      this.budget.take(count, 'AMF3 vector', at);
      vec = new AmfVector('object', items, fixed, typeName);
      this.objects.push(vec);
      this.enter(at);
      for (let i = 0; i < count; i++) items.push(this.readValue());
      this.depth--;
      return vec;
    }
    const type: AmfVectorType =
      marker === M.VECTOR_INT ? 'int' : marker === M.VECTOR_UINT ? 'uint' : 'double';
    this.checkCount(count, type === 'double' ? 8 : 4, 'AMF3 vector', at);
    this.budget.take(count, 'AMF3 vector', at);
    vec = new AmfVector(type, items, fixed);
    this.objects.push(vec);
    for (let i = 0; i < count; i++)
      items.push(type === 'int' ? r.i32() : type === 'uint' ? r.u32() : r.f64());
    return vec;
  }

  /** §3.4 UTF-8-vr: a string-table reference or an inline string ('' is never in the table). */
  private readString(field: string): string {
    const at = this.reader.offset;
    const ref = this.u29(field);
    if ((ref & 1) === 0) {
      const index = ref >>> 1;
      const s = this.strings[index];
      if (s === undefined) {
        throw new AmfError(
          'AMF_BAD_REFERENCE',
          `AMF3 string reference at offset ${at} points to string ${index}, only ${this.strings.length} seen`,
          { offset: at, field },
        );
      }
      return s;
    }
    const n = ref >>> 1;
    if (n === 0) return '';
    const s = this.readUtf8(n, field);
    this.strings.push(s);
    return s;
  }

  private readUtf8(byteLength: number, field: string): string {
    return readLimitedUtf8(this.reader, this.options, byteLength, field);
  }

  private objectRef(index: number, at: number): AmfValue {
    if (index >= this.objects.length) {
      throw new AmfError(
        'AMF_BAD_REFERENCE',
        `AMF3 object reference at offset ${at} points to object ${index}, only ${this.objects.length} seen`,
        { offset: at, field: 'AMF3 object reference' },
      );
    }
    return this.objects[index];
  }

  /** §1.3.1 U29: 1–3 bytes of 7 bits with a continuation bit, then a 4th byte of 8 bits. */
  private u29(field: string): number {
    const r = this.reader;
    let v = 0;
    for (let i = 0; i < 3; i++) {
      const b = r.u8(field);
      if ((b & 0x80) === 0) return (v << 7) | b;
      v = (v << 7) | (b & 0x7f);
    }
    return (v << 8) | r.u8(field);
  }

  private checkCount(count: number, minBytesEach: number, field: string, at: number): void {
    checkCount(this.reader, this.options, count, minBytesEach, field, at);
  }

  private enter(at: number): void {
    if (++this.depth > this.options.maxDepth) throw readTooDeep('AMF3', this.options.maxDepth, at);
  }
}

const ANONYMOUS_DYNAMIC = '\u0000anonymous-dynamic';

/** Writes AMF3 values into a ByteWriter; holds the reference tables of one message. */
export class Amf3Writer {
  readonly writer: ByteWriter;
  private readonly maxDepth: number;
  private strings = new Map<string, number>();
  private objects = new Map<object, number>();
  private traits = new Map<string, number>();
  private objectCount = 0;
  private stringCount = 0;
  /** Current nesting; set by the AMF0 writer when it switches to AMF3 inside a nested value. */
  depth = 0;

  constructor(writer: ByteWriter, options: AmfEncodeOptions = {}) {
    this.writer = writer;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /** Forgets the reference tables (a new message). */
  reset(): void {
    this.strings = new Map();
    this.objects = new Map();
    this.traits = new Map();
    this.objectCount = 0;
    this.stringCount = 0;
    this.depth = 0;
  }

  writeValue(v: AmfValue): void {
    const w = this.writer;
    switch (typeof v) {
      case 'number':
        if (Number.isInteger(v) && v >= AMF3_INT_MIN && v <= AMF3_INT_MAX && !Object.is(v, -0)) {
          w.u8(M.INTEGER);
          this.u29(v & MAX_U29);
        } else {
          w.u8(M.DOUBLE).f64(v);
        }
        return;
      case 'boolean':
        w.u8(v ? M.TRUE : M.FALSE);
        return;
      case 'string':
        w.u8(M.STRING);
        this.writeString(v);
        return;
      case 'undefined':
        w.u8(M.UNDEFINED);
        return;
      case 'object':
        if (v === null) {
          w.u8(M.NULL);
          return;
        }
        this.writeObjectValue(v);
        return;
      case 'symbol':
        if (v === AMF_UNSUPPORTED) {
          throw new AmfError(
            'AMF_UNENCODABLE',
            'AMF3 has no unsupported marker (AMF0 0x0D); encode it as AMF0',
            {
              offset: w.pos,
            },
          );
        }
        break;
    }
    throw new AmfError('AMF_UNENCODABLE', `AMF3 cannot encode a ${typeof v}`, { offset: w.pos });
  }

  private writeObjectValue(
    v: Exclude<AmfValue, null | undefined | number | boolean | string | symbol>,
  ): void {
    const w = this.writer;
    const marker = markerOf(v);
    w.u8(marker);
    const index = this.objects.get(v);
    if (index !== undefined) {
      this.u29(index << 1);
      return;
    }
    // The reader numbers every inline object; past the U28 range it can only be written again inline.
    const next = this.objectCount++;
    if (next <= MAX_U28) this.objects.set(v, next);

    if (v instanceof Date) {
      this.u29(1);
      w.f64(v.getTime());
      return;
    }
    if (v instanceof AmfXmlDocument || v instanceof AmfXml) {
      this.writeInlineUtf8(v.xml, 'AMF3 XML');
      return;
    }
    if (v instanceof Uint8Array) {
      this.inlineLength(v.length, 'AMF3 byte array');
      w.bytes(v);
      return;
    }
    this.enter();
    if (v instanceof AmfVector) this.writeVector(v);
    else if (v instanceof Map) {
      this.inlineLength(v.size, 'AMF3 dictionary');
      w.u8(v instanceof AmfDictionary && v.weakKeys ? 1 : 0);
      for (const [key, value] of v) {
        this.writeValue(key);
        this.writeValue(value);
      }
    } else if (Array.isArray(v)) {
      this.inlineLength(v.length, 'AMF3 array');
      w.u8(0x01); // empty associative part
      for (let i = 0; i < v.length; i++) this.writeValue(v[i]);
    } else {
      this.writePlainObject(v as AmfObject);
    }
    this.depth--;
  }

  private writePlainObject(obj: AmfObject): void {
    const keys = Object.keys(obj);
    if (obj[AMF_ECMA_ARRAY] === true && obj[AMF_CLASS_NAME] === undefined) {
      // All members go to the associative part; the dense part is empty.
      this.u29(1);
      for (const key of keys) {
        if (key === '') {
          throw new AmfError(
            'AMF_UNENCODABLE',
            "AMF3 associative array cannot hold the key '' (it ends the list)",
            {
              offset: this.writer.pos,
            },
          );
        }
        this.writeString(key);
        this.writeValue(obj[key]);
      }
      this.writer.u8(0x01);
      return;
    }
    const className = obj[AMF_CLASS_NAME] ?? '';
    // Anonymous objects are dynamic (as Flash writes them) unless a key is '', which only a sealed member can be.
    const dynamic = className === '' && !keys.includes('');
    if (dynamic) {
      const index = this.traits.get(ANONYMOUS_DYNAMIC);
      if (index !== undefined) this.u29((index << 2) | 0b01);
      else {
        this.traits.set(ANONYMOUS_DYNAMIC, this.traits.size);
        this.u29(0b1011);
        this.writeString('');
      }
      for (const key of keys) {
        this.writeString(key);
        this.writeValue(obj[key]);
      }
      this.writer.u8(0x01);
      return;
    }
    const traitsKey = JSON.stringify([className, keys]);
    const index = this.traits.get(traitsKey);
    if (index !== undefined) this.u29((index << 2) | 0b01);
    else {
      if (keys.length > MAX_U29 >>> 4) {
        throw new AmfError('AMF_UNENCODABLE', `AMF3 traits of ${keys.length} sealed members are too many`, {
          offset: this.writer.pos,
        });
      }
      this.traits.set(traitsKey, this.traits.size);
      this.u29((keys.length << 4) | 0b0011);
      this.writeString(className);
      for (const key of keys) this.writeString(key);
    }
    for (const key of keys) this.writeValue(obj[key]);
  }

  private writeVector(v: AmfVector): void {
    const w = this.writer;
    this.inlineLength(v.items.length, 'AMF3 vector');
    w.u8(v.fixed ? 1 : 0);
    if (v.type === 'object') {
      this.writeString(v.objectTypeName);
      for (const item of v.items) this.writeValue(item);
      return;
    }
    for (const item of v.items) {
      const ok =
        typeof item === 'number' &&
        (v.type === 'double' ||
          (Number.isInteger(item) &&
            (v.type === 'int'
              ? item >= -0x80000000 && item <= 0x7fffffff
              : item >= 0 && item <= 0xffffffff)));
      if (!ok) {
        throw new AmfError('AMF_UNENCODABLE', `AMF3 Vector.<${v.type}> cannot hold ${String(item)}`, {
          offset: w.pos,
        });
      }
      if (v.type === 'int') w.i32(item);
      else if (v.type === 'uint') w.u32(item);
      else w.f64(item);
    }
  }

  /** UTF-8-vr: '' inline, a repeat by reference, else inline and remembered. */
  private writeString(s: string): void {
    if (s === '') {
      this.writer.u8(0x01);
      return;
    }
    const index = this.strings.get(s);
    if (index !== undefined) {
      this.u29(index << 1);
      return;
    }
    const next = this.stringCount++;
    if (next <= MAX_U28) this.strings.set(s, next);
    this.writeInlineUtf8(s, 'AMF3 string');
  }

  private writeInlineUtf8(s: string, field: string): void {
    this.inlineLength(utf8ByteLength(s), field);
    this.writer.utf8(s);
  }

  private inlineLength(n: number, field: string): void {
    if (n > MAX_U28) {
      throw new AmfError('AMF_UNENCODABLE', `${field} of ${n} is longer than AMF3's limit of ${MAX_U28}`, {
        offset: this.writer.pos,
        field,
      });
    }
    this.u29((n << 1) | 1);
  }

  private u29(v: number): void {
    const w = this.writer;
    if (v < 0x80) w.u8(v);
    else if (v < 0x4000) w.u8(((v >>> 7) & 0x7f) | 0x80).u8(v & 0x7f);
    else if (v < 0x200000)
      w.u8(((v >>> 14) & 0x7f) | 0x80)
        .u8(((v >>> 7) & 0x7f) | 0x80)
        .u8(v & 0x7f);
    else
      w.u8(((v >>> 22) & 0x7f) | 0x80)
        .u8(((v >>> 15) & 0x7f) | 0x80)
        .u8(((v >>> 8) & 0x7f) | 0x80)
        .u8(v & 0xff);
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) throw writeTooDeep('AMF3', this.maxDepth, this.writer.pos);
  }
}

function markerOf(v: object): number {
  if (v instanceof Date) return M.DATE;
  if (v instanceof AmfXmlDocument) return M.XML_DOCUMENT;
  if (v instanceof AmfXml) return M.XML;
  if (v instanceof Uint8Array) return M.BYTE_ARRAY;
  if (v instanceof AmfVector) {
    return v.type === 'int'
      ? M.VECTOR_INT
      : v.type === 'uint'
        ? M.VECTOR_UINT
        : v.type === 'double'
          ? M.VECTOR_DOUBLE
          : M.VECTOR_OBJECT;
  }
  if (v instanceof Map) return M.DICTIONARY;
  if (ArrayBuffer.isView(v)) {
    throw new AmfError('AMF_UNENCODABLE', 'AMF3 cannot encode a typed array other than Uint8Array');
  }
  if (Array.isArray(v)) return M.ARRAY;
  const obj = v as AmfObject;
  return obj[AMF_ECMA_ARRAY] === true && obj[AMF_CLASS_NAME] === undefined ? M.ARRAY : M.OBJECT;
}
