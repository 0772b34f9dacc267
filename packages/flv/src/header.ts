/** The FLV file header, Adobe FLV spec v10.1 E.2: 'FLV', version, flags, DataOffset. */
import { FlvError } from './errors.js';

export interface FlvHeader {
  version: number;
  hasAudio: boolean;
  hasVideo: boolean;
  /** DataOffset: bytes from the file start to PreviousTagSize0 (9 in every file seen so far). */
  headerSize: number;
}

/** Bytes of the fixed header before any extension (and before PreviousTagSize0). */
export const FLV_HEADER_BYTES = 9;

const F = 0x46;
const L = 0x4c;
const V = 0x56;

/** Parses the 9-byte header at the start of `bytes`. Throws FlvError on a bad signature or DataOffset. */
export function parseFlvHeader(bytes: Uint8Array, baseOffset = 0): FlvHeader {
  if (bytes.length < FLV_HEADER_BYTES) {
    throw new FlvError(
      'FLV_TRUNCATED',
      `FLV header at offset ${baseOffset} needs ${FLV_HEADER_BYTES} bytes, found ${bytes.length}`,
      { offset: baseOffset, field: 'header' },
    );
  }
  if (bytes[0] !== F || bytes[1] !== L || bytes[2] !== V) {
    const found = Array.from(bytes.subarray(0, 3), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FlvError(
      'FLV_BAD_SIGNATURE',
      `FLV signature at offset ${baseOffset}: expected 46 4c 56 ('FLV'), found ${found}`,
      { offset: baseOffset, field: 'signature' },
    );
  }
  const flags = bytes[4]!;
  const headerSize = ((bytes[5]! << 24) | (bytes[6]! << 16) | (bytes[7]! << 8) | bytes[8]!) >>> 0;
  if (headerSize < FLV_HEADER_BYTES) {
    throw new FlvError(
      'FLV_BAD_HEADER',
      `FLV header at offset ${baseOffset} declares DataOffset ${headerSize}, expected at least ${FLV_HEADER_BYTES}`,
      { offset: baseOffset + 5, field: 'DataOffset' },
    );
  }
  return { version: bytes[3]!, hasAudio: (flags & 0x04) !== 0, hasVideo: (flags & 0x01) !== 0, headerSize };
}

/** The 9-byte header (version 1) followed by PreviousTagSize0 = 0: 13 bytes, ready to write. */
export function encodeFlvHeader(options: { hasAudio: boolean; hasVideo: boolean }): Uint8Array {
  const out = new Uint8Array(FLV_HEADER_BYTES + 4);
  out[0] = F;
  out[1] = L;
  out[2] = V;
  out[3] = 1;
  out[4] = (options.hasAudio ? 0x04 : 0) | (options.hasVideo ? 0x01 : 0);
  out[8] = FLV_HEADER_BYTES;
  return out;
}
