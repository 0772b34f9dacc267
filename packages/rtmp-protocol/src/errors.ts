/**
 * RtmpError: the one error type of @livego/rtmp-protocol. Streaming machines (handshake, chunk
 * stream, sessions) report it as an event and stop; parsers throw it.
 */
import { type ErrorContext, LivegoError } from '@livego/amf';

export type RtmpErrorCode =
  | 'RTMP_HANDSHAKE_VERSION'
  | 'RTMP_HANDSHAKE_TOO_LARGE'
  | 'RTMP_HANDSHAKE_DIGEST'
  | 'RTMP_HANDSHAKE_STATE'
  | 'RTMP_CHUNK_TOO_LARGE'
  | 'RTMP_MESSAGE_TOO_LARGE'
  | 'RTMP_TOO_MANY_CHUNK_STREAMS'
  | 'RTMP_TOO_MANY_STREAMS'
  | 'RTMP_BAD_CHUNK_SIZE'
  | 'RTMP_PROTOCOL'
  | 'RTMP_BAD_COMMAND'
  | 'RTMP_BAD_URL'
  | 'RTMP_TRUNCATED'
  | 'RTMP_REJECTED';

export class RtmpError extends LivegoError {
  declare readonly code: RtmpErrorCode;

  constructor(code: RtmpErrorCode, message: string, context: ErrorContext = {}) {
    super(code, message, context);
    this.name = 'RtmpError';
  }
}
