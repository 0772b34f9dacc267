/**
 * Protocol control messages (RTMP spec 1.0 §5.4: Set Chunk Size, Abort, Acknowledgement, Window
 * Acknowledgement Size, Set Peer Bandwidth) and user control events (§6.2, §7.1.7).
 */
import { type BandwidthLimitTypeId, MessageType, UserControlType } from './constants.js';
import { RtmpError } from './errors.js';

export type UserControlEvent =
  | { kind: 'streamBegin' | 'streamEof' | 'streamDry' | 'streamIsRecorded'; streamId: number }
  | { kind: 'setBufferLength'; streamId: number; bufferLengthMs: number }
  | { kind: 'pingRequest' | 'pingResponse'; timestamp: number }
  /** Event types outside the spec (e.g. FMS's buffer empty/ready 0x1f/0x20). */
  | { kind: 'unknown'; eventType: number; data: Uint8Array };

export type ControlMessage =
  | { type: 'setChunkSize'; chunkSize: number }
  | { type: 'abort'; chunkStreamId: number }
  | { type: 'ack'; sequenceNumber: number }
  | { type: 'windowAckSize'; windowSize: number }
  | { type: 'setPeerBandwidth'; windowSize: number; limitType: BandwidthLimitTypeId }
  | { type: 'userControl'; event: UserControlEvent };

const STREAM_EVENTS = {
  [UserControlType.StreamBegin]: 'streamBegin',
  [UserControlType.StreamEof]: 'streamEof',
  [UserControlType.StreamDry]: 'streamDry',
  [UserControlType.StreamIsRecorded]: 'streamIsRecorded',
} as const;

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function need(payload: Uint8Array, n: number, what: string): void {
  if (payload.length < n) {
    throw new RtmpError('RTMP_TRUNCATED', `${what} needs ${n} bytes, message has ${payload.length}`, {
      offset: payload.length,
      field: what,
    });
  }
}

/** True for the type ids of §5.4 and user control. */
export function isControlType(typeId: number): boolean {
  return typeId >= MessageType.SetChunkSize && typeId <= MessageType.SetPeerBandwidth;
}

/** Parses a protocol control or user control message. Throws RtmpError on a short payload. */
export function decodeControl(typeId: number, payload: Uint8Array): ControlMessage {
  switch (typeId) {
    case MessageType.SetChunkSize:
      need(payload, 4, 'Set Chunk Size');
      return { type: 'setChunkSize', chunkSize: u32(payload, 0) & 0x7fffffff };
    case MessageType.Abort:
      need(payload, 4, 'Abort');
      return { type: 'abort', chunkStreamId: u32(payload, 0) };
    case MessageType.Acknowledgement:
      need(payload, 4, 'Acknowledgement');
      return { type: 'ack', sequenceNumber: u32(payload, 0) };
    case MessageType.WindowAckSize:
      need(payload, 4, 'Window Acknowledgement Size');
      return { type: 'windowAckSize', windowSize: u32(payload, 0) };
    case MessageType.SetPeerBandwidth: {
      need(payload, 5, 'Set Peer Bandwidth');
      const limit = payload[4]!;
      if (limit > 2) {
        throw new RtmpError('RTMP_PROTOCOL', `Set Peer Bandwidth limit type ${limit}, expected 0, 1 or 2`, {
          offset: 4,
          field: 'limitType',
        });
      }
      return {
        type: 'setPeerBandwidth',
        windowSize: u32(payload, 0),
        limitType: limit as BandwidthLimitTypeId,
      };
    }
    case MessageType.UserControl:
      return { type: 'userControl', event: decodeUserControl(payload) };
    default:
      throw new TypeError(`type ${typeId} is not a control message`);
  }
}

function decodeUserControl(payload: Uint8Array): UserControlEvent {
  need(payload, 2, 'User Control');
  const eventType = (payload[0]! << 8) | payload[1]!;
  switch (eventType) {
    case UserControlType.StreamBegin:
    case UserControlType.StreamEof:
    case UserControlType.StreamDry:
    case UserControlType.StreamIsRecorded:
      need(payload, 6, 'User Control stream event');
      return { kind: STREAM_EVENTS[eventType], streamId: u32(payload, 2) };
    case UserControlType.SetBufferLength:
      need(payload, 10, 'User Control SetBufferLength');
      return { kind: 'setBufferLength', streamId: u32(payload, 2), bufferLengthMs: u32(payload, 6) };
    case UserControlType.PingRequest:
    case UserControlType.PingResponse:
      need(payload, 6, 'User Control ping');
      return {
        kind: eventType === UserControlType.PingRequest ? 'pingRequest' : 'pingResponse',
        timestamp: u32(payload, 2),
      };
    default:
      return { kind: 'unknown', eventType, data: payload.slice(2) };
  }
}

const USER_CONTROL_TYPES = {
  streamBegin: UserControlType.StreamBegin,
  streamEof: UserControlType.StreamEof,
  streamDry: UserControlType.StreamDry,
  streamIsRecorded: UserControlType.StreamIsRecorded,
  setBufferLength: UserControlType.SetBufferLength,
  pingRequest: UserControlType.PingRequest,
  pingResponse: UserControlType.PingResponse,
} as const;

function encodeUserControl(event: UserControlEvent): Uint8Array {
  if (event.kind === 'unknown') {
    const out = new Uint8Array(2 + event.data.length);
    out[0] = event.eventType >> 8;
    out[1] = event.eventType & 0xff;
    out.set(event.data, 2);
    return out;
  }
  const type = USER_CONTROL_TYPES[event.kind];
  const out = new Uint8Array(event.kind === 'setBufferLength' ? 10 : 6);
  out[1] = type;
  if ('timestamp' in event) {
    putU32(out, 2, event.timestamp);
  } else if (event.kind === 'setBufferLength') {
    putU32(out, 2, event.streamId);
    putU32(out, 6, event.bufferLengthMs);
  } else {
    putU32(out, 2, event.streamId);
  }
  return out;
}

/** Encodes a control message's payload; returns its type id too. */
export function encodeControl(message: ControlMessage): { typeId: number; payload: Uint8Array } {
  if (message.type === 'userControl') {
    return { typeId: MessageType.UserControl, payload: encodeUserControl(message.event) };
  }
  const payload = new Uint8Array(message.type === 'setPeerBandwidth' ? 5 : 4);
  switch (message.type) {
    case 'setChunkSize':
      putU32(payload, 0, message.chunkSize & 0x7fffffff);
      return { typeId: MessageType.SetChunkSize, payload };
    case 'abort':
      putU32(payload, 0, message.chunkStreamId);
      return { typeId: MessageType.Abort, payload };
    case 'ack':
      putU32(payload, 0, message.sequenceNumber);
      return { typeId: MessageType.Acknowledgement, payload };
    case 'windowAckSize':
      putU32(payload, 0, message.windowSize);
      return { typeId: MessageType.WindowAckSize, payload };
    case 'setPeerBandwidth':
      putU32(payload, 0, message.windowSize);
      payload[4] = message.limitType;
      return { typeId: MessageType.SetPeerBandwidth, payload };
  }
}
