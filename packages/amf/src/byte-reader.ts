/**
 * A bounds-checked big-endian cursor over a Uint8Array. Every read past the end throws the error made
 * by `truncated` (a LivegoError by default), never a bare RangeError, so parsers built on it report
 * what was cut short and where.
 */
import { LivegoError } from './errors.js';

export type TruncatedErrorFactory = (message: string, offset: number, field: string | undefined) => Error;

const defaultTruncated: TruncatedErrorFactory = (message, offset, field) =>
  new LivegoError('TRUNCATED', message, { offset, field });

export class ByteReader {
  readonly data: Uint8Array;
  readonly view: DataView;
  /** Current position, relative to the start of `data`. */
  pos: number;
  /** Added to positions in error messages, when `data` is a window into a larger input. */
  readonly baseOffset: number;
  private readonly truncated: TruncatedErrorFactory;

  constructor(data: Uint8Array, options: { baseOffset?: number; truncated?: TruncatedErrorFactory } = {}) {
    this.data = data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.pos = 0;
    this.baseOffset = options.baseOffset ?? 0;
    this.truncated = options.truncated ?? defaultTruncated;
  }

  get length(): number {
    return this.data.length;
  }

  get remaining(): number {
    return this.data.length - this.pos;
  }

  /** Absolute offset of the cursor (baseOffset + pos), for error messages. */
  get offset(): number {
    return this.baseOffset + this.pos;
  }

  /** Throws the truncation error unless `n` more bytes are available. */
  need(n: number, field?: string): void {
    if (n > this.data.length - this.pos) {
      const what = field === undefined ? '' : ` for ${field}`;
      throw this.truncated(
        `needed ${n} bytes${what} at offset ${this.offset}, only ${this.remaining} left`,
        this.offset,
        field,
      );
    }
  }

  skip(n: number, field?: string): void {
    this.need(n, field);
    this.pos += n;
  }

  u8(field?: string): number {
    this.need(1, field);
    return this.data[this.pos++]!;
  }

  i8(field?: string): number {
    this.need(1, field);
    return this.view.getInt8(this.pos++);
  }

  u16(field?: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  i16(field?: string): number {
    this.need(2, field);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }

  u24(field?: string): number {
    this.need(3, field);
    const b = this.data;
    const p = this.pos;
    this.pos += 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  /** Signed 24-bit big-endian (FLV composition time). */
  i24(field?: string): number {
    const v = this.u24(field);
    return v & 0x800000 ? v - 0x1000000 : v;
  }

  u32(field?: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  i32(field?: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  /** Little-endian u32 (RTMP message stream id). */
  u32le(field?: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(field?: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number, field?: string): Uint8Array {
    this.need(n, field);
    const v = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** The rest of the input, as a view. */
  rest(): Uint8Array {
    const v = this.data.subarray(this.pos);
    this.pos = this.data.length;
    return v;
  }
}
