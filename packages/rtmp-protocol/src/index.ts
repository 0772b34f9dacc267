export {
  ChunkDecoder,
  type ChunkDecoderOptions,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CHUNK_SIZE,
  DEFAULT_MAX_CHUNK_STREAMS,
  DEFAULT_MAX_MESSAGE_LENGTH,
  type RawMessage,
} from './chunk-decoder.js';
export {
  type ChunkOptions,
  encodedChunksLength,
  encodeMessageChunks,
  type OutgoingMessage,
} from './chunk-encoder.js';
export { type ClientEvent, ClientSession, type ClientSessionOptions } from './client-session.js';
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
export {
  ClientHandshake,
  type ClientHandshakeState,
  HANDSHAKE_MAX_BUFFERED_BYTES,
  type HandshakeEvent,
  type HandshakeMode,
  type HandshakeOptions,
  RTMP_VERSION,
  ServerHandshake,
  type ServerHandshakeState,
} from './handshake.js';
export { type DigestSchema, HANDSHAKE_PACKET_SIZE } from './handshake-digest.js';
export {
  buildAggregate,
  type Command,
  decodeCommand,
  decodeData,
  decodeMessage,
  encodeCommand,
  encodeData,
  encodeMessage,
  type RtmpMessage,
  splitAggregate,
} from './message.js';
export {
  type ConnectEvent,
  DEFAULT_MAX_STREAMS,
  type PlayRequest,
  type PublishRequest,
  type ServerEvent,
  ServerSession,
  type ServerSessionOptions,
  type ServerSessionState,
} from './server-session.js';
export {
  type CommonEvent,
  type DataEvent,
  DEFAULT_MAX_AMF_DEPTH,
  type SessionOptions,
  type StatusInfo,
  statusInfo,
} from './session.js';
export { DEFAULT_RTMP_PORT, DEFAULT_RTMPS_PORT, parseRtmpUrl, type RtmpUrl } from './url.js';
