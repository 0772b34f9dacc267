/** One-call entry points over Amf0Reader/Amf0Writer and Amf3Reader/Amf3Writer. */
import { Amf0Reader, Amf0Writer } from './amf0.js';
import { Amf3Reader, Amf3Writer } from './amf3.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { AmfError, amfTruncated } from './errors.js';
import type { AmfDecodeOptions, AmfEncodeOptions } from './options.js';
import type { AmfValue } from './values.js';

function trailing(r: ByteReader, format: string): AmfError {
  return new AmfError(
    'AMF_TRAILING_DATA',
    `${r.remaining} bytes after the ${format} value at offset ${r.offset}; expected exactly one value`,
    { offset: r.offset },
  );
}

/** Decodes exactly one AMF0 value; bytes after it are AMF_TRAILING_DATA. */
export function decodeAmf0(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue {
  const r = new ByteReader(bytes, { truncated: amfTruncated });
  const v = new Amf0Reader(r, options).readValue();
  if (r.remaining > 0) throw trailing(r, 'AMF0');
  return v;
}

/** Decodes AMF0 values until the end (an RTMP command or data message body); one reference table. */
export function decodeAmf0Sequence(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  return new Amf0Reader(new ByteReader(bytes, { truncated: amfTruncated }), options).readAll();
}

export function encodeAmf0(value: AmfValue, options?: AmfEncodeOptions): Uint8Array {
  const w = new ByteWriter();
  new Amf0Writer(w, options).writeValue(value);
  return w.finish();
}

export function encodeAmf0Sequence(values: AmfValue[], options?: AmfEncodeOptions): Uint8Array {
  const w = new ByteWriter();
  const amf = new Amf0Writer(w, options);
  for (const v of values) amf.writeValue(v);
  return w.finish();
}

/** Decodes exactly one AMF3 value; bytes after it are AMF_TRAILING_DATA. */
export function decodeAmf3(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue {
  const r = new ByteReader(bytes, { truncated: amfTruncated });
  const v = new Amf3Reader(r, options).readValue();
  if (r.remaining > 0) throw trailing(r, 'AMF3');
  return v;
}

/** Decodes AMF3 values until the end, sharing one set of reference tables. */
export function decodeAmf3Sequence(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  return new Amf3Reader(new ByteReader(bytes, { truncated: amfTruncated }), options).readAll();
}

export function encodeAmf3(value: AmfValue, options?: AmfEncodeOptions): Uint8Array {
  const w = new ByteWriter();
  new Amf3Writer(w, options).writeValue(value);
  return w.finish();
}

export function encodeAmf3Sequence(values: AmfValue[], options?: AmfEncodeOptions): Uint8Array {
  const w = new ByteWriter();
  const amf = new Amf3Writer(w, options);
  for (const v of values) amf.writeValue(v);
  return w.finish();
}
