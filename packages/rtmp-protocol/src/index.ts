export { ChunkDecoder, type ChunkDecoderOptions, type RawMessage } from './chunk-decoder.js';
export {
  ChunkEncoder,
  type ChunkOptions,
  encodedChunksLength,
  encodeMessageChunks,
  type OutgoingMessage,
} from './chunk-encoder.js';
export {
  BandwidthLimitType,
  type BandwidthLimitTypeId,
  ChunkStreamId,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_WINDOW_ACK_SIZE,
  MAX_CHUNK_SIZE,
  MAX_CHUNK_STREAM_ID,
  MAX_MESSAGE_LENGTH_FIELD,
  MessageType,
  type MessageTypeId,
  UserControlType,
} from './constants.js';
export {
  type ControlMessage,
  decodeControl,
  encodeControl,
  isControlType,
  type UserControlEvent,
} from './control.js';
export { RtmpError, type RtmpErrorCode } from './errors.js';
export { DEFAULT_RTMP_PORT, DEFAULT_RTMPS_PORT, parseRtmpUrl, type RtmpUrl } from './url.js';
