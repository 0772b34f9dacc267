/**
 * AAC framing for MPEG-TS: the AudioSpecificConfig fields ADTS needs (ISO/IEC 14496-3 1.6.2.1) and the
 * 7-byte ADTS header without CRC (ISO/IEC 13818-7 6.2, adts_fixed_header + adts_variable_header).
 */
import { TsError } from './errors.js';

export interface AacConfig {
  /** Core audio object type (1 Main, 2 LC, 3 SSR, 4 LTP); SBR/PS signalling is looked through. */
  objectType: number;
  samplingFrequencyIndex: number;
  channelConfiguration: number;
}

/** ADTS frames carry at most 8191 bytes (13-bit aac_frame_length, header included). */
export const ADTS_MAX_FRAME = 8191;

/** Reads the ADTS-relevant fields of an AudioSpecificConfig. Throws TsError TS_BAD_CONFIG. */
export function parseAacConfig(asc: Uint8Array): AacConfig {
  let bit = 0;
  const bits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, bit++) {
      const byte = asc[bit >>> 3];
      if (byte === undefined) {
        throw new TsError(
          'TS_BAD_CONFIG',
          `AudioSpecificConfig of ${asc.length} bytes is cut short at bit ${bit}`,
          {
            field: 'AudioSpecificConfig',
            offset: bit >>> 3,
          },
        );
      }
      v = (v << 1) | ((byte >>> (7 - (bit & 7))) & 1);
    }
    return v;
  };
  const objectType = (): number => {
    const t = bits(5);
    return t === 31 ? 32 + bits(6) : t;
  };
  const frequencyIndex = (): number => {
    const i = bits(4);
    if (i === 15) bits(24); // explicit rate
    return i;
  };
  let aot = objectType();
  const samplingFrequencyIndex = frequencyIndex();
  const channelConfiguration = bits(4);
  if (aot === 5 || aot === 29) {
    // Explicit SBR/PS: extension rate, then the core object type; ADTS describes the core.
    frequencyIndex();
    aot = objectType();
  }
  if (aot < 1 || aot > 4) {
    throw new TsError(
      'TS_BAD_CONFIG',
      `AAC object type ${aot} cannot be carried in ADTS (profiles 1..4 only)`,
      {
        field: 'audioObjectType',
      },
    );
  }
  if (samplingFrequencyIndex > 12) {
    throw new TsError(
      'TS_BAD_CONFIG',
      `AAC samplingFrequencyIndex ${samplingFrequencyIndex} has no ADTS code (0..12 only)`,
      { field: 'samplingFrequencyIndex' },
    );
  }
  if (channelConfiguration === 0 || channelConfiguration > 7) {
    throw new TsError(
      'TS_BAD_CONFIG',
      `AAC channelConfiguration ${channelConfiguration} is not supported in ADTS (1..7 only)`,
      { field: 'channelConfiguration' },
    );
  }
  return { objectType: aot, samplingFrequencyIndex, channelConfiguration };
}

/** Writes the 7-byte ADTS header of a frame whose raw payload is `payloadLength` bytes. */
export function writeAdtsHeader(out: Uint8Array, pos: number, c: AacConfig, payloadLength: number): void {
  const len = payloadLength + 7;
  if (len > ADTS_MAX_FRAME) {
    throw new TsError(
      'TS_BAD_AUDIO',
      `AAC frame of ${payloadLength} bytes exceeds the ADTS limit of ${ADTS_MAX_FRAME - 7}`,
      {
        field: 'aac_frame_length',
      },
    );
  }
  out[pos] = 0xff;
  out[pos + 1] = 0xf1; // syncword, ID 0 (MPEG-4), layer 0, protection_absent 1
  out[pos + 2] = ((c.objectType - 1) << 6) | (c.samplingFrequencyIndex << 2) | (c.channelConfiguration >>> 2);
  out[pos + 3] = ((c.channelConfiguration & 3) << 6) | (len >>> 11);
  out[pos + 4] = (len >>> 3) & 0xff;
  out[pos + 5] = ((len & 7) << 5) | 0x1f; // adts_buffer_fullness 0x7FF (variable rate)
  out[pos + 6] = 0xfc; // rest of the fullness, number_of_raw_data_blocks_in_frame 0
}

/** aac_frame_length of an ADTS header at the start of `d` (no sync check). */
export function adtsFrameLength(d: Uint8Array): number {
  return ((d[3]! & 0x03) << 11) | (d[4]! << 3) | (d[5]! >>> 5);
}
