/**
 * Decoder and encoder limits shared by the AMF0 and AMF3 readers/writers (AMF0 spec §2, AMF3 spec §3):
 * one implementation of each check, so the two formats cannot drift apart in what they accept.
 * Internal: not re-exported from index.ts.
 */
import type { ByteReader } from './byte-reader.js';
import { AmfError } from './errors.js';
import type { ResolvedDecodeOptions } from './options.js';
import { utf8Decode } from './utf8.js';

/** Reads `byteLength` bytes of UTF-8 after checking the declared length against `maxLength`. */
export function readLimitedUtf8(
  reader: ByteReader,
  options: ResolvedDecodeOptions,
  byteLength: number,
  field: string,
): string {
  if (byteLength === 0) return '';
  if (byteLength > options.maxLength) {
    throw new AmfError(
      'AMF_TOO_LARGE',
      `${field} at offset ${reader.offset} declares ${byteLength} bytes, limit maxLength is ${options.maxLength}`,
      { offset: reader.offset, field },
    );
  }
  return utf8Decode(reader.bytes(byteLength, field));
}

/** Refuses a declared item count above `maxLength`, or one the remaining input cannot hold. */
export function checkCount(
  reader: ByteReader,
  options: ResolvedDecodeOptions,
  count: number,
  minBytesEach: number,
  field: string,
  at: number,
): void {
  if (count > options.maxLength) {
    throw new AmfError(
      'AMF_TOO_LARGE',
      `${field} at offset ${at} declares ${count} items, limit maxLength is ${options.maxLength}`,
      { offset: at, field },
    );
  }
  // Each item takes at least minBytesEach bytes, so a count the input cannot hold is truncation.
  reader.need(count * minBytesEach, field);
}

/**
 * The values a reader may still read inside containers (`maxElements`). One budget per message: the
 * AMF0 reader hands its own to the AMF3 reader of an AVM+ switch, so the two count together.
 */
export class ElementBudget {
  used = 0;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Counts `n` more elements of `field` at input offset `at`; a declared count is checked whole. */
  take(n: number, field: string, at: number): void {
    if (n <= this.max - this.used) {
      this.used += n;
      return;
    }
    const left = this.max - this.used;
    throw new AmfError(
      'AMF_TOO_MANY_ELEMENTS',
      n === 1
        ? `${field} at offset ${at} would be element ${this.used + 1}, limit maxElements is ${this.max}`
        : `${field} at offset ${at} declares ${n} elements, ${left} left of limit maxElements ${this.max}`,
      { offset: at, field },
    );
  }
}

/** The AMF_TOO_DEEP error of a reader that went past `maxDepth` at input offset `at`. */
export function readTooDeep(format: 'AMF0' | 'AMF3', maxDepth: number, at: number): AmfError {
  return new AmfError(
    'AMF_TOO_DEEP',
    `${format} nesting at offset ${at} goes deeper than ${maxDepth}, limit maxDepth is ${maxDepth}`,
    {
      offset: at,
    },
  );
}

/** The AMF_TOO_DEEP error of a writer that went past `maxDepth` at output position `pos`. */
export function writeTooDeep(format: 'AMF0' | 'AMF3', maxDepth: number, pos: number): AmfError {
  return new AmfError('AMF_TOO_DEEP', `${format} value nests deeper than ${maxDepth}`, { offset: pos });
}
