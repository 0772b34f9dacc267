/** CodecError: the one error type every parser in @livego/codecs throws on bad or short input. */
import { type ErrorContext, LivegoError } from '@livego/amf';

export type CodecErrorCode =
  | 'CODEC_TRUNCATED'
  | 'CODEC_BAD_EXP_GOLOMB'
  | 'CODEC_BAD_NAL'
  | 'CODEC_BAD_SPS'
  | 'CODEC_BAD_PPS'
  | 'CODEC_BAD_VPS'
  | 'CODEC_BAD_CONFIG'
  | 'CODEC_BAD_LENGTH'
  | 'CODEC_BAD_SYNC'
  | 'CODEC_BAD_ADTS'
  | 'CODEC_BAD_MP3'
  | 'CODEC_UNSUPPORTED'
  | 'CODEC_TOO_LARGE';

export interface CodecErrorContext extends ErrorContext {
  /** Bit position in the input (for bit-level parsers), when known. */
  bitOffset?: number;
}

export class CodecError extends LivegoError {
  declare readonly code: CodecErrorCode;
  readonly bitOffset: number | undefined;

  constructor(code: CodecErrorCode, message: string, context: CodecErrorContext = {}) {
    super(code, message, context);
    this.name = 'CodecError';
    this.bitOffset = context.bitOffset;
  }
}

/** Truncation factory for the shared ByteReader, so byte-level parsers throw CodecError too. */
export const codecTruncated = (message: string, offset: number, field: string | undefined): CodecError =>
  new CodecError('CODEC_TRUNCATED', message, { offset, field });
