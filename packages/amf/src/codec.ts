/** One-call entry points over Amf0Reader/Amf0Writer and Amf3Reader/Amf3Writer. */
import { Amf0Reader, Amf0Writer } from './amf0.js';
import { Amf3Reader, Amf3Writer } from './amf3.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { AmfError, amfTruncated } from './errors.js';
import type { AmfDecodeOptions, AmfEncodeOptions } from './options.js';
import type { AmfValue } from './values.js';

type ReaderClass = new (
  reader: ByteReader,
  options?: AmfDecodeOptions,
) => {
  readValue(): AmfValue;
  readAll(): AmfValue[];
};
type WriterClass = new (writer: ByteWriter, options?: AmfEncodeOptions) => { writeValue(v: AmfValue): void };

function decodeOne(
  Reader: ReaderClass,
  format: string,
  bytes: Uint8Array,
  options: AmfDecodeOptions | undefined,
): AmfValue {
  const r = new ByteReader(bytes, { truncated: amfTruncated });
  const v = new Reader(r, options).readValue();
  if (r.remaining > 0) {
    throw new AmfError(
      'AMF_TRAILING_DATA',
      `${r.remaining} bytes after the ${format} value at offset ${r.offset}; expected exactly one value`,
      { offset: r.offset },
    );
  }
  return v;
}

function decodeAll(
  Reader: ReaderClass,
  bytes: Uint8Array,
  options: AmfDecodeOptions | undefined,
): AmfValue[] {
  return new Reader(new ByteReader(bytes, { truncated: amfTruncated }), options).readAll();
}

/** Writes `values` with one writer (one set of reference tables) and returns the bytes. */
function encodeAll(
  Writer: WriterClass,
  values: readonly AmfValue[],
  options: AmfEncodeOptions | undefined,
): Uint8Array {
  const w = new ByteWriter();
  const amf = new Writer(w, options);
  for (const v of values) amf.writeValue(v);
  return w.finish();
}

/** Decodes exactly one AMF0 value; bytes after it are AMF_TRAILING_DATA. */
export function decodeAmf0(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue {
  return decodeOne(Amf0Reader, 'AMF0', bytes, options);
}

/** Decodes AMF0 values until the end (an RTMP command or data message body); one reference table. */
export function decodeAmf0Sequence(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  return decodeAll(Amf0Reader, bytes, options);
}

export function encodeAmf0(value: AmfValue, options?: AmfEncodeOptions): Uint8Array {
  return encodeAll(Amf0Writer, [value], options);
}

export function encodeAmf0Sequence(values: AmfValue[], options?: AmfEncodeOptions): Uint8Array {
  return encodeAll(Amf0Writer, values, options);
}

/** Decodes exactly one AMF3 value; bytes after it are AMF_TRAILING_DATA. */
export function decodeAmf3(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue {
  return decodeOne(Amf3Reader, 'AMF3', bytes, options);
}

/** Decodes AMF3 values until the end, sharing one set of reference tables. */
export function decodeAmf3Sequence(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  return decodeAll(Amf3Reader, bytes, options);
}

export function encodeAmf3(value: AmfValue, options?: AmfEncodeOptions): Uint8Array {
  return encodeAll(Amf3Writer, [value], options);
}

export function encodeAmf3Sequence(values: AmfValue[], options?: AmfEncodeOptions): Uint8Array {
  return encodeAll(Amf3Writer, values, options);
}
