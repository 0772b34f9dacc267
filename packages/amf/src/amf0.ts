/**
 * AMF0 — Adobe "Action Message Format -- AMF 0" (2007), §2.1–2.18: the value types, the reference
 * table (§2.9) and the AVM+ switch to AMF3 (§3.1). Reader and writer work over the shared
 * ByteReader/ByteWriter so AMF can be read from inside a larger structure (an RTMP message, an FLV tag).
 */
import { Amf3Reader, Amf3Writer } from './amf3.js';
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
  AMF_DATE_TIMEZONE,
  AMF_ECMA_ARRAY,
  AMF_UNSUPPORTED,
  type AmfDate,
  type AmfObject,
  type AmfValue,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
  setProperty,
} from './values.js';

/** AMF0 spec §2.1 type markers. */
export const Amf0Marker = {
  NUMBER: 0x00,
  BOOLEAN: 0x01,
  STRING: 0x02,
  OBJECT: 0x03,
  MOVIECLIP: 0x04,
  NULL: 0x05,
  UNDEFINED: 0x06,
  REFERENCE: 0x07,
  ECMA_ARRAY: 0x08,
  OBJECT_END: 0x09,
  STRICT_ARRAY: 0x0a,
  DATE: 0x0b,
  LONG_STRING: 0x0c,
  UNSUPPORTED: 0x0d,
  RECORDSET: 0x0e,
  XML_DOCUMENT: 0x0f,
  TYPED_OBJECT: 0x10,
  AVMPLUS_OBJECT: 0x11,
} as const;

const M = Amf0Marker;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;

/** Reads AMF0 values from a ByteReader. One instance per message: it holds the reference table. */
export class Amf0Reader {
  readonly reader: ByteReader;
  private readonly options: ResolvedDecodeOptions;
  /** Complex objects in the order they began (§2.9), for 0x07 references. */
  private refs: AmfValue[] = [];
  private depth = 0;
  /** Elements read since construction or reset() (`maxElements`). */
  private budget: ElementBudget;

  constructor(reader: ByteReader, options?: AmfDecodeOptions) {
    this.reader = reader;
    this.options = resolveDecodeOptions(options);
    this.budget = new ElementBudget(this.options.maxElements);
  }

  /** Forgets the reference table and the element count (a new message). */
  reset(): void {
    this.refs = [];
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
    const marker = r.u8('AMF0 marker');
    switch (marker) {
      case M.NUMBER:
        return r.f64('AMF0 number');
      case M.BOOLEAN:
        return r.u8('AMF0 boolean') !== 0;
      case M.STRING:
        return this.readUtf8(r.u16('AMF0 string length'), 'AMF0 string');
      case M.LONG_STRING:
        return this.readUtf8(r.u32('AMF0 long string length'), 'AMF0 long string');
      case M.NULL:
        return null;
      case M.UNDEFINED:
        return undefined;
      case M.UNSUPPORTED:
        return AMF_UNSUPPORTED;
      case M.OBJECT: {
        const obj: AmfObject = {};
        return this.readProperties(obj, at);
      }
      case M.TYPED_OBJECT: {
        const className = this.readUtf8(r.u16('AMF0 class name length'), 'AMF0 class name');
        const obj: AmfObject = { [AMF_CLASS_NAME]: className };
        return this.readProperties(obj, at);
      }
      case M.ECMA_ARRAY: {
        // The count is a hint that encoders get wrong; the end marker decides, and nothing is sized by it.
        r.u32('AMF0 ECMA array count');
        const obj: AmfObject = { [AMF_ECMA_ARRAY]: true };
        return this.readProperties(obj, at);
      }
      case M.STRICT_ARRAY: {
        const count = r.u32('AMF0 strict array count');
        this.checkCount(count, 1, 'AMF0 strict array', at);
        this.budget.take(count, 'AMF0 strict array', at);
        const arr: AmfValue[] = [];
        this.refs.push(arr);
        this.enter(at);
        for (let i = 0; i < count; i++) arr.push(this.readValue());
        this.depth--;
        return arr;
      }
      case M.DATE: {
        const ms = r.f64('AMF0 date');
        const tz = r.i16('AMF0 date time zone');
        const d: AmfDate = new Date(ms);
        if (tz !== 0) d[AMF_DATE_TIMEZONE] = tz;
        return d;
      }
      case M.XML_DOCUMENT:
        return new AmfXmlDocument(this.readUtf8(r.u32('AMF0 XML length'), 'AMF0 XML document'));
      case M.REFERENCE: {
        const index = r.u16('AMF0 reference');
        if (index >= this.refs.length) {
          throw new AmfError(
            'AMF_BAD_REFERENCE',
            `AMF0 reference at offset ${at} points to object ${index}, only ${this.refs.length} seen`,
            { offset: at, field: 'AMF0 reference' },
          );
        }
        return this.refs[index];
      }
      case M.AVMPLUS_OBJECT: {
        // §3.1: the next value is AMF3, with fresh AMF3 reference tables.
        const r3 = new Amf3Reader(r, this.options);
        r3.depth = this.depth;
        r3.budget = this.budget;
        return r3.readValue();
      }
      case M.OBJECT_END:
        throw new AmfError(
          'AMF_UNEXPECTED_OBJECT_END',
          `AMF0 object-end marker 0x09 outside an object at offset ${at}`,
          {
            offset: at,
            field: 'AMF0 marker',
          },
        );
      case M.MOVIECLIP:
      case M.RECORDSET:
        throw new AmfError(
          'AMF_UNKNOWN_MARKER',
          `AMF0 marker 0x${hex(marker)} at offset ${at} is reserved (${marker === M.MOVIECLIP ? 'movieclip' : 'recordset'}) and has no value form`,
          { offset: at, field: 'AMF0 marker' },
        );
      default:
        throw new AmfError('AMF_UNKNOWN_MARKER', `unknown AMF0 marker 0x${hex(marker)} at offset ${at}`, {
          offset: at,
          field: 'AMF0 marker',
        });
    }
  }

  /** Object/ECMA array/typed object body (§2.5): name-value pairs until an empty name and 0x09. */
  private readProperties(obj: AmfObject, at: number): AmfObject {
    const r = this.reader;
    this.refs.push(obj);
    this.enter(at);
    for (;;) {
      const key = this.readUtf8(r.u16('AMF0 property name length'), 'AMF0 property name');
      if (key === '') {
        r.need(1, 'AMF0 object end');
        if (r.data[r.pos] === M.OBJECT_END) {
          r.pos++;
          break;
        }
      }
      this.budget.take(1, 'AMF0 property', r.offset);
      setProperty(obj, key, this.readValue());
    }
    this.depth--;
    return obj;
  }

  private readUtf8(byteLength: number, field: string): string {
    return readLimitedUtf8(this.reader, this.options, byteLength, field);
  }

  private checkCount(count: number, minBytesEach: number, field: string, at: number): void {
    checkCount(this.reader, this.options, count, minBytesEach, field, at);
  }

  private enter(at: number): void {
    if (++this.depth > this.options.maxDepth) throw readTooDeep('AMF0', this.options.maxDepth, at);
  }
}

/** Writes AMF0 values into a ByteWriter. One instance per message when references are on. */
export class Amf0Writer {
  readonly writer: ByteWriter;
  private readonly options: AmfEncodeOptions;
  private readonly maxDepth: number;
  /** Objects written so far and their reference index (only with `references`). */
  private readonly refs: Map<object, number> | undefined;
  private refCount = 0;
  /** Containers being written, to refuse cycles when references are off. */
  private readonly active = new Set<object>();
  private depth = 0;

  constructor(writer: ByteWriter, options: AmfEncodeOptions = {}) {
    this.writer = writer;
    this.options = options;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.refs = options.references ? new Map() : undefined;
  }

  writeValue(v: AmfValue): void {
    const w = this.writer;
    switch (typeof v) {
      case 'number':
        w.u8(M.NUMBER).f64(v);
        return;
      case 'boolean':
        w.u8(M.BOOLEAN).u8(v ? 1 : 0);
        return;
      case 'string':
        this.writeString(v);
        return;
      case 'undefined':
        w.u8(M.UNDEFINED);
        return;
      case 'symbol':
        if (v === AMF_UNSUPPORTED) {
          w.u8(M.UNSUPPORTED);
          return;
        }
        break;
      case 'object':
        if (v === null) {
          w.u8(M.NULL);
          return;
        }
        this.writeObjectValue(v);
        return;
    }
    throw new AmfError('AMF_UNENCODABLE', `AMF0 cannot encode a ${typeof v}`, { offset: w.pos });
  }

  private writeObjectValue(
    v: Exclude<AmfValue, null | undefined | number | boolean | string | symbol>,
  ): void {
    const w = this.writer;
    if (v instanceof Date) {
      const tz = (v as AmfDate)[AMF_DATE_TIMEZONE] ?? 0;
      if (!Number.isInteger(tz) || tz < -0x8000 || tz > 0x7fff) {
        throw new AmfError('AMF_UNENCODABLE', `AMF0 date time zone ${tz} is not a signed 16-bit integer`, {
          offset: w.pos,
        });
      }
      w.u8(M.DATE).f64(v.getTime()).i16(tz);
      return;
    }
    if (v instanceof AmfXmlDocument) {
      w.u8(M.XML_DOCUMENT).u32(this.utf8Length(v.xml, MAX_U32, 'AMF0 XML document'));
      w.utf8(v.xml);
      return;
    }
    if (v instanceof Uint8Array || v instanceof AmfXml || v instanceof AmfVector || v instanceof Map) {
      // No AMF0 form: written as AMF3 behind the AVM+ switch (§3.1), with fresh AMF3 tables.
      w.u8(M.AVMPLUS_OBJECT);
      const w3 = new Amf3Writer(w, this.options);
      w3.depth = this.depth;
      w3.writeValue(v);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      throw new AmfError('AMF_UNENCODABLE', 'AMF0 cannot encode a typed array other than Uint8Array', {
        offset: w.pos,
      });
    }
    if (this.refs) {
      const index = this.refs.get(v);
      if (index !== undefined) {
        w.u8(M.REFERENCE).u16(index);
        return;
      }
      const next = this.refCount++;
      if (next <= MAX_U16) this.refs.set(v, next);
    } else if (this.active.has(v)) {
      throw new AmfError(
        'AMF_UNENCODABLE',
        'AMF0 cannot encode a cycle without references (set `references: true`)',
        {
          offset: w.pos,
        },
      );
    }
    if (++this.depth > this.maxDepth) throw writeTooDeep('AMF0', this.maxDepth, w.pos);
    this.active.add(v);
    if (Array.isArray(v)) {
      w.u8(M.STRICT_ARRAY).u32(v.length);
      for (let i = 0; i < v.length; i++) this.writeValue(v[i]);
    } else {
      const obj = v as AmfObject;
      const className = obj[AMF_CLASS_NAME];
      const keys = Object.keys(obj);
      if (typeof className === 'string') {
        w.u8(M.TYPED_OBJECT);
        this.writeShortUtf8(className, 'AMF0 class name');
      } else if (obj[AMF_ECMA_ARRAY] === true) {
        w.u8(M.ECMA_ARRAY).u32(keys.length);
      } else {
        w.u8(M.OBJECT);
      }
      for (const key of keys) {
        this.writeShortUtf8(key, 'AMF0 property name');
        this.writeValue(obj[key]);
      }
      w.u16(0).u8(M.OBJECT_END);
    }
    this.active.delete(v);
    this.depth--;
  }

  /** §2.4 string, or §2.14 long string when the UTF-8 form is longer than 65535 bytes. */
  private writeString(s: string): void {
    const w = this.writer;
    const n = this.utf8Length(s, MAX_U32, 'AMF0 long string');
    if (n <= MAX_U16) w.u8(M.STRING).u16(n);
    else w.u8(M.LONG_STRING).u32(n);
    w.utf8(s);
  }

  private writeShortUtf8(s: string, field: string): void {
    this.writer.u16(this.utf8Length(s, MAX_U16, field));
    this.writer.utf8(s);
  }

  private utf8Length(s: string, max: number, field: string): number {
    const n = utf8ByteLength(s);
    if (n > max) {
      throw new AmfError(
        'AMF_UNENCODABLE',
        `${field} is ${n} UTF-8 bytes, its length field holds at most ${max}`,
        {
          offset: this.writer.pos,
          field,
        },
      );
    }
    return n;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
