/**
 * What server and client sessions share: handshake -> chunk stream -> typed messages, protocol control
 * (RTMP spec 1.0 §5.4: chunk size, acknowledgements, window and peer bandwidth; §7.1.7 ping), media in
 * and out. Sans-I/O: `receive(bytes, nowMs)` returns events, output is read with `takeOutput()`.
 */
import { type AmfDecodeOptions, type AmfObject, type AmfValue, DEFAULT_MAX_ELEMENTS } from '@livego/amf';
import {
  ChunkDecoder,
  type ChunkDecoderOptions,
  type ChunkDecoderState,
  type RawMessage,
} from './chunk-decoder.js';
import { encodeMessageChunks, type OutgoingMessage } from './chunk-encoder.js';
import {
  BandwidthLimitType,
  type BandwidthLimitTypeId,
  ChunkStreamId,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_WINDOW_ACK_SIZE,
  MessageType,
} from './constants.js';
import { type ControlMessage, encodeControl, type UserControlEvent } from './control.js';
import { RtmpError } from './errors.js';
import type { HandshakeEvent, HandshakeMode } from './handshake.js';
import {
  type Command,
  decodeData,
  decodeMessage,
  encodeCommand,
  type RtmpMessage,
  splitAggregate,
} from './message.js';

/** Default `limits.maxAmfDepth`. */
export const DEFAULT_MAX_AMF_DEPTH = 32;

/** The status object of an onStatus / _result / _error (level, code, description, ...). */
export type StatusInfo = AmfObject;

/** Events both roles produce. */
export type CommonEvent =
  | { type: 'handshake'; mode: HandshakeMode; peerVersion: number }
  | { type: 'audio' | 'video'; streamId: number; timestampMs: number; payload: Uint8Array }
  | DataEvent
  /** A shared object message (types 16/19): not supported, reported and ignored. */
  | { type: 'unsupported'; typeId: number; streamId: number }
  | { type: 'pingResponse'; timestamp: number; rttMs: number | undefined }
  | { type: 'userControl'; event: UserControlEvent }
  | { type: 'ack'; sequenceNumber: number }
  /** One corrupt media or data message was dropped; the session goes on. */
  | { type: 'dropped'; error: RtmpError }
  /** The peer violated the protocol or a limit; the session is closed. */
  | { type: 'error'; error: RtmpError };

/**
 * A data message (type 18, or 15 without its format byte). The body is not decoded on arrival: a
 * server that forwards it (and parses the script tag once, downstream) never pays for a second
 * decode. `values` decodes it on first read, with the session's AMF limits, and keeps the result; it
 * throws RtmpError 'RTMP_BAD_COMMAND' when the body is not valid AMF. `values` is a getter on the
 * prototype, so spreading or comparing the event sees only the plain fields.
 */
export interface DataEvent {
  type: 'data';
  streamId: number;
  timestampMs: number;
  /** The AMF0 body (for type 15 without its format byte), as an FLV script tag would hold it. */
  payload: Uint8Array;
  readonly values: AmfValue[];
}

class LazyDataEvent implements DataEvent {
  readonly type = 'data' as const;
  streamId: number;
  timestampMs: number;
  payload: Uint8Array;
  #typeId: number;
  #raw: Uint8Array;
  #options: AmfDecodeOptions;
  #values: AmfValue[] | undefined;

  constructor(raw: RawMessage, options: AmfDecodeOptions) {
    this.streamId = raw.messageStreamId;
    this.timestampMs = raw.timestampMs;
    this.payload = raw.typeId === MessageType.DataAmf3 ? raw.payload.subarray(1) : raw.payload;
    this.#typeId = raw.typeId;
    this.#raw = raw.payload;
    this.#options = options;
  }

  get values(): AmfValue[] {
    this.#values ??= decodeData(this.#typeId, this.#raw, this.#options);
    return this.#values;
  }
}

export interface SessionOptions {
  /** Chunk size we announce and write with once connected. Default 4096. */
  chunkSize?: number;
  /** Window acknowledgement size we announce (how often the peer acks us). Default 2,500,000. */
  windowAckSize?: number;
  /** Chunk stream limits (see ChunkDecoderOptions). */
  limits?: ChunkDecoderOptions & {
    /** Deepest AMF nesting in commands and data. Default 32. */
    maxAmfDepth?: number;
    /** Most AMF values inside containers in one command or data message (AMF `maxElements`). Default 65536. */
    maxAmfElements?: number;
  };
}

/** What both roles carry over in a session snapshot (plain, structured-cloneable data). */
export interface SessionBaseState {
  decoder: ChunkDecoderState;
  outChunkSize: number;
  nowMs: number;
  received: number;
  receivedAtLastAck: number;
  ackWindow: number;
  sentWindow: number | undefined;
  lastLimitType: BandwidthLimitTypeId | undefined;
  pingSentAt: [number, number][];
}

interface Handshaker {
  receive(bytes: Uint8Array): HandshakeEvent[];
}

export abstract class SessionBase<E extends { type: string }> {
  protected readonly decoder: ChunkDecoder;
  protected readonly amfOptions: AmfDecodeOptions;
  /** Our outgoing chunk size; changed only by sendSetChunkSize. */
  protected outChunkSize = DEFAULT_CHUNK_SIZE;
  protected readonly announcedChunkSize: number;
  protected readonly announcedWindow: number;
  protected handshake: Handshaker | undefined;
  protected events: (E | CommonEvent)[] = [];
  protected nowMs = 0;
  private output: Uint8Array[] = [];
  private closedFlag = false;
  /** Bytes received in total (the acknowledgement sequence number, modulo 2^32). */
  private received = 0;
  private receivedAtLastAck = 0;
  /** The peer's Window Acknowledgement Size: we ack every time this many bytes arrived. */
  private ackWindow = DEFAULT_WINDOW_ACK_SIZE;
  /** The window we last announced, and the limit type of the last Set Peer Bandwidth. */
  private sentWindow: number | undefined;
  private lastLimitType: BandwidthLimitTypeId | undefined;
  private pingSentAt = new Map<number, number>();

  constructor(options: SessionOptions) {
    this.decoder = new ChunkDecoder(options.limits);
    this.amfOptions = {
      maxDepth: options.limits?.maxAmfDepth ?? DEFAULT_MAX_AMF_DEPTH,
      maxElements: options.limits?.maxAmfElements ?? DEFAULT_MAX_ELEMENTS,
    };
    this.announcedChunkSize = options.chunkSize ?? 4096;
    this.announcedWindow = options.windowAckSize ?? DEFAULT_WINDOW_ACK_SIZE;
  }

  /**
   * The connection-level state, for a session that goes on in another thread or process. Only once the
   * handshake is done, the session is open and its output has been taken (nothing may be lost).
   */
  protected baseState(): SessionBaseState {
    if (this.handshake !== undefined || this.closedFlag || this.output.length > 0) {
      const why =
        this.handshake !== undefined
          ? 'the handshake is not done'
          : this.closedFlag
            ? 'it is closed'
            : 'output is waiting (takeOutput first)';
      throw new RtmpError('RTMP_PROTOCOL', `a session can be snapshotted only when idle: ${why}`);
    }
    return {
      decoder: this.decoder.snapshot(),
      outChunkSize: this.outChunkSize,
      nowMs: this.nowMs,
      received: this.received,
      receivedAtLastAck: this.receivedAtLastAck,
      ackWindow: this.ackWindow,
      sentWindow: this.sentWindow,
      lastLimitType: this.lastLimitType,
      pingSentAt: [...this.pingSentAt],
    };
  }

  /** Takes over `baseState()`: the handshake is skipped and the chunk stream continues. */
  protected restoreBase(state: SessionBaseState): void {
    this.handshake = undefined;
    this.decoder.restore(state.decoder);
    this.outChunkSize = state.outChunkSize;
    this.nowMs = state.nowMs;
    this.received = state.received;
    this.receivedAtLastAck = state.receivedAtLastAck;
    this.ackWindow = state.ackWindow;
    this.sentWindow = state.sentWindow;
    this.lastLimitType = state.lastLimitType;
    this.pingSentAt = new Map(state.pingSentAt);
  }

  /** True after an error or close(): input is ignored and nothing more is written. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** The chunk size our output uses now: pre-encode media with it for `sendEncoded`. */
  get chunkSize(): number {
    return this.outChunkSize;
  }

  /** The chunk size the peer writes with. */
  get peerChunkSize(): number {
    return this.decoder.chunkSize;
  }

  /**
   * Consumes bytes from the peer and returns what happened. Never throws: a violation becomes an
   * `error` event and closes the session.
   */
  receive(bytes: Uint8Array, nowMs?: number): (E | CommonEvent)[] {
    if (nowMs !== undefined) this.nowMs = nowMs;
    this.events = [];
    if (this.closedFlag) return [];
    try {
      this.received = (this.received + bytes.length) % 0x1_0000_0000;
      let rest: Uint8Array | undefined = bytes;
      if (this.handshake !== undefined) rest = this.feedHandshake(bytes);
      if (rest !== undefined && rest.length > 0 && !this.closedFlag) {
        const messages = this.decoder.push(rest);
        for (const m of messages) {
          if (this.closedFlag) break;
          this.dispatch(m);
        }
        if (this.decoder.error !== undefined) this.fail(this.decoder.error);
        else if (!this.closedFlag) this.maybeAck();
      }
    } catch (e) {
      this.fail(
        e instanceof RtmpError
          ? e
          : new RtmpError('RTMP_PROTOCOL', `internal error: ${e instanceof Error ? e.message : String(e)}`, {
              cause: e,
            }),
      );
    }
    const out = this.events;
    this.events = [];
    return out;
  }

  /** Bytes to write to the peer, in order; empties the queue. */
  takeOutput(): Uint8Array[] {
    const out = this.output;
    this.output = [];
    return out;
  }

  /** Stops the session: no more input is processed and nothing more is queued. */
  close(): void {
    this.closedFlag = true;
  }

  /** Queues chunk bytes already encoded (with `chunkSize` and the right stream id), as they are. */
  sendEncoded(bytes: Uint8Array): void {
    if (!this.closedFlag) this.output.push(bytes);
  }

  sendAudio(streamId: number, timestampMs: number, payload: Uint8Array): void {
    this.sendMessage(
      { typeId: MessageType.Audio, timestampMs, messageStreamId: streamId, payload },
      ChunkStreamId.Audio,
    );
  }

  sendVideo(streamId: number, timestampMs: number, payload: Uint8Array): void {
    this.sendMessage(
      { typeId: MessageType.Video, timestampMs, messageStreamId: streamId, payload },
      ChunkStreamId.Video,
    );
  }

  /** Sends an AMF0 data message body (e.g. `onMetaData` + ECMA array) as type 18. */
  sendData(streamId: number, timestampMs: number, payload: Uint8Array): void {
    this.sendMessage(
      { typeId: MessageType.DataAmf0, timestampMs, messageStreamId: streamId, payload },
      ChunkStreamId.Data,
    );
  }

  /** Sends a PingRequest carrying `nowMs`; the answer comes back as a `pingResponse` event with the RTT. */
  ping(nowMs: number): void {
    const timestamp = nowMs >>> 0;
    this.pingSentAt.set(timestamp, nowMs);
    if (this.pingSentAt.size > 16) this.pingSentAt.delete(this.pingSentAt.keys().next().value!);
    this.sendControl({ type: 'userControl', event: { kind: 'pingRequest', timestamp } });
  }

  /** Encodes and queues one message with our current chunk size. */
  sendMessage(message: OutgoingMessage, chunkStreamId: number): void {
    if (this.closedFlag) return;
    this.output.push(encodeMessageChunks(message, { chunkSize: this.outChunkSize, chunkStreamId }));
  }

  protected sendControl(message: ControlMessage): void {
    const { typeId, payload } = encodeControl(message);
    this.sendMessage({ typeId, timestampMs: 0, messageStreamId: 0, payload }, ChunkStreamId.Control);
  }

  protected sendSetChunkSize(size: number): void {
    this.sendControl({ type: 'setChunkSize', chunkSize: size });
    this.outChunkSize = size;
  }

  protected sendWindowAckSize(size: number): void {
    this.sendControl({ type: 'windowAckSize', windowSize: size });
    this.sentWindow = size;
  }

  protected sendCommand(streamId: number, command: Command, chunkStreamId?: number): void {
    this.sendMessage(
      {
        typeId: MessageType.CommandAmf0,
        timestampMs: 0,
        messageStreamId: streamId,
        payload: encodeCommand(command),
      },
      chunkStreamId ?? (streamId === 0 ? ChunkStreamId.Command : ChunkStreamId.StreamCommand),
    );
  }

  protected queueRaw(bytes: Uint8Array): void {
    if (!this.closedFlag) this.output.push(bytes);
  }

  protected emit(event: E | CommonEvent): void {
    this.events.push(event);
  }

  protected fail(error: RtmpError): void {
    if (this.closedFlag) return;
    this.emit({ type: 'error', error });
    this.closedFlag = true;
  }

  /** Handshake events -> output; returns the bytes after the handshake once it is done. */
  private feedHandshake(bytes: Uint8Array): Uint8Array | undefined {
    const hs = this.handshake!;
    let rest: Uint8Array | undefined;
    for (const ev of hs.receive(bytes)) {
      if (ev.type === 'data') this.queueRaw(ev.bytes);
      else if (ev.type === 'error') this.fail(ev.error);
      else {
        this.handshake = undefined;
        this.emit({ type: 'handshake', mode: ev.mode, peerVersion: ev.peerVersion });
        this.onHandshakeDone();
        rest = ev.rest;
      }
    }
    return rest;
  }

  /** Sends an Acknowledgement each time the peer's window is crossed (cumulative sequence number). */
  private maybeAck(): void {
    const since = (this.received - this.receivedAtLastAck + 0x1_0000_0000) % 0x1_0000_0000;
    if (this.ackWindow > 0 && since >= this.ackWindow) {
      this.sendControl({ type: 'ack', sequenceNumber: this.received });
      this.receivedAtLastAck = this.received;
    }
  }

  private dispatch(raw: RawMessage): void {
    const { typeId } = raw;
    if (typeId === MessageType.Aggregate) {
      let subs: RawMessage[];
      try {
        subs = splitAggregate(raw);
      } catch (e) {
        this.emit({ type: 'dropped', error: e as RtmpError });
        return;
      }
      for (const sub of subs) if (sub.typeId !== MessageType.Aggregate) this.dispatch(sub);
      return;
    }
    if (typeId === MessageType.DataAmf0 || typeId === MessageType.DataAmf3) {
      // Decoded only when someone reads `values` (see DataEvent).
      this.onMedia(new LazyDataEvent(raw, this.amfOptions));
      return;
    }
    let message: RtmpMessage;
    try {
      message = decodeMessage(raw, this.amfOptions);
    } catch (e) {
      if (!(e instanceof RtmpError)) throw e;
      // A corrupt command or control message ends the session.
      this.fail(e);
      return;
    }
    const streamId = raw.messageStreamId;
    switch (message.type) {
      case 'setChunkSize':
      case 'abort':
        return; // applied by the chunk decoder
      case 'ack':
        this.emit({ type: 'ack', sequenceNumber: message.sequenceNumber });
        return;
      case 'windowAckSize':
        this.ackWindow = message.windowSize;
        return;
      case 'setPeerBandwidth':
        this.onPeerBandwidth(message.windowSize, message.limitType);
        return;
      case 'userControl':
        this.onUserControl(message.event);
        return;
      case 'audio':
      case 'video':
        this.onMedia({ type: message.type, streamId, timestampMs: raw.timestampMs, payload: raw.payload });
        return;
      case 'data':
        return; // handled above, without decoding
      case 'command':
        this.onCommand(streamId, raw.chunkStreamId, message);
        return;
      case 'sharedObject':
        this.emit({ type: 'unsupported', typeId, streamId });
        return;
      default:
        // Unknown message types are ignored, as every RTMP implementation does.
        return;
    }
  }

  /** RTMP spec §5.4.5: answer a changed peer bandwidth with our Window Acknowledgement Size. */
  private onPeerBandwidth(size: number, limitType: BandwidthLimitTypeId): void {
    let window = this.sentWindow ?? this.announcedWindow;
    if (limitType === BandwidthLimitType.Hard) window = size;
    else if (limitType === BandwidthLimitType.Soft) window = Math.min(window, size);
    else if (this.lastLimitType === BandwidthLimitType.Hard) window = size;
    if (limitType !== BandwidthLimitType.Dynamic) this.lastLimitType = limitType;
    if (window !== this.sentWindow) this.sendWindowAckSize(window);
  }

  private onUserControl(event: UserControlEvent): void {
    if (event.kind === 'pingRequest') {
      this.sendControl({ type: 'userControl', event: { kind: 'pingResponse', timestamp: event.timestamp } });
      return;
    }
    if (event.kind === 'pingResponse') {
      const sent = this.pingSentAt.get(event.timestamp);
      this.pingSentAt.delete(event.timestamp);
      this.emit({
        type: 'pingResponse',
        timestamp: event.timestamp,
        rttMs: sent === undefined ? undefined : this.nowMs - sent,
      });
      return;
    }
    this.emit({ type: 'userControl', event });
  }

  protected abstract onHandshakeDone(): void;
  protected abstract onMedia(event: Extract<CommonEvent, { type: 'audio' | 'video' | 'data' }>): void;
  protected abstract onCommand(streamId: number, chunkStreamId: number, command: Command): void;
}

export function statusInfo(
  level: 'status' | 'error' | 'warning',
  code: string,
  description: string,
): StatusInfo {
  return { level, code, description };
}
