/**
 * Wire constants. RTMP spec 1.0 §5.4 (protocol control), §6.2 / §7.1.7 (user control), §7.1 (message
 * types).
 */

/** Message type ids (RTMP spec §5.4, §7.1). */
export const MessageType = {
  SetChunkSize: 0x01,
  Abort: 0x02,
  Acknowledgement: 0x03,
  UserControl: 0x04,
  WindowAckSize: 0x05,
  SetPeerBandwidth: 0x06,
  Audio: 0x08,
  Video: 0x09,
  DataAmf3: 0x0f,
  SharedObjectAmf3: 0x10,
  CommandAmf3: 0x11,
  DataAmf0: 0x12,
  SharedObjectAmf0: 0x13,
  CommandAmf0: 0x14,
  Aggregate: 0x16,
} as const;
export type MessageTypeId = (typeof MessageType)[keyof typeof MessageType];

/** User control event types (RTMP spec §7.1.7). */
export const UserControlType = {
  StreamBegin: 0x00,
  StreamEof: 0x01,
  StreamDry: 0x02,
  SetBufferLength: 0x03,
  StreamIsRecorded: 0x04,
  PingRequest: 0x06,
  PingResponse: 0x07,
} as const;

/** Set Peer Bandwidth limit types (RTMP spec §5.4.5). */
export const BandwidthLimitType = { Hard: 0, Soft: 1, Dynamic: 2 } as const;
export type BandwidthLimitTypeId = (typeof BandwidthLimitType)[keyof typeof BandwidthLimitType];

/** The chunk stream ids this package writes on (2 is reserved for protocol control by the spec). */
export const ChunkStreamId = {
  Control: 2,
  Command: 3,
  Audio: 4,
  StreamCommand: 5,
  Video: 6,
  Data: 5,
} as const;

/** Chunk size before any Set Chunk Size (RTMP spec §5.4.1). */
export const DEFAULT_CHUNK_SIZE = 128;
/** Largest chunk stream id a 3-byte basic header can carry. */
export const MAX_CHUNK_STREAM_ID = 65599;
/** Largest value the 24-bit message length field can carry. */
export const MAX_MESSAGE_LENGTH_FIELD = 0xffffff;
/** Largest chunk size the spec allows (31 bits). */
export const MAX_CHUNK_SIZE = 0x7fffffff;
/** Window acknowledgement size livego (and FMS) announce. */
export const DEFAULT_WINDOW_ACK_SIZE = 2_500_000;
