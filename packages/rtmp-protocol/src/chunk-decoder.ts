/**
 * Chunk stream decoder: bytes -> raw messages. RTMP spec 1.0 §5.3.1 (chunk format: basic header,
 * message header types 0-3, extended timestamp), §5.4.1 (Set Chunk Size), §5.4.2 (Abort).
 *
 * Input is consumed as it arrives: a message's buffer is allocated at its first chunk and every chunk
 * body is copied straight into it (one copy per byte, as FFmpeg, librtmp and SRS do), so the only
 * bytes carried between calls are a partial chunk header (at most 18 bytes). Memory held for
 * unfinished messages is bounded by `maxMessageLength`, `maxChunkStreams` and `maxBufferedBytes`
 * (which counts the declared length of every unfinished message, since that is what is allocated).
 */
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MessageType } from './constants.js';
import { RtmpError } from './errors.js';

/** One complete message as it came off the chunk stream. */
export interface RawMessage {
  chunkStreamId: number;
  typeId: number;
  messageStreamId: number;
  /** Absolute timestamp, 32-bit unsigned (wraps around after 2^32 ms). */
  timestampMs: number;
  payload: Uint8Array;
}

export interface ChunkDecoderOptions {
  /** Largest Set Chunk Size the peer may announce. Default 16 MiB (no message is longer). */
  maxChunkSize?: number;
  /** Largest message length accepted. Default 16 MiB. */
  maxMessageLength?: number;
  /** Most chunk stream ids one connection may use. Default 64. */
  maxChunkStreams?: number;
  /** Most bytes allocated for unfinished messages (their declared lengths) over all chunk streams. Default 32 MiB. */
  maxBufferedBytes?: number;
}

/** Default `maxChunkSize` and `maxMessageLength`: 16 MiB. */
export const DEFAULT_MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const DEFAULT_MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;
export const DEFAULT_MAX_CHUNK_STREAMS = 64;
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Basic header (3) + type 0 message header (11) + extended timestamp (4). */
const MAX_HEADER_LENGTH = 18;
const EXTENDED = 0xffffff;

export interface ChunkStreamState {
  id: number;
  /** False until a type 0 (or tolerated type 1) header has set every field. */
  started: boolean;
  timestampMs: number;
  /** What a type 3 header starting a new message adds (the last header's timestamp field). */
  deltaMs: number;
  length: number;
  typeId: number;
  messageStreamId: number;
  /** The last type 0/1/2 header used the extended timestamp; its 32-bit value. */
  extended: boolean;
  extendedValue: number;
  /** Bytes of the current message received so far; 0 = between messages. */
  received: number;
  /** The current message's payload, allocated at its first chunk. */
  buffer: Uint8Array | undefined;
}

const NEED_MORE = -1;

/**
 * A decoder's whole state as plain, structured-cloneable data (`snapshot()` / `restore()`): what a
 * session moved to another thread or process needs to go on reading the same chunk stream.
 */
export interface ChunkDecoderState {
  chunkSize: number;
  streams: ChunkStreamState[];
  carry: Uint8Array;
  /** Chunk stream id whose chunk body is being read (-1: none). */
  body: number;
  bodyRemaining: number;
  buffered: number;
  consumed: number;
}

export class ChunkDecoder {
  /** The peer's chunk size (changed by Set Chunk Size). */
  chunkSize = DEFAULT_CHUNK_SIZE;
  /** Set when the peer violated the protocol; the decoder then ignores further input. */
  error: RtmpError | undefined;

  private readonly maxChunkSize: number;
  private readonly maxMessageLength: number;
  private readonly maxChunkStreams: number;
  private readonly maxBufferedBytes: number;
  private readonly streams = new Map<number, ChunkStreamState>();
  private carry: Uint8Array = new Uint8Array(0);
  /** Chunk stream whose chunk body is being read, and how many body bytes are still to come. */
  private body: ChunkStreamState | undefined;
  private bodyRemaining = 0;
  private buffered = 0;
  /** Bytes consumed over the life of the decoder (for error offsets). */
  private consumed = 0;

  constructor(options: ChunkDecoderOptions = {}) {
    this.maxChunkSize = Math.min(options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE, MAX_CHUNK_SIZE);
    this.maxMessageLength = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.maxChunkStreams = options.maxChunkStreams ?? DEFAULT_MAX_CHUNK_STREAMS;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  /** The state to carry on elsewhere with `restore`; copies, so this decoder may go on too. */
  snapshot(): ChunkDecoderState {
    return {
      chunkSize: this.chunkSize,
      streams: [...this.streams.values()].map((cs) => ({ ...cs, buffer: cs.buffer?.slice() })),
      carry: this.carry.slice(),
      body: this.body?.id ?? -1,
      bodyRemaining: this.bodyRemaining,
      buffered: this.buffered,
      consumed: this.consumed,
    };
  }

  /** Takes over a `snapshot()`: the next `push` continues where the snapshotted decoder stopped. */
  restore(state: ChunkDecoderState): void {
    this.chunkSize = state.chunkSize;
    this.streams.clear();
    for (const cs of state.streams) this.streams.set(cs.id, { ...cs });
    this.carry = state.carry;
    this.body = state.body < 0 ? undefined : this.streams.get(state.body);
    this.bodyRemaining = this.body === undefined ? 0 : state.bodyRemaining;
    this.buffered = state.buffered;
    this.consumed = state.consumed;
    this.error = undefined;
  }

  /**
   * Consumes `bytes` and returns every message completed by them. Never throws on peer input: a
   * violation sets `error`, and the messages completed before it are still returned.
   */
  push(bytes: Uint8Array): RawMessage[] {
    const out: RawMessage[] = [];
    if (this.error !== undefined) return out;
    try {
      this.run(bytes, out);
    } catch (e) {
      if (!(e instanceof RtmpError)) throw e;
      this.error = e;
      this.release();
    }
    return out;
  }

  private run(data: Uint8Array, out: RawMessage[]): void {
    let pos = 0;
    while (true) {
      if (this.bodyRemaining > 0) {
        const n = Math.min(this.bodyRemaining, data.length - pos);
        if (n === 0) return;
        const cs = this.body!;
        this.append(cs, data.subarray(pos, pos + n));
        pos += n;
        this.consumed += n;
        this.bodyRemaining -= n;
        if (this.bodyRemaining === 0) this.endChunk(cs, out);
        continue;
      }
      if (pos >= data.length) return;
      if (this.carry.length > 0) {
        const head = new Uint8Array(this.carry.length + Math.min(MAX_HEADER_LENGTH, data.length - pos));
        head.set(this.carry);
        head.set(data.subarray(pos, pos + head.length - this.carry.length), this.carry.length);
        const end = this.header(head, out);
        if (end === NEED_MORE) {
          this.carry = head;
          return;
        }
        pos += end - this.carry.length;
        this.carry = new Uint8Array(0);
      } else {
        const view = pos === 0 ? data : data.subarray(pos);
        const end = this.header(view, out);
        if (end === NEED_MORE) {
          this.carry = view.slice();
          return;
        }
        pos += end;
      }
    }
  }

  /**
   * Parses one chunk header at the start of `b`. Returns its length, or NEED_MORE without touching
   * any state when `b` ends inside it.
   */
  private header(b: Uint8Array, out: RawMessage[]): number {
    const len = b.length;
    if (len < 1) return NEED_MORE;
    const fmt = b[0]! >> 6;
    let csid = b[0]! & 0x3f;
    let p = 1;
    if (csid === 0) {
      if (len < 2) return NEED_MORE;
      csid = b[1]! + 64;
      p = 2;
    } else if (csid === 1) {
      if (len < 3) return NEED_MORE;
      csid = b[1]! + b[2]! * 256 + 64;
      p = 3;
    }
    const headerLength = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (len < p + headerLength) return NEED_MORE;
    let cs = this.streams.get(csid);
    const at = this.consumed;
    if (fmt === 3) {
      if (cs === undefined || !cs.started) {
        throw new RtmpError(
          'RTMP_PROTOCOL',
          `chunk stream ${csid} starts with a type 3 header at byte ${at}`,
          {
            offset: at,
            field: 'fmt',
          },
        );
      }
      let ext = 0;
      if (cs.extended) {
        if (cs.received === 0) {
          // A new message: the extended timestamp is always there.
          if (len < p + 4) return NEED_MORE;
          ext = 4;
        } else {
          // A continuation: some senders repeat the extended timestamp, some do not. Take the 4
          // bytes as a timestamp only when they equal the header's (as librtmp, FFmpeg and SRS do).
          if (len < p + 4) return NEED_MORE;
          const v = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
          if (v === cs.extendedValue) ext = 4;
        }
      }
      if (cs.received === 0) {
        if (ext === 4) cs.deltaMs = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
        cs.timestampMs = (cs.timestampMs + cs.deltaMs) >>> 0;
        this.startMessage(cs, at);
      }
      this.consumed += p + ext;
      this.beginBody(cs, out);
      return p + ext;
    }

    const field = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
    const extended = field === EXTENDED;
    const total = p + headerLength + (extended ? 4 : 0);
    if (len < total) return NEED_MORE;
    if (cs === undefined) {
      if (fmt === 2) {
        throw new RtmpError(
          'RTMP_PROTOCOL',
          `chunk stream ${csid} starts with a type 2 header at byte ${at}`,
          {
            offset: at,
            field: 'fmt',
          },
        );
      }
      if (this.streams.size >= this.maxChunkStreams) {
        throw new RtmpError(
          'RTMP_TOO_MANY_CHUNK_STREAMS',
          `chunk stream ${csid} at byte ${at} would be open chunk stream ${this.streams.size + 1}, limit maxChunkStreams is ${this.maxChunkStreams}`,
          { offset: at, field: 'csid' },
        );
      }
      cs = {
        id: csid,
        started: false,
        timestampMs: 0,
        deltaMs: 0,
        length: 0,
        typeId: 0,
        messageStreamId: 0,
        extended: false,
        extendedValue: 0,
        received: 0,
        buffer: undefined,
      };
      this.streams.set(csid, cs);
    } else if (fmt === 2 && !cs.started) {
      throw new RtmpError('RTMP_PROTOCOL', `chunk stream ${csid} starts with a type 2 header at byte ${at}`, {
        offset: at,
        field: 'fmt',
      });
    }
    const value = extended
      ? ((b[p + headerLength]! << 24) |
          (b[p + headerLength + 1]! << 16) |
          (b[p + headerLength + 2]! << 8) |
          b[p + headerLength + 3]!) >>>
        0
      : field;
    if (cs.received > 0) {
      this.continuation(cs, fmt, b, p, at);
      cs.deltaMs = value;
      cs.extended = extended;
      cs.extendedValue = value;
      this.consumed += total;
      this.beginBody(cs, out);
      return total;
    }
    if (fmt <= 1) {
      cs.length = (b[p + 3]! << 16) | (b[p + 4]! << 8) | b[p + 5]!;
      cs.typeId = b[p + 6]!;
    }
    if (fmt === 0) {
      cs.messageStreamId = (b[p + 7]! | (b[p + 8]! << 8) | (b[p + 9]! << 16) | (b[p + 10]! << 24)) >>> 0;
      cs.timestampMs = value;
    } else {
      cs.timestampMs = (cs.timestampMs + value) >>> 0;
    }
    cs.deltaMs = value;
    cs.extended = extended;
    cs.extendedValue = value;
    cs.started = true;
    this.startMessage(cs, at);
    this.consumed += total;
    this.beginBody(cs, out);
    return total;
  }

  /**
   * A type 1 or 2 header on a chunk that continues a message. The spec says these chunks should be
   * type 3, but some senders repeat the message's header; SRS accepts that when the length is
   * unchanged, and so do we (and the type, for type 1). The message keeps the timestamp of its first
   * chunk: a delta applies to a message, not to a chunk. The delta and the extended-timestamp state
   * are taken from the header, as SRS does, for the type 3 headers that follow.
   */
  private continuation(cs: ChunkStreamState, fmt: number, b: Uint8Array, p: number, at: number): void {
    const left = cs.length - cs.received;
    if (fmt === 0) {
      throw new RtmpError(
        'RTMP_PROTOCOL',
        `a type 0 header at byte ${at} interrupts a message on chunk stream ${cs.id} with ${left} bytes still to come`,
        { offset: at, field: 'fmt' },
      );
    }
    if (fmt !== 1) return;
    const length = (b[p + 3]! << 16) | (b[p + 4]! << 8) | b[p + 5]!;
    const typeId = b[p + 6]!;
    if (length !== cs.length) {
      throw new RtmpError(
        'RTMP_PROTOCOL',
        `a type 1 header at byte ${at} changes the length of the unfinished message on chunk stream ${cs.id} from ${cs.length} to ${length} bytes (${left} still to come); a continuation may repeat the header, not change it`,
        { offset: at, field: 'messageLength' },
      );
    }
    if (typeId !== cs.typeId) {
      throw new RtmpError(
        'RTMP_PROTOCOL',
        `a type 1 header at byte ${at} changes the type of the unfinished message on chunk stream ${cs.id} from ${cs.typeId} to ${typeId} (${left} bytes still to come); a continuation may repeat the header, not change it`,
        { offset: at, field: 'typeId' },
      );
    }
  }

  private startMessage(cs: ChunkStreamState, at: number): void {
    if (cs.length > this.maxMessageLength) {
      throw new RtmpError(
        'RTMP_MESSAGE_TOO_LARGE',
        `message on chunk stream ${cs.id} at byte ${at} declares ${cs.length} bytes, limit maxMessageLength is ${this.maxMessageLength}`,
        { offset: at, field: 'messageLength' },
      );
    }
  }

  /** Sets up the body of the chunk whose header was just read. */
  private beginBody(cs: ChunkStreamState, out: RawMessage[]): void {
    const left = cs.length - cs.received;
    if (left === 0) {
      // A zero-length message is complete at its header.
      this.complete(cs, new Uint8Array(0), out);
      return;
    }
    this.body = cs;
    this.bodyRemaining = Math.min(left, this.chunkSize);
  }

  private append(cs: ChunkStreamState, piece: Uint8Array): void {
    if (cs.buffer === undefined) {
      const held = this.buffered + cs.length;
      if (held > this.maxBufferedBytes) {
        throw new RtmpError(
          'RTMP_MESSAGE_TOO_LARGE',
          `a ${cs.length}-byte message on chunk stream ${cs.id} at byte ${this.consumed} would make unfinished messages hold ${held} bytes, limit maxBufferedBytes is ${this.maxBufferedBytes}`,
          { offset: this.consumed, field: 'messageLength' },
        );
      }
      this.buffered = held;
      cs.buffer = new Uint8Array(cs.length);
    }
    cs.buffer.set(piece, cs.received);
    cs.received += piece.length;
  }

  private endChunk(cs: ChunkStreamState, out: RawMessage[]): void {
    if (cs.received < cs.length) return;
    const payload = cs.buffer!;
    this.buffered -= cs.length;
    cs.buffer = undefined;
    cs.received = 0;
    this.complete(cs, payload, out);
  }

  private complete(cs: ChunkStreamState, payload: Uint8Array, out: RawMessage[]): void {
    const msg: RawMessage = {
      chunkStreamId: cs.id,
      typeId: cs.typeId,
      messageStreamId: cs.messageStreamId,
      timestampMs: cs.timestampMs,
      payload,
    };
    // Protocol control takes effect before the next chunk is parsed (RTMP spec §5.4).
    if (cs.typeId === MessageType.SetChunkSize && payload.length >= 4) {
      const v = ((payload[0]! << 24) | (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!) >>> 0;
      if (v === 0 || v > 0x7fffffff) {
        throw new RtmpError('RTMP_BAD_CHUNK_SIZE', `Set Chunk Size ${v} is outside 1..2147483647`, {
          offset: this.consumed,
          field: 'chunkSize',
        });
      }
      if (v > this.maxChunkSize) {
        throw new RtmpError(
          'RTMP_CHUNK_TOO_LARGE',
          `peer set chunk size ${v}, limit maxChunkSize is ${this.maxChunkSize}`,
          {
            offset: this.consumed,
            field: 'chunkSize',
          },
        );
      }
      this.chunkSize = v;
    } else if (cs.typeId === MessageType.Abort && payload.length >= 4) {
      const id = ((payload[0]! << 24) | (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!) >>> 0;
      this.abort(id);
    }
    out.push(msg);
  }

  /** Drops the unfinished message on a chunk stream (Abort, RTMP spec §5.4.2). */
  private abort(csid: number): void {
    const cs = this.streams.get(csid);
    if (cs === undefined || cs.received === 0) return;
    this.buffered -= cs.length;
    cs.buffer = undefined;
    cs.received = 0;
  }

  private release(): void {
    this.streams.clear();
    this.carry = new Uint8Array(0);
    this.body = undefined;
    this.bodyRemaining = 0;
    this.buffered = 0;
  }
}
