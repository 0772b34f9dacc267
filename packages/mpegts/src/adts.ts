/**
 * AAC in MPEG-TS (stream type 0x0F) is carried as ADTS (ISO/IEC 13818-7 6.2): this turns an
 * AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1, parsed by @livego/codecs) into the fields every ADTS
 * header repeats, refusing up front what ADTS cannot express.
 */
import { type AdtsHeaderInput, CodecError, parseAudioSpecificConfig } from '@livego/codecs';
import { TsError } from './errors.js';

/**
 * The ADTS header fields for frames of this AudioSpecificConfig. HE-AAC (SBR/PS) configs give their
 * AAC-LC core, as ADTS signals SBR implicitly. Throws TsError TS_BAD_CONFIG.
 */
export function adtsConfig(asc: Uint8Array): AdtsHeaderInput {
  let c: ReturnType<typeof parseAudioSpecificConfig>;
  try {
    c = parseAudioSpecificConfig(asc);
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    throw new TsError('TS_BAD_CONFIG', `AudioSpecificConfig: ${e.message}`, {
      cause: e,
      field: e.field,
      offset: e.offset,
    });
  }
  if (c.objectType < 1 || c.objectType > 4) {
    throw new TsError(
      'TS_BAD_CONFIG',
      `AAC object type ${c.objectType} cannot be carried in ADTS (1..4 only)`,
      {
        field: 'audioObjectType',
      },
    );
  }
  if (c.samplingFrequencyIndex > 12) {
    throw new TsError(
      'TS_BAD_CONFIG',
      `AAC sample rate ${c.sampleRate} Hz has no ADTS index (explicit rates only)`,
      {
        field: 'samplingFrequencyIndex',
      },
    );
  }
  if (c.channelConfiguration === 0 || c.channelConfiguration > 7) {
    // 0 means a program_config_element describes the channels (ADTS would need it in every frame);
    // 8..15 are reserved, and ADTS has only 3 bits.
    throw new TsError(
      'TS_BAD_CONFIG',
      `AAC channelConfiguration ${c.channelConfiguration} cannot be carried in ADTS (1..7 only)`,
      { field: 'channelConfiguration' },
    );
  }
  return {
    objectType: c.objectType,
    samplingFrequencyIndex: c.samplingFrequencyIndex,
    channelConfiguration: c.channelConfiguration,
  };
}

/** aac_frame_length of an ADTS header at the start of `d` (no sync check). */
export function adtsFrameLength(d: Uint8Array): number {
  return ((d[3]! & 0x03) << 11) | (d[4]! << 3) | (d[5]! >>> 5);
}
