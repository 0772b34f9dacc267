/** FlvError: every malformed-FLV condition has its own stable code (see README "Error codes"). */
import { type ErrorContext, LivegoError } from '@livego/amf';

export type FlvErrorCode =
  | 'FLV_BAD_SIGNATURE'
  | 'FLV_BAD_HEADER'
  | 'FLV_TAG_TOO_LARGE'
  | 'FLV_BAD_TAG_TYPE'
  | 'FLV_PREVIOUS_TAG_SIZE_MISMATCH'
  | 'FLV_TRUNCATED'
  | 'FLV_BAD_VIDEO_HEADER'
  | 'FLV_BAD_AUDIO_HEADER'
  | 'FLV_BAD_SCRIPT_DATA';

export class FlvError extends LivegoError {
  declare readonly code: FlvErrorCode;

  constructor(code: FlvErrorCode, message: string, context: ErrorContext = {}) {
    super(code, message, context);
    this.name = 'FlvError';
  }
}

/** Truncation factory for ByteReader, so a short tag body reports FLV_TRUNCATED, not a generic error. */
export function flvTruncated(what: string) {
  return (message: string, offset: number, field: string | undefined): FlvError =>
    new FlvError('FLV_TRUNCATED', `${what}: ${message}`, { offset, field });
}
