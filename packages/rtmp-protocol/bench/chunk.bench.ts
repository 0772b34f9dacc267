// Chunk stream throughput. Each parse/encode iteration handles exactly 1 MiB of payload, so the `hz`
// column reads as MiB/s; the message benches handle 1000 messages, so hz x 1000 = messages/s.
import { type AmfValue, encodeAmf0Sequence } from '@livego/amf';
import { bench, describe } from 'vitest';
import { ChunkDecoder } from '../src/chunk-decoder.js';
import { encodeMessageChunks } from '../src/chunk-encoder.js';
import { ServerSession } from '../src/server-session.js';

const MIB = 1024 * 1024;

function payload(n: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 13) & 0xff;
  return p;
}

function stream(messageBytes: number, count: number, chunkSize: number): Uint8Array {
  const body = payload(messageBytes);
  const setChunkSize = encodeMessageChunks(
    {
      typeId: 1,
      timestampMs: 0,
      messageStreamId: 0,
      payload: Uint8Array.of(
        chunkSize >>> 24,
        (chunkSize >>> 16) & 0xff,
        (chunkSize >>> 8) & 0xff,
        chunkSize & 0xff,
      ),
    },
    { chunkSize: 128, chunkStreamId: 2 },
  );
  const parts = [setChunkSize];
  for (let i = 0; i < count; i++) {
    parts.push(
      encodeMessageChunks(
        { typeId: 9, timestampMs: i * 40, messageStreamId: 1, payload: body },
        { chunkSize, chunkStreamId: 6 },
      ),
    );
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Splits like TCP reads of 64 KiB. */
function reads(bytes: Uint8Array, size = 64 * 1024): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('chunk parse (hz = MiB/s of payload)', () => {
  const video4k = reads(stream(64 * 1024, 16, 4096));
  const video128 = reads(stream(64 * 1024, 16, 128));
  const small = reads(stream(1024, 1024, 4096));
  bench('64 KiB messages, chunk size 4096, 64 KiB reads', () => {
    const d = new ChunkDecoder();
    for (const r of video4k) d.push(r);
  });
  bench('64 KiB messages, chunk size 128, 64 KiB reads', () => {
    const d = new ChunkDecoder();
    for (const r of video128) d.push(r);
  });
  bench('1 KiB messages, chunk size 4096, 64 KiB reads', () => {
    const d = new ChunkDecoder();
    for (const r of small) d.push(r);
  });
});

describe('chunk encode (hz = MiB/s of payload)', () => {
  const big = payload(64 * 1024);
  const one = payload(1024);
  bench('64 KiB messages at chunk size 4096', () => {
    for (let i = 0; i < MIB / big.length; i++) {
      encodeMessageChunks(
        { typeId: 9, timestampMs: i, messageStreamId: 1, payload: big },
        { chunkSize: 4096, chunkStreamId: 6 },
      );
    }
  });
  bench('1 KiB messages at chunk size 4096', () => {
    for (let i = 0; i < MIB / one.length; i++) {
      encodeMessageChunks(
        { typeId: 8, timestampMs: i, messageStreamId: 1, payload: one },
        { chunkSize: 4096, chunkStreamId: 4 },
      );
    }
  });
});

describe('messages (hz x 1000 = messages/s)', () => {
  const audio = reads(stream(200, 1000, 4096));
  bench('parse 1000 audio messages of 200 B', () => {
    const d = new ChunkDecoder();
    for (const r of audio) d.push(r);
  });
  const frame = payload(200);
  bench('encode 1000 audio messages of 200 B', () => {
    for (let i = 0; i < 1000; i++) {
      encodeMessageChunks(
        { typeId: 8, timestampMs: i, messageStreamId: 1, payload: frame },
        { chunkSize: 4096, chunkStreamId: 4 },
      );
    }
  });
  // A whole server session (chunks -> typed events) on a connection whose publish was accepted.
  const media = reads(stream(200, 1000, 4096));
  const command = (values: AmfValue[]) =>
    encodeMessageChunks(
      {
        typeId: 20,
        timestampMs: 0,
        messageStreamId: values[0] === 'publish' ? 1 : 0,
        payload: encodeAmf0Sequence(values),
      },
      { chunkSize: 128, chunkStreamId: 3 },
    );
  const setup = [
    Uint8Array.from([3, ...new Uint8Array(1536 * 2)]),
    command(['connect', 1, { app: 'live' }]),
    command(['createStream', 2, null]),
    command(['publish', 3, null, 'x', 'live']),
  ];
  bench('server session: 1000 media messages of 200 B through receive()', () => {
    const s = new ServerSession({ handshake: { complex: false } });
    for (const b of setup) {
      for (const e of s.receive(b)) if (e.type === 'publish') s.acceptPublish(e.requestId);
    }
    let n = 0;
    for (const r of media) n += s.receive(r).length;
    if (n !== 1000) throw new Error(`expected 1000 media events, got ${n}`);
  });
});
