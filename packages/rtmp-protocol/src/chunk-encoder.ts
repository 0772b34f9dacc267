/**
 * Chunk stream encoder: one message -> chunk bytes. RTMP spec 1.0 §5.3.1.
 *
 * Every message goes out as a type 0 chunk followed by type 3 continuations (no header compression),
 * so the bytes depend only on the message, the chunk size and the chunk stream id — never on what
 * was sent before. That is what lets a server encode a media message once and send the same bytes to
 * every viewer with that chunk size. When the extended timestamp is used it is repeated on every
 * continuation, as FFmpeg, librtmp and the Adobe servers do.
 */
import { MAX_CHUNK_SIZE, MAX_CHUNK_STREAM_ID, MAX_MESSAGE_LENGTH_FIELD } from './constants.js';

export interface OutgoingMessage {
  typeId: number;
  /** Absolute timestamp; values above 32 bits wrap around. */
  timestampMs: number;
  messageStreamId: number;
  payload: Uint8Array;
}

export interface ChunkOptions {
  chunkSize: number;
  chunkStreamId: number;
}

function basicHeaderLength(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function writeBasicHeader(out: Uint8Array, at: number, fmt: number, csid: number): number {
  if (csid < 64) {
    out[at] = (fmt << 6) | csid;
    return at + 1;
  }
  if (csid < 320) {
    out[at] = fmt << 6;
    out[at + 1] = csid - 64;
    return at + 2;
  }
  out[at] = (fmt << 6) | 1;
  out[at + 1] = (csid - 64) & 0xff;
  out[at + 2] = (csid - 64) >> 8;
  return at + 3;
}

function checkOptions(messageLength: number, options: ChunkOptions): void {
  const { chunkSize, chunkStreamId } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new TypeError(`chunkSize must be an integer in 1..${MAX_CHUNK_SIZE}, got ${chunkSize}`);
  }
  if (!Number.isInteger(chunkStreamId) || chunkStreamId < 2 || chunkStreamId > MAX_CHUNK_STREAM_ID) {
    throw new TypeError(
      `chunkStreamId must be an integer in 2..${MAX_CHUNK_STREAM_ID}, got ${chunkStreamId}`,
    );
  }
  if (messageLength > MAX_MESSAGE_LENGTH_FIELD) {
    throw new TypeError(`a message of ${messageLength} bytes does not fit the 24-bit length field`);
  }
}

/** Exact number of bytes `encodeMessageChunks` produces. */
export function encodedChunksLength(message: OutgoingMessage, options: ChunkOptions): number {
  const n = message.payload.length;
  const chunks = n === 0 ? 1 : Math.ceil(n / options.chunkSize);
  const ts = message.timestampMs >>> 0;
  const ext = ts >= 0xffffff ? 4 : 0;
  const basic = basicHeaderLength(options.chunkStreamId);
  return basic + 11 + ext + (chunks - 1) * (basic + ext) + n;
}

/**
 * Encodes one message as chunks: a type 0 header, then type 3 continuations every `chunkSize`
 * payload bytes. Pure: the result depends only on the arguments. Throws TypeError on misuse.
 */
export function encodeMessageChunks(message: OutgoingMessage, options: ChunkOptions): Uint8Array {
  const payload = message.payload;
  checkOptions(payload.length, options);
  const { chunkSize, chunkStreamId } = options;
  const out = new Uint8Array(encodedChunksLength(message, options));
  const ts = message.timestampMs >>> 0;
  const extended = ts >= 0xffffff;
  let p = writeBasicHeader(out, 0, 0, chunkStreamId);
  const field = extended ? 0xffffff : ts;
  out[p] = field >>> 16;
  out[p + 1] = (field >>> 8) & 0xff;
  out[p + 2] = field & 0xff;
  const n = payload.length;
  out[p + 3] = n >>> 16;
  out[p + 4] = (n >>> 8) & 0xff;
  out[p + 5] = n & 0xff;
  out[p + 6] = message.typeId;
  const msid = message.messageStreamId >>> 0;
  out[p + 7] = msid & 0xff;
  out[p + 8] = (msid >>> 8) & 0xff;
  out[p + 9] = (msid >>> 16) & 0xff;
  out[p + 10] = msid >>> 24;
  p += 11;
  if (extended) p = writeU32(out, p, ts);
  let sent = 0;
  while (true) {
    const take = Math.min(chunkSize, n - sent);
    out.set(payload.subarray(sent, sent + take), p);
    p += take;
    sent += take;
    if (sent >= n) break;
    p = writeBasicHeader(out, p, 3, chunkStreamId);
    if (extended) p = writeU32(out, p, ts);
  }
  return out;
}

function writeU32(out: Uint8Array, at: number, v: number): number {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
  return at + 4;
}
