/**
 * MSB-first bit reader and writer with exp-Golomb codes (ISO/IEC 14496-10 clause 9.1, H.265 clause 9.2).
 * Reads past the end throw CodecError 'CODEC_TRUNCATED' carrying the bit offset; never a RangeError.
 */
import { CodecError } from './errors.js';

export class BitReader {
  readonly data: Uint8Array;
  /** Position in bits from the start of `data`. */
  pos = 0;
  private readonly bitLength: number;

  constructor(data: Uint8Array) {
    this.data = data;
    this.bitLength = data.length * 8;
  }

  get bitsLeft(): number {
    return this.bitLength - this.pos;
  }

  get byteAligned(): boolean {
    return (this.pos & 7) === 0;
  }

  private truncated(n: number, field: string | undefined): CodecError {
    const what = field === undefined ? '' : ` for ${field}`;
    return new CodecError(
      'CODEC_TRUNCATED',
      `needed ${n} bits${what} at bit ${this.pos}, only ${this.bitsLeft} left (bit offset past the end: ${this.pos + n})`,
      { offset: this.pos >>> 3, field, bitOffset: this.pos + n },
    );
  }

  /** Unsigned n-bit value, 0 <= n <= 32. */
  u(n: number, field?: string): number {
    if (!(n >= 0 && n <= 32) || !Number.isInteger(n))
      throw new TypeError(`BitReader.u: n must be 0..32, got ${n}`);
    if (n > this.bitLength - this.pos) throw this.truncated(n, field);
    const data = this.data;
    let v = 0;
    let left = n;
    let pos = this.pos;
    while (left > 0) {
      const off = pos & 7;
      const avail = 8 - off;
      const take = Math.min(avail, left);
      const bits = (data[pos >>> 3]! >>> (avail - take)) & ((1 << take) - 1);
      // Multiply, not shift: keeps 32-bit values unsigned.
      v = v * (1 << take) + bits;
      left -= take;
      pos += take;
    }
    this.pos = pos;
    return v;
  }

  flag(field?: string): boolean {
    if (this.pos >= this.bitLength) throw this.truncated(1, field);
    const bit = (this.data[this.pos >>> 3]! >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return bit === 1;
  }

  skip(n: number, field?: string): void {
    if (n < 0 || n > this.bitLength - this.pos) throw this.truncated(n, field);
    this.pos += n;
  }

  /** Unsigned exp-Golomb ue(v). More than 31 leading zeros is an error (the value would not fit 32 bits). */
  ue(field?: string): number {
    const start = this.pos;
    let zeros = 0;
    while (!this.flag(field)) {
      zeros++;
      if (zeros > 31) {
        throw new CodecError(
          'CODEC_BAD_EXP_GOLOMB',
          `exp-Golomb code at bit ${start} has more than 31 leading zeros`,
          {
            offset: start >>> 3,
            field,
            bitOffset: start,
          },
        );
      }
    }
    if (zeros === 0) return 0;
    return 2 ** zeros - 1 + this.u(zeros, field);
  }

  /** Signed exp-Golomb se(v). */
  se(field?: string): number {
    const k = this.ue(field);
    if (k === 0) return 0;
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** Skips to the next byte boundary. */
  align(): void {
    this.pos = Math.min(this.bitLength, (this.pos + 7) & ~7);
  }

  /** H.264/H.265 more_rbsp_data(): true while there is data before the rbsp_stop_one_bit. */
  moreRbspData(): boolean {
    if (this.pos >= this.bitLength) return false;
    // Find the last 1 bit in the buffer: the stop bit.
    let last = this.data.length - 1;
    while (last >= 0 && this.data[last] === 0) last--;
    if (last < 0) return false;
    const byte = this.data[last]!;
    let bit = 0;
    while (((byte >>> bit) & 1) === 0) bit++;
    const stopPos = last * 8 + (7 - bit);
    return this.pos < stopPos;
  }
}

/** MSB-first bit writer into a growing buffer, with exp-Golomb codes. */
export class BitWriter {
  private buf: Uint8Array;
  /** Bits written. */
  pos = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(Math.max(8, initialBytes));
  }

  private ensure(bits: number): void {
    const needed = (this.pos + bits + 7) >>> 3;
    if (needed <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < needed) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf);
    this.buf = next;
  }

  /** Writes the low n bits of v (0 <= n <= 32). */
  u(n: number, v: number): this {
    if (!(n >= 0 && n <= 32)) throw new TypeError(`BitWriter.u: n must be 0..32, got ${n}`);
    if (v < 0 || v >= 2 ** n) throw new TypeError(`BitWriter.u: ${v} does not fit in ${n} bits`);
    this.ensure(n);
    for (let i = n - 1; i >= 0; i--) {
      const bit = Math.floor(v / 2 ** i) & 1;
      if (bit) this.buf[this.pos >>> 3]! |= 0x80 >>> (this.pos & 7);
      this.pos++;
    }
    return this;
  }

  flag(b: boolean): this {
    return this.u(1, b ? 1 : 0);
  }

  ue(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xfffffffe) throw new TypeError(`BitWriter.ue: bad value ${v}`);
    const x = v + 1;
    const len = Math.floor(Math.log2(x));
    // log2 of large values can round; fix it up.
    const bits = 2 ** (len + 1) <= x ? len + 1 : 2 ** len > x ? len - 1 : len;
    this.u(bits, 0);
    return this.u(bits + 1, x);
  }

  se(v: number): this {
    return this.ue(v > 0 ? 2 * v - 1 : -2 * v);
  }

  /** Pads with zero bits to a byte boundary. */
  align(): this {
    this.ensure(8);
    this.pos = (this.pos + 7) & ~7;
    return this;
  }

  /** rbsp_trailing_bits(): a 1 then zeros to the byte boundary. */
  trailingBits(): this {
    this.u(1, 1);
    return this.align();
  }

  /** A copy of the bytes written (the last byte zero-padded). */
  finish(): Uint8Array {
    return this.buf.slice(0, (this.pos + 7) >>> 3);
  }
}
