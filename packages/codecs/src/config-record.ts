/**
 * Checks the avcC (ISO/IEC 14496-15 5.3.3.1) and hvcC (8.3.3.1) records share: both start with
 * configurationVersion 1 and both frame their NAL units with 1, 2 or 4 length bytes.
 */
import type { ByteReader } from '@livego/amf';
import { CodecError } from './errors.js';

/** Reads configurationVersion, which must be 1. */
export function readConfigurationVersion(r: ByteReader, box: 'avcC' | 'hvcC'): number {
  const configurationVersion = r.u8('configurationVersion');
  if (configurationVersion !== 1) {
    throw new CodecError(
      'CODEC_BAD_CONFIG',
      `${box} configurationVersion is ${configurationVersion}, expected 1`,
      { offset: 0, field: 'configurationVersion' },
    );
  }
  return configurationVersion;
}

/** A caller's nalLengthSize must be 1, 2 or 4 (lengthSizeMinusOne has no encoding for 3). */
export function checkNalLengthSize(nalLengthSize: number, box: 'avcC' | 'hvcC'): void {
  if (nalLengthSize !== 1 && nalLengthSize !== 2 && nalLengthSize !== 4) {
    throw new TypeError(`${box} nalLengthSize must be 1, 2 or 4, got ${nalLengthSize}`);
  }
}
