import { afterEach, describe, expect, it } from 'vitest';
import { ChunkDecoder, DEFAULT_MAX_CHUNK_SIZE, type RawMessage } from '../src/chunk-decoder.js';
import { encodeMessageChunks } from '../src/chunk-encoder.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

function plain(m: RawMessage) {
  return { ...m, payload: Buffer.from(m.payload).toString('hex') };
}

describe('a type 1 or 2 header on a continuation chunk (as SRS accepts)', () => {
  // A 300-byte video message at chunk size 128 (type 0 at 1000 ms, delta field 40), then a type 3
  // header that starts the next message (1000 + 40).
  const payload = bytes(300);
  const next = bytes(5, 9);
  function withContinuations(second: string, third: string): Uint8Array {
    return concat(
      hex('06 0003e8 00012c 09 01000000'),
      payload.subarray(0, 128),
      hex(second),
      payload.subarray(128, 256),
      hex(third),
      payload.subarray(256),
      hex('46 000028 000005 09'),
      next,
    );
  }

  it('accepts a repeated type 1 header (same length and type) and keeps the first chunk timestamp', () => {
    const d = new ChunkDecoder();
    const msgs = d.push(withContinuations('46 000028 00012c 09', '46 000028 00012c 09'));
    expect(d.error).toBeUndefined();
    expect(msgs.map(plain)).toEqual([
      {
        chunkStreamId: 6,
        typeId: 9,
        messageStreamId: 1,
        timestampMs: 1000,
        payload: Buffer.from(payload).toString('hex'),
      },
      { chunkStreamId: 6, typeId: 9, messageStreamId: 1, timestampMs: 1040, payload: '0928476685' },
    ]);
  });

  it('accepts a type 2 header mid-message, and its delta is the one the next type 3 message adds', () => {
    const d = new ChunkDecoder();
    const msgs = d.push(
      concat(
        hex('06 0003e8 00012c 09 01000000'),
        payload.subarray(0, 128),
        hex('86 000014'),
        payload.subarray(128, 256),
        hex('c6'),
        payload.subarray(256),
      ),
    );
    expect(d.error).toBeUndefined();
    expect(msgs.map((m) => m.timestampMs)).toEqual([1000]);
    expect(Buffer.from(msgs[0]!.payload).equals(Buffer.from(payload))).toBe(true);
    // The next message begins with a type 3 header: 1000 + the last delta field (20).
    const second = bytes(300, 2);
    const rest = d.push(
      concat(
        hex('c6'),
        second.subarray(0, 128),
        hex('c6'),
        second.subarray(128, 256),
        hex('c6'),
        second.subarray(256),
      ),
    );
    expect(rest.map((m) => m.timestampMs)).toEqual([1020]);
  });

  it('reads an extended delta on a repeated type 1 header without adding it to the message', () => {
    const d = new ChunkDecoder();
    const msgs = d.push(
      concat(
        hex('06 ffffff 00012c 09 01000000 01000000'),
        payload.subarray(0, 128),
        hex('46 ffffff 00012c 09 01000000'),
        payload.subarray(128, 256),
        // Continuation of a header with an extended timestamp: it repeats the 4 bytes (FFmpeg).
        hex('c6 01000000'),
        payload.subarray(256),
      ),
    );
    expect(d.error).toBeUndefined();
    expect(msgs.map(plain)).toEqual([
      {
        chunkStreamId: 6,
        typeId: 9,
        messageStreamId: 1,
        timestampMs: 0x01000000,
        payload: Buffer.from(payload).toString('hex'),
      },
    ]);
  });

  it('refuses a type 1 header that changes the length of the unfinished message', () => {
    const d = new ChunkDecoder();
    d.push(withContinuations('46 000028 000200 09', '46 000028 00012c 09'));
    expect(d.error?.code).toBe('RTMP_PROTOCOL');
    expect(d.error?.field).toBe('messageLength');
    expect(d.error?.message).toContain(
      'changes the length of the unfinished message on chunk stream 6 from 300 to 512',
    );
    expect(d.error?.offset).toBe(12 + 128);
  });

  it('refuses a type 1 header that changes the type of the unfinished message', () => {
    const d = new ChunkDecoder();
    d.push(withContinuations('46 000028 00012c 08', '46 000028 00012c 09'));
    expect(d.error?.code).toBe('RTMP_PROTOCOL');
    expect(d.error?.field).toBe('typeId');
    expect(d.error?.message).toContain(
      'changes the type of the unfinished message on chunk stream 6 from 9 to 8',
    );
  });

  it('still refuses a type 0 header inside a message', () => {
    const d = new ChunkDecoder();
    d.push(withContinuations('06 0003e8 00012c 09 01000000', 'c6'));
    expect(d.error?.code).toBe('RTMP_PROTOCOL');
    expect(d.error?.message).toContain('a type 0 header');
  });
});

describe('large messages are copied once', () => {
  const realSet = Uint8Array.prototype.set;
  const realSlice = Uint8Array.prototype.slice;
  afterEach(() => {
    Uint8Array.prototype.set = realSet;
    Uint8Array.prototype.slice = realSlice;
  });

  it('copies each byte of a 1 MiB message once, into a buffer of exactly its size', () => {
    const payload = bytes(1024 * 1024);
    const setChunkSize = hex('02 000000 000004 01 00000000 00001000');
    const encoded = encodeMessageChunks(
      { typeId: 9, timestampMs: 0, messageStreamId: 1, payload },
      { chunkSize: 4096, chunkStreamId: 6 },
    );
    const d = new ChunkDecoder();
    d.push(setChunkSize);
    // Input arrives in socket-sized reads that do not line up with chunks.
    const reads: Uint8Array[] = [];
    for (let p = 0; p < encoded.length; p += 65536 - 7) reads.push(encoded.slice(p, p + 65536 - 7));
    let copied = 0;
    Uint8Array.prototype.set = function (this: Uint8Array, src: ArrayLike<number>, offset?: number) {
      copied += src.length;
      return realSet.call(this, src, offset);
    } as typeof realSet;
    Uint8Array.prototype.slice = function (this: Uint8Array, start?: number, end?: number) {
      const out = realSlice.call(this, start, end);
      copied += out.length;
      return out;
    } as typeof realSlice;
    const msgs: RawMessage[] = [];
    for (const r of reads) msgs.push(...d.push(r));
    Uint8Array.prototype.set = realSet;
    Uint8Array.prototype.slice = realSlice;
    expect(msgs).toHaveLength(1);
    expect(Buffer.from(msgs[0]!.payload).equals(Buffer.from(payload))).toBe(true);
    // Payload bytes once, plus at most a few carried partial headers (18 bytes each).
    expect(copied).toBeGreaterThanOrEqual(payload.length);
    expect(copied).toBeLessThan(payload.length + 18 * reads.length);
    // The payload owns its whole buffer, so a server keeping it pins nothing else (and need not copy).
    expect(msgs[0]!.payload.byteOffset).toBe(0);
    expect(msgs[0]!.payload.buffer.byteLength).toBe(payload.length);
  });

  it('counts a message against maxBufferedBytes by its declared length from its first chunk', () => {
    const d = new ChunkDecoder({ maxBufferedBytes: 200_000 });
    // Declares 200000 bytes (fits), first chunk of 128 only.
    d.push(concat(hex('06 000000 030d40 09 01000000'), bytes(128)));
    expect(d.error).toBeUndefined();
    d.push(hex('07 000000 000002 09 01000000 00')); // 200002 declared in all
    expect(d.error?.code).toBe('RTMP_MESSAGE_TOO_LARGE');
    expect(d.error?.message).toContain('limit maxBufferedBytes is 200000');
  });

  it('frees the count when a message completes or is aborted', () => {
    const d = new ChunkDecoder({ maxBufferedBytes: 310 });
    for (let i = 0; i < 5; i++) {
      d.push(
        encodeMessageChunks(
          { typeId: 9, timestampMs: i, messageStreamId: 1, payload: bytes(300) },
          {
            chunkSize: 128,
            chunkStreamId: 6,
          },
        ),
      );
    }
    // One chunk of a 300-byte message on chunk stream 7, then Abort for it.
    d.push(concat(hex('07 000000 00012c 09 01000000'), bytes(128)));
    d.push(hex('02 000000 000004 02 00000000 00000007'));
    const last = d.push(
      encodeMessageChunks(
        { typeId: 9, timestampMs: 0, messageStreamId: 1, payload: bytes(300) },
        { chunkSize: 128, chunkStreamId: 8 },
      ),
    );
    expect(d.error).toBeUndefined();
    expect(last).toHaveLength(1);
  });
});

describe('chunk size limit', () => {
  it('defaults to 16 MiB: a larger Set Chunk Size is refused, naming the limit', () => {
    expect(DEFAULT_MAX_CHUNK_SIZE).toBe(16 * 1024 * 1024);
    const ok = new ChunkDecoder();
    ok.push(hex('02 000000 000004 01 00000000 01000000'));
    expect(ok.error).toBeUndefined();
    expect(ok.chunkSize).toBe(0x1000000);
    const d = new ChunkDecoder();
    d.push(hex('02 000000 000004 01 00000000 01000001'));
    expect(d.error?.code).toBe('RTMP_CHUNK_TOO_LARGE');
    expect(d.error?.message).toBe('peer set chunk size 16777217, limit maxChunkSize is 16777216');
  });
});
