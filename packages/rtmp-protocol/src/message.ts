/**
 * Typed messages over raw ones: RTMP spec 1.0 §7.1 (command 20/17, data 18/15, shared object 19/16,
 * audio 8, video 9, aggregate 22) and §5.4 (protocol control, see control.ts).
 */
import {
  type AmfDecodeOptions,
  type AmfValue,
  decodeAmf0Sequence,
  encodeAmf0Sequence,
  encodeAmf3Sequence,
  LivegoError,
} from '@livego/amf';
import type { RawMessage } from './chunk-decoder.js';
import type { OutgoingMessage } from './chunk-encoder.js';
import { MessageType } from './constants.js';
import { type ControlMessage, decodeControl, encodeControl, isControlType } from './control.js';
import { RtmpError } from './errors.js';

/** A NetConnection / NetStream command (RTMP spec §7.2): name, transaction id, command object, arguments. */
export interface Command {
  name: string;
  transactionId: number;
  /** The command object (null for most NetStream commands). */
  commandObject: AmfValue;
  args: AmfValue[];
}

export type RtmpMessage =
  | (ControlMessage & { timestampMs: number; messageStreamId: number })
  | { type: 'audio' | 'video'; timestampMs: number; messageStreamId: number; payload: Uint8Array }
  | {
      type: 'data';
      /** 0 for type 18, 3 for type 15. */
      amf: 0 | 3;
      timestampMs: number;
      messageStreamId: number;
      values: AmfValue[];
    }
  | ({ type: 'command'; amf: 0 | 3; timestampMs: number; messageStreamId: number } & Command)
  | { type: 'sharedObject'; amf: 0 | 3; timestampMs: number; messageStreamId: number; payload: Uint8Array }
  | { type: 'aggregate'; timestampMs: number; messageStreamId: number; messages: RawMessage[] }
  | { type: 'unknown'; typeId: number; timestampMs: number; messageStreamId: number; payload: Uint8Array };

const AMF_LIMITS = new Set(['AMF_TOO_DEEP', 'AMF_TOO_LARGE', 'AMF_TOO_MANY_ELEMENTS']);

function amfError(what: string, e: unknown): RtmpError {
  const detail = e instanceof Error ? e.message : String(e);
  const limit = e instanceof LivegoError && AMF_LIMITS.has(e.code);
  return new RtmpError(
    'RTMP_BAD_COMMAND',
    `${what} ${limit ? 'is over an AMF limit' : 'is not valid AMF'}: ${detail}`,
    {
      cause: e,
      offset: e instanceof LivegoError ? e.offset : undefined,
      field: e instanceof LivegoError ? e.field : undefined,
    },
  );
}

/**
 * The AMF0 bytes of a data or command body. AMF3 messages (15, 17) start with a format byte (0) and
 * then carry AMF0 values that switch to AMF3 per value with the 0x11 marker.
 */
function amfBody(typeId: number, payload: Uint8Array): Uint8Array {
  return typeId === MessageType.CommandAmf3 || typeId === MessageType.DataAmf3
    ? payload.subarray(1)
    : payload;
}

/** Parses a command body (type 20 or 17). Throws RtmpError 'RTMP_BAD_COMMAND'. */
export function decodeCommand(typeId: number, payload: Uint8Array, options?: AmfDecodeOptions): Command {
  let values: AmfValue[];
  try {
    values = decodeAmf0Sequence(amfBody(typeId, payload), options);
  } catch (e) {
    throw amfError('command message', e);
  }
  const name = values[0];
  if (typeof name !== 'string') {
    throw new RtmpError(
      'RTMP_BAD_COMMAND',
      `command message starts with ${values.length === 0 ? 'nothing' : typeof name}, expected the command name string`,
      { offset: 0, field: 'commandName' },
    );
  }
  const txn = values[1];
  return {
    name,
    transactionId: typeof txn === 'number' && Number.isFinite(txn) ? txn : 0,
    commandObject: values.length > 2 ? values[2] : null,
    args: values.slice(3),
  };
}

/** Encodes a command body: AMF0 for type 20; for type 17 the format byte then AMF0. */
export function encodeCommand(command: Command, amf: 0 | 3 = 0): Uint8Array {
  const body = encodeAmf0Sequence([
    command.name,
    command.transactionId,
    command.commandObject,
    ...command.args,
  ]);
  if (amf === 0) return body;
  const out = new Uint8Array(body.length + 1);
  out.set(body, 1);
  return out;
}

/** Parses a data message body (type 18 or 15). Throws RtmpError 'RTMP_BAD_COMMAND'. */
export function decodeData(typeId: number, payload: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  try {
    return decodeAmf0Sequence(amfBody(typeId, payload), options);
  } catch (e) {
    throw amfError('data message', e);
  }
}

/** Encodes a data message body; `amf` 3 writes the values in AMF3 after the format byte. */
export function encodeData(values: AmfValue[], amf: 0 | 3 = 0): Uint8Array {
  if (amf === 0) return encodeAmf0Sequence(values);
  // Each value through the AVM+ switch marker, as Flash Player writes type 15 bodies.
  const parts = values.map((v) => encodeAmf3Sequence([v]));
  const out = new Uint8Array(1 + parts.reduce((n, p) => n + p.length + 1, 0));
  let o = 1;
  for (const p of parts) {
    out[o++] = 0x11;
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Splits an aggregate message (type 22) into its sub-messages (FLV-tag-like: type, 24-bit size, 24+8-bit
 * timestamp, 24-bit stream id, body, 32-bit back pointer). Timestamps are rebased so that the first
 * sub-message has the aggregate's timestamp. Throws RtmpError 'RTMP_TRUNCATED' on a cut sub-message.
 */
export function splitAggregate(message: RawMessage): RawMessage[] {
  const b = message.payload;
  const out: RawMessage[] = [];
  let p = 0;
  let first: number | undefined;
  while (p < b.length) {
    if (b.length - p < 11) {
      throw new RtmpError('RTMP_TRUNCATED', `aggregate sub-message header at byte ${p} is cut short`, {
        offset: p,
        field: 'aggregate',
      });
    }
    const typeId = b[p]!;
    const size = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    const ts = ((b[p + 7]! << 24) | (b[p + 4]! << 16) | (b[p + 5]! << 8) | b[p + 6]!) >>> 0;
    const bodyAt = p + 11;
    if (b.length - bodyAt < size) {
      throw new RtmpError(
        'RTMP_TRUNCATED',
        `aggregate sub-message at byte ${p} declares ${size} bytes, ${b.length - bodyAt} left`,
        { offset: p, field: 'aggregate' },
      );
    }
    first ??= ts;
    out.push({
      chunkStreamId: message.chunkStreamId,
      typeId,
      messageStreamId: message.messageStreamId,
      timestampMs: (message.timestampMs + ts - first) >>> 0,
      payload: b.slice(bodyAt, bodyAt + size),
    });
    // The back pointer is optional at the very end.
    p = Math.min(b.length, bodyAt + size + 4);
  }
  return out;
}

/** Builds an aggregate body from sub-messages (for tests and relays). */
export function buildAggregate(messages: OutgoingMessage[]): Uint8Array {
  const total = messages.reduce((n, m) => n + 11 + m.payload.length + 4, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let p = 0;
  for (const m of messages) {
    const n = m.payload.length;
    const ts = m.timestampMs >>> 0;
    out[p] = m.typeId;
    out[p + 1] = n >>> 16;
    out[p + 2] = (n >>> 8) & 0xff;
    out[p + 3] = n & 0xff;
    out[p + 4] = (ts >>> 16) & 0xff;
    out[p + 5] = (ts >>> 8) & 0xff;
    out[p + 6] = ts & 0xff;
    out[p + 7] = ts >>> 24;
    out.set(m.payload, p + 11);
    view.setUint32(p + 11 + n, 11 + n);
    p += 11 + n + 4;
  }
  return out;
}

/** Turns a raw message into a typed one. Throws RtmpError on a malformed body. */
export function decodeMessage(raw: RawMessage, options?: AmfDecodeOptions): RtmpMessage {
  const { typeId, payload, timestampMs, messageStreamId } = raw;
  const base = { timestampMs, messageStreamId };
  if (isControlType(typeId)) return { ...decodeControl(typeId, payload), ...base };
  switch (typeId) {
    case MessageType.Audio:
      return { type: 'audio', payload, ...base };
    case MessageType.Video:
      return { type: 'video', payload, ...base };
    case MessageType.DataAmf0:
    case MessageType.DataAmf3:
      return {
        type: 'data',
        amf: typeId === MessageType.DataAmf0 ? 0 : 3,
        values: decodeData(typeId, payload, options),
        ...base,
      };
    case MessageType.CommandAmf0:
    case MessageType.CommandAmf3:
      return {
        type: 'command',
        amf: typeId === MessageType.CommandAmf0 ? 0 : 3,
        ...decodeCommand(typeId, payload, options),
        ...base,
      };
    case MessageType.SharedObjectAmf0:
    case MessageType.SharedObjectAmf3:
      return { type: 'sharedObject', amf: typeId === MessageType.SharedObjectAmf0 ? 0 : 3, payload, ...base };
    case MessageType.Aggregate:
      return { type: 'aggregate', messages: splitAggregate(raw), ...base };
    default:
      return { type: 'unknown', typeId, payload, ...base };
  }
}

/** Turns a typed message into the raw message to chunk. */
export function encodeMessage(message: RtmpMessage): OutgoingMessage {
  const { timestampMs, messageStreamId } = message;
  switch (message.type) {
    case 'audio':
      return { typeId: MessageType.Audio, timestampMs, messageStreamId, payload: message.payload };
    case 'video':
      return { typeId: MessageType.Video, timestampMs, messageStreamId, payload: message.payload };
    case 'data':
      return {
        typeId: message.amf === 0 ? MessageType.DataAmf0 : MessageType.DataAmf3,
        timestampMs,
        messageStreamId,
        payload: encodeData(message.values, message.amf),
      };
    case 'command':
      return {
        typeId: message.amf === 0 ? MessageType.CommandAmf0 : MessageType.CommandAmf3,
        timestampMs,
        messageStreamId,
        payload: encodeCommand(message, message.amf),
      };
    case 'sharedObject':
      return {
        typeId: message.amf === 0 ? MessageType.SharedObjectAmf0 : MessageType.SharedObjectAmf3,
        timestampMs,
        messageStreamId,
        payload: message.payload,
      };
    case 'aggregate':
      return {
        typeId: MessageType.Aggregate,
        timestampMs,
        messageStreamId,
        payload: buildAggregate(
          message.messages.map((m) => ({ ...m, timestampMs: (m.timestampMs - timestampMs) >>> 0 })),
        ),
      };
    case 'unknown':
      return { typeId: message.typeId, timestampMs, messageStreamId, payload: message.payload };
    default: {
      const { typeId, payload } = encodeControl(message);
      return { typeId, timestampMs, messageStreamId, payload };
    }
  }
}
