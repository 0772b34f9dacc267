/**
 * Tag encoding, Adobe FLV spec v10.1 E.3 (FLV body) and E.4.1 (tag header). A tag is written once
 * with its trailing PreviousTagSize so the same bytes can go to every HTTP-FLV viewer and to files.
 */
import {
  FLV_MAX_TAG_DATA_BYTES,
  FLV_PREVIOUS_TAG_SIZE_BYTES,
  FLV_TAG_HEADER_BYTES,
  type FlvTagType,
} from './tag.js';

export interface FlvTagInit {
  type: FlvTagType;
  /** 0 ≤ timestampMs < 2^32; the high byte goes to TimestampExtended. */
  timestampMs: number;
  data: Uint8Array;
  /** Defaults to 0, as the spec requires. */
  streamId?: number;
}

/** Bytes `encodeFlvTag` produces for a body of `dataLength` bytes: 11 + dataLength + 4. */
export function flvTagSize(dataLength: number): number {
  return FLV_TAG_HEADER_BYTES + dataLength + FLV_PREVIOUS_TAG_SIZE_BYTES;
}

function check(tag: FlvTagInit): void {
  if (tag.data.length > FLV_MAX_TAG_DATA_BYTES) {
    throw new RangeError(
      `FLV tag body is ${tag.data.length} bytes, the format allows ${FLV_MAX_TAG_DATA_BYTES}`,
    );
  }
  const ts = tag.timestampMs;
  if (!Number.isInteger(ts) || ts < 0 || ts > 0xffffffff) {
    throw new RangeError(`FLV timestampMs must be an integer in [0, 2^32), got ${ts}`);
  }
}

/**
 * Writes header + body + PreviousTagSize into `target` at `offset`; returns the bytes written
 * (`flvTagSize(tag.data.length)`). Throws RangeError when the tag does not fit or is not encodable.
 */
export function writeFlvTag(target: Uint8Array, offset: number, tag: FlvTagInit): number {
  check(tag);
  const size = flvTagSize(tag.data.length);
  if (offset < 0 || offset + size > target.length) {
    throw new RangeError(`FLV tag needs ${size} bytes at offset ${offset}, target has ${target.length}`);
  }
  const n = tag.data.length;
  const ts = tag.timestampMs;
  const sid = tag.streamId ?? 0;
  const p = offset;
  target[p] = tag.type & 0x1f;
  target[p + 1] = (n >>> 16) & 0xff;
  target[p + 2] = (n >>> 8) & 0xff;
  target[p + 3] = n & 0xff;
  target[p + 4] = (ts >>> 16) & 0xff;
  target[p + 5] = (ts >>> 8) & 0xff;
  target[p + 6] = ts & 0xff;
  target[p + 7] = (ts >>> 24) & 0xff;
  target[p + 8] = (sid >>> 16) & 0xff;
  target[p + 9] = (sid >>> 8) & 0xff;
  target[p + 10] = sid & 0xff;
  target.set(tag.data, p + FLV_TAG_HEADER_BYTES);
  const prev = FLV_TAG_HEADER_BYTES + n;
  const q = p + prev;
  target[q] = (prev >>> 24) & 0xff;
  target[q + 1] = (prev >>> 16) & 0xff;
  target[q + 2] = (prev >>> 8) & 0xff;
  target[q + 3] = prev & 0xff;
  return size;
}

/** One allocation: the 11-byte tag header, the body, and the 4-byte PreviousTagSize. */
export function encodeFlvTag(tag: FlvTagInit): Uint8Array {
  check(tag);
  const out = new Uint8Array(flvTagSize(tag.data.length));
  writeFlvTag(out, 0, tag);
  return out;
}
