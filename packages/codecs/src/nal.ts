/**
 * NAL unit framing shared by H.264 and H.265: Annex B byte streams (ISO/IEC 14496-10 Annex B,
 * H.265 Annex B), length-prefixed samples (ISO/IEC 14496-15 clause 4.3.2) and emulation prevention
 * (14496-10 clause 7.4.1, H.265 clause 7.4.2).
 */
import { CodecError } from './errors.js';

/**
 * RBSP from a NAL unit: drops every 0x03 that follows two zero bytes. Returns `nal` itself (no copy)
 * when there is none to remove.
 */
export function removeEmulationPrevention(nal: Uint8Array): Uint8Array {
  const n = nal.length;
  let first = -1;
  for (let i = 2; i < n; i++) {
    if (nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) {
      first = i;
      break;
    }
  }
  if (first < 0) return nal;
  const out = new Uint8Array(n);
  out.set(nal.subarray(0, first));
  let o = first;
  let zeros = 0;
  for (let i = first + 1; i < n; i++) {
    const b = nal[i]!;
    if (b === 3 && zeros >= 2) {
      zeros = 0;
      continue;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, o);
}

/** NAL unit payload from RBSP: inserts 0x03 after two zeros when the next byte is <= 3 (or at the end). */
export function addEmulationPrevention(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (let i = 0; i < rbsp.length; i++) {
    const b = rbsp[i]!;
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  if (zeros >= 2) out.push(3);
  return out.length === rbsp.length ? rbsp : Uint8Array.from(out);
}

/**
 * NAL units of an Annex B byte stream, as views into `bytes`. Start codes are 00 00 01 or
 * 00 00 00 01; trailing zero bytes before a start code are dropped; bytes before the first start code
 * are not a NAL unit and are ignored.
 */
export function splitAnnexB(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = bytes.length;
  let start = -1;
  let i = 0;
  while (i + 2 < n) {
    const c = bytes[i + 2]!;
    // No start code can begin at i, i+1 or i+2 when the third byte is > 1.
    if (c > 1) {
      i += 3;
      continue;
    }
    if (c === 1 && bytes[i + 1] === 0 && bytes[i] === 0) {
      if (start >= 0) pushTrimmed(out, bytes, start, i);
      start = i + 3;
      i += 3;
      continue;
    }
    i++;
  }
  if (start >= 0) pushTrimmed(out, bytes, start, n);
  return out;
}

function pushTrimmed(out: Uint8Array[], bytes: Uint8Array, start: number, end: number): void {
  let e = end;
  while (e > start && bytes[e - 1] === 0) e--;
  if (e > start) out.push(bytes.subarray(start, e));
}

/** True when `bytes` begins with an Annex B start code (00 00 01 or 00 00 00 01). */
export function hasAnnexBStartCode(bytes: Uint8Array): boolean {
  if (bytes.length >= 3 && bytes[0] === 0 && bytes[1] === 0) {
    if (bytes[2] === 1) return true;
    return bytes.length >= 4 && bytes[2] === 0 && bytes[3] === 1;
  }
  return false;
}

function checkLengthSize(nalLengthSize: number): void {
  if (nalLengthSize !== 1 && nalLengthSize !== 2 && nalLengthSize !== 3 && nalLengthSize !== 4) {
    throw new TypeError(`nalLengthSize must be 1, 2, 3 or 4, got ${nalLengthSize}`);
  }
}

function readLength(bytes: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let k = 0; k < size; k++) v = v * 256 + bytes[at + k]!;
  return v;
}

/**
 * Calls `fn` with each NAL unit (a view) of a length-prefixed sample; stops early when `fn` returns
 * true. A length field cut short or a length past the end is a CodecError.
 */
export function forEachLengthPrefixed(
  bytes: Uint8Array,
  nalLengthSize: number,
  fn: (nal: Uint8Array) => boolean | undefined,
): void {
  checkLengthSize(nalLengthSize);
  const n = bytes.length;
  let pos = 0;
  while (pos < n) {
    if (pos + nalLengthSize > n) {
      throw new CodecError(
        'CODEC_TRUNCATED',
        `NAL length field at offset ${pos} needs ${nalLengthSize} bytes, only ${n - pos} left`,
        { offset: pos, field: 'nalLength' },
      );
    }
    const len = readLength(bytes, pos, nalLengthSize);
    pos += nalLengthSize;
    if (len > n - pos) {
      throw new CodecError(
        'CODEC_BAD_LENGTH',
        `NAL unit at offset ${pos - nalLengthSize} declares ${len} bytes, only ${n - pos} left`,
        { offset: pos - nalLengthSize, field: 'nalLength' },
      );
    }
    if (len > 0 && fn(bytes.subarray(pos, pos + len)) === true) return;
    pos += len;
  }
}

/** NAL units of a length-prefixed (AVCC/HVCC) sample, as views. Zero-length units are skipped. */
export function splitLengthPrefixed(bytes: Uint8Array, nalLengthSize: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  forEachLengthPrefixed(bytes, nalLengthSize, (nal) => {
    out.push(nal);
    return false;
  });
  return out;
}

/** Writes NAL units with `nalLengthSize`-byte big-endian lengths into one new buffer. */
export function joinLengthPrefixed(nals: readonly Uint8Array[], nalLengthSize = 4): Uint8Array {
  checkLengthSize(nalLengthSize);
  const max = 2 ** (8 * nalLengthSize) - 1;
  let total = 0;
  for (const nal of nals) {
    if (nal.length > max) {
      throw new CodecError(
        'CODEC_TOO_LARGE',
        `NAL unit of ${nal.length} bytes does not fit a ${nalLengthSize}-byte length (max ${max})`,
        { field: 'nalLength' },
      );
    }
    total += nalLengthSize + nal.length;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const nal of nals) {
    let len = nal.length;
    for (let k = nalLengthSize - 1; k >= 0; k--) {
      out[pos + k] = len & 0xff;
      len = Math.floor(len / 256);
    }
    pos += nalLengthSize;
    out.set(nal, pos);
    pos += nal.length;
  }
  return out;
}

/** Annex B byte stream -> length-prefixed sample (the form inside FLV/MP4). */
export function annexBToLengthPrefixed(bytes: Uint8Array, nalLengthSize = 4): Uint8Array {
  return joinLengthPrefixed(splitAnnexB(bytes), nalLengthSize);
}

/** Writes NAL units each behind a 4-byte start code (00 00 00 01). */
export function joinAnnexB(nals: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const nal of nals) total += 4 + nal.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const nal of nals) {
    out[pos + 3] = 1;
    pos += 4;
    out.set(nal, pos);
    pos += nal.length;
  }
  return out;
}

/** Length-prefixed sample -> Annex B byte stream with 4-byte start codes. */
export function lengthPrefixedToAnnexB(bytes: Uint8Array, nalLengthSize: number): Uint8Array {
  return joinAnnexB(splitLengthPrefixed(bytes, nalLengthSize));
}

/** NAL units of a sample: Annex B when `nalLengthSize` is 0, else length-prefixed. */
export function splitNalUnits(bytes: Uint8Array, nalLengthSize: number): Uint8Array[] {
  return nalLengthSize === 0 ? splitAnnexB(bytes) : splitLengthPrefixed(bytes, nalLengthSize);
}

/** Strips a leading Annex B start code, if any, so parsers accept a NAL with or without one. */
export function stripStartCode(nal: Uint8Array): Uint8Array {
  if (nal.length >= 3 && nal[0] === 0 && nal[1] === 0) {
    if (nal[2] === 1) return nal.subarray(3);
    if (nal.length >= 4 && nal[2] === 0 && nal[3] === 1) return nal.subarray(4);
  }
  return nal;
}
