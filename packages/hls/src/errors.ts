/** HlsError: the one error type of @livego/hls. The segmenter reports it per dropped message; it never throws it. */
import { type ErrorContext, LivegoError } from '@livego/amf';

export type HlsErrorCode =
  /** The FLV audio/video tag header did not parse. */
  | 'HLS_BAD_TAG'
  /** A codec HLS in MPEG-TS cannot carry here (VP9, AV1, Opus, PCM, Speex, ...): the message is skipped. */
  | 'HLS_UNSUPPORTED_CODEC'
  /** The muxer refused the frame or configuration (bad NAL lengths, AAC before its ASC, bad avcC/hvcC). */
  | 'HLS_BAD_MEDIA';

export class HlsError extends LivegoError {
  declare readonly code: HlsErrorCode;

  constructor(code: HlsErrorCode, message: string, context: ErrorContext = {}) {
    super(code, message, context);
    this.name = 'HlsError';
  }
}
