import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkDecoder, type RawMessage } from '../src/chunk-decoder.js';
import { encodedChunksLength, encodeMessageChunks } from '../src/chunk-encoder.js';
import { RtmpError } from '../src/errors.js';

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

describe('chunk encoder, byte for byte', () => {
  it('writes a type 0 header with a 1-byte basic header and little-endian stream id', () => {
    const out = encodeMessageChunks(
      { typeId: 8, timestampMs: 1000, messageStreamId: 0x01020304, payload: hex('aabbcc') },
      { chunkSize: 128, chunkStreamId: 4 },
    );
    expect(Buffer.from(out).toString('hex')).toBe('04' + '0003e8' + '000003' + '08' + '04030201' + 'aabbcc');
  });

  it('uses 2-byte basic headers for chunk stream ids 64..319 and 3-byte ones up to 65599', () => {
    const msg = { typeId: 9, timestampMs: 0, messageStreamId: 1, payload: hex('01') };
    expect(
      Buffer.from(encodeMessageChunks(msg, { chunkSize: 128, chunkStreamId: 64 })).subarray(0, 2),
    ).toEqual(Buffer.from('0000', 'hex'));
    expect(
      Buffer.from(encodeMessageChunks(msg, { chunkSize: 128, chunkStreamId: 319 })).subarray(0, 2),
    ).toEqual(Buffer.from('00ff', 'hex'));
    expect(
      Buffer.from(encodeMessageChunks(msg, { chunkSize: 128, chunkStreamId: 320 })).subarray(0, 3),
    ).toEqual(Buffer.from('010001', 'hex'));
    expect(
      Buffer.from(encodeMessageChunks(msg, { chunkSize: 128, chunkStreamId: 65599 })).subarray(0, 3),
    ).toEqual(Buffer.from('01ffff', 'hex'));
  });

  it('splits a 307-byte message at chunk size 128 into type 0 + two type 3 chunks (spec §5.3.2.2)', () => {
    const payload = bytes(307);
    const out = encodeMessageChunks(
      { typeId: 9, timestampMs: 1000, messageStreamId: 12345, payload },
      { chunkSize: 128, chunkStreamId: 4 },
    );
    expect(out.length).toBe(12 + 307 + 2);
    expect(out[12 + 128]).toBe(0xc4);
    expect(out[12 + 128 + 1 + 128]).toBe(0xc4);
    expect(Buffer.from(out.subarray(12, 140))).toEqual(Buffer.from(payload.subarray(0, 128)));
    expect(Buffer.from(out.subarray(141, 269))).toEqual(Buffer.from(payload.subarray(128, 256)));
    expect(Buffer.from(out.subarray(270))).toEqual(Buffer.from(payload.subarray(256)));
  });

  it('writes the extended timestamp after the header and again on every continuation', () => {
    const out = encodeMessageChunks(
      { typeId: 8, timestampMs: 0x01000000, messageStreamId: 1, payload: bytes(5) },
      { chunkSize: 2, chunkStreamId: 4 },
    );
    expect(Buffer.from(out).toString('hex')).toBe(
      '04ffffff00000508' +
        '01000000' +
        '01000000' +
        Buffer.from(bytes(5).subarray(0, 2)).toString('hex') +
        'c401000000' +
        Buffer.from(bytes(5).subarray(2, 4)).toString('hex') +
        'c401000000' +
        Buffer.from(bytes(5).subarray(4)).toString('hex'),
    );
  });

  it('writes 0xffffff exactly as an extended timestamp', () => {
    const out = encodeMessageChunks(
      { typeId: 8, timestampMs: 0xffffff, messageStreamId: 0, payload: new Uint8Array(0) },
      { chunkSize: 128, chunkStreamId: 3 },
    );
    expect(Buffer.from(out).toString('hex')).toBe('03ffffff0000000800000000' + '00ffffff');
  });

  it('refuses misuse with TypeError', () => {
    const msg = { typeId: 8, timestampMs: 0, messageStreamId: 0, payload: new Uint8Array(1) };
    expect(() => encodeMessageChunks(msg, { chunkSize: 0, chunkStreamId: 3 })).toThrow(TypeError);
    expect(() => encodeMessageChunks(msg, { chunkSize: 128, chunkStreamId: 1 })).toThrow(TypeError);
    expect(() => encodeMessageChunks(msg, { chunkSize: 128, chunkStreamId: 65600 })).toThrow(TypeError);
    expect(() =>
      encodeMessageChunks(
        { ...msg, payload: new Uint8Array(0x1000000) },
        { chunkSize: 128, chunkStreamId: 3 },
      ),
    ).toThrow(TypeError);
  });
});

describe('chunk decoder, header formats', () => {
  it('decodes the spec example 1: type 0, type 2, then type 3 messages reusing the delta (§5.3.2.1)', () => {
    const d = new ChunkDecoder();
    const input = concat(
      hex('03 0003e8 000020 08 78563412'),
      bytes(32, 1),
      hex('83 000014'),
      bytes(32, 2),
      hex('c3'),
      bytes(32, 3),
      hex('c3'),
      bytes(32, 4),
    );
    const msgs = d.push(input);
    expect(d.error).toBeUndefined();
    expect(msgs.map((m) => m.timestampMs)).toEqual([1000, 1020, 1040, 1060]);
    expect(
      msgs.every((m) => m.messageStreamId === 0x12345678 && m.typeId === 8 && m.chunkStreamId === 3),
    ).toBe(true);
    expect(Buffer.from(msgs[3]!.payload)).toEqual(Buffer.from(bytes(32, 4)));
  });

  it('decodes a type 1 header (new length and type, same stream id) as a delta', () => {
    const d = new ChunkDecoder();
    const msgs = d.push(
      concat(hex('04 000064 000002 09 01000000'), hex('aabb'), hex('44 00000a 000001 08'), hex('cc')),
    );
    expect(msgs.map(plain)).toEqual([
      { chunkStreamId: 4, typeId: 9, messageStreamId: 1, timestampMs: 100, payload: 'aabb' },
      { chunkStreamId: 4, typeId: 8, messageStreamId: 1, timestampMs: 110, payload: 'cc' },
    ]);
  });

  it('decodes 2- and 3-byte basic headers', () => {
    const d = new ChunkDecoder();
    const msgs = d.push(
      concat(
        hex('00 00 000001 000001 08 00000000'),
        hex('11'),
        hex('01 ffff 000002 000001 08 00000000'),
        hex('22'),
      ),
    );
    expect(msgs.map((m) => m.chunkStreamId)).toEqual([64, 65599]);
  });

  it('adds the fmt-0 timestamp field again for a type 3 header that starts a new message (as FFmpeg and SRS)', () => {
    const d = new ChunkDecoder();
    const msgs = d.push(concat(hex('03 000010 000001 08 00000000'), hex('01'), hex('c3'), hex('02')));
    expect(msgs.map((m) => m.timestampMs)).toEqual([16, 32]);
  });

  it('wraps the 32-bit timestamp around on deltas', () => {
    const d = new ChunkDecoder();
    const msgs = d.push(
      concat(
        hex('03 ffffff 000001 08 00000000 fffffff0'),
        hex('01'),
        hex('83 000020'),
        hex('02'),
        hex('c3'),
        hex('03'),
      ),
    );
    expect(msgs.map((m) => m.timestampMs)).toEqual([0xfffffff0, 0x10, 0x30]);
  });

  it('reads extended delta timestamps on type 1/2 headers', () => {
    const d = new ChunkDecoder();
    const msgs = d.push(
      concat(hex('03 000005 000001 08 00000000'), hex('01'), hex('83 ffffff 01000000'), hex('02')),
    );
    expect(msgs.map((m) => m.timestampMs)).toEqual([5, 0x01000005]);
  });

  it('accepts extended timestamps on type 3 continuations both present (FFmpeg) and absent', () => {
    const payload = bytes(300);
    const withExt = encodeMessageChunks(
      { typeId: 9, timestampMs: 0x12345678, messageStreamId: 1, payload },
      { chunkSize: 128, chunkStreamId: 6 },
    );
    const a = new ChunkDecoder().push(withExt);
    expect(a.length).toBe(1);
    expect(a[0]!.timestampMs).toBe(0x12345678);
    expect(Buffer.from(a[0]!.payload)).toEqual(Buffer.from(payload));

    const withoutExt = concat(
      hex('06 ffffff 00012c 09 01000000 12345678'),
      payload.subarray(0, 128),
      hex('c6'),
      payload.subarray(128, 256),
      hex('c6'),
      payload.subarray(256),
    );
    const b = new ChunkDecoder().push(withoutExt);
    expect(b.length).toBe(1);
    expect(b[0]!.timestampMs).toBe(0x12345678);
    expect(Buffer.from(b[0]!.payload)).toEqual(Buffer.from(payload));
  });

  it('interleaves messages of several chunk streams', () => {
    const audio = bytes(200, 5);
    const video = bytes(300, 9);
    const input = concat(
      hex('04 000000 0000c8 08 01000000'),
      audio.subarray(0, 128),
      hex('06 000000 00012c 09 01000000'),
      video.subarray(0, 128),
      hex('c4'),
      audio.subarray(128),
      hex('c6'),
      video.subarray(128, 256),
      hex('c6'),
      video.subarray(256),
    );
    const msgs = new ChunkDecoder().push(input);
    expect(msgs.map((m) => m.chunkStreamId)).toEqual([4, 6]);
    expect(Buffer.from(msgs[0]!.payload)).toEqual(Buffer.from(audio));
    expect(Buffer.from(msgs[1]!.payload)).toEqual(Buffer.from(video));
  });

  it('applies Set Chunk Size before the next chunk of the same input', () => {
    const payload = bytes(1000);
    const input = concat(
      hex('02 000000 000004 01 00000000 00000400'),
      encodeMessageChunks(
        { typeId: 9, timestampMs: 7, messageStreamId: 1, payload },
        { chunkSize: 1024, chunkStreamId: 6 },
      ),
    );
    const d = new ChunkDecoder();
    const msgs = d.push(input);
    expect(d.chunkSize).toBe(1024);
    expect(msgs.length).toBe(2);
    expect(Buffer.from(msgs[1]!.payload)).toEqual(Buffer.from(payload));
  });

  it('drops an unfinished message on Abort and decodes the next one', () => {
    const input = concat(
      hex('06 000000 00012c 09 01000000'),
      bytes(128),
      hex('02 000000 000004 02 00000000 00000006'),
      hex('06 000001 000002 09 01000000 abcd'),
    );
    const msgs = new ChunkDecoder().push(input);
    expect(msgs.map((m) => m.typeId)).toEqual([2, 9]);
    expect(Buffer.from(msgs[1]!.payload).toString('hex')).toBe('abcd');
  });

  it('emits zero-length messages', () => {
    const msgs = new ChunkDecoder().push(hex('03 000000 000000 14 00000000 03 000000 000001 14 00000000 05'));
    expect(msgs.map((m) => m.payload.length)).toEqual([0, 1]);
  });

  it('decodes the same bytes fed one byte at a time', () => {
    const payload = bytes(1000);
    const input = encodeMessageChunks(
      { typeId: 9, timestampMs: 0x01020304, messageStreamId: 1, payload },
      { chunkSize: 100, chunkStreamId: 300 },
    );
    const d = new ChunkDecoder({});
    d.chunkSize = 100;
    const msgs: RawMessage[] = [];
    for (const b of input) msgs.push(...d.push(Uint8Array.of(b)));
    expect(msgs.length).toBe(1);
    expect(msgs[0]!.timestampMs).toBe(0x01020304);
    expect(Buffer.from(msgs[0]!.payload)).toEqual(Buffer.from(payload));
  });
});

describe('chunk decoder, violations and limits', () => {
  function fails(input: Uint8Array, code: string, options = {}): RtmpError {
    const d = new ChunkDecoder(options);
    d.push(input);
    expect(d.error).toBeInstanceOf(RtmpError);
    expect(d.error!.code).toBe(code);
    // Closed: more input is ignored.
    expect(d.push(hex('03 000000 000001 14 00000000 05'))).toEqual([]);
    return d.error!;
  }

  it('refuses a message longer than the limit', () => {
    const e = fails(hex('03 000000 000401 09 01000000'), 'RTMP_MESSAGE_TOO_LARGE', {
      maxMessageLength: 1024,
    });
    expect(e.message).toContain('1025');
    expect(e.message).toContain('1024');
  });

  it('refuses more chunk streams than the limit', () => {
    const parts: Uint8Array[] = [];
    for (let csid = 3; csid < 3 + 5; csid++)
      parts.push(hex(`${csid.toString(16).padStart(2, '0')} 000000 000001 09 01000000 00`));
    fails(concat(...parts), 'RTMP_TOO_MANY_CHUNK_STREAMS', { maxChunkStreams: 4 });
  });

  it('refuses a chunk size above the limit and a zero chunk size', () => {
    fails(hex('02 000000 000004 01 00000000 00010000'), 'RTMP_CHUNK_TOO_LARGE', { maxChunkSize: 0xffff });
    fails(hex('02 000000 000004 01 00000000 00000000'), 'RTMP_BAD_CHUNK_SIZE');
  });

  it('refuses a type 3 or type 2 header on a fresh chunk stream', () => {
    fails(hex('c3 00'), 'RTMP_PROTOCOL');
    fails(hex('83 000010 00'), 'RTMP_PROTOCOL');
  });

  it('refuses a new header that interrupts an unfinished message', () => {
    fails(
      concat(hex('06 000000 00012c 09 01000000'), bytes(128), hex('06 000000 000001 09 01000000 00')),
      'RTMP_PROTOCOL',
    );
  });

  it('bounds the bytes held in unfinished messages', () => {
    const parts: Uint8Array[] = [];
    for (let csid = 3; csid < 8; csid++) {
      parts.push(hex(`${csid.toString(16).padStart(2, '0')} 000000 100000 09 01000000`), bytes(128));
    }
    fails(concat(hex('02 000000 000004 01 00000000 00010000'), ...parts), 'RTMP_MESSAGE_TOO_LARGE', {
      maxBufferedBytes: 500,
    });
  });

  it('never throws on random input, and only reports RtmpError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (inputs) => {
        const d = new ChunkDecoder({ maxMessageLength: 1 << 16 });
        for (const input of inputs) d.push(input);
        if (d.error !== undefined) expect(d.error).toBeInstanceOf(RtmpError);
      }),
      { numRuns: 500 },
    );
  });
});

describe('chunk encode -> decode is identity', () => {
  const message = fc.record({
    chunkStreamId: fc.oneof(fc.integer({ min: 2, max: 63 }), fc.integer({ min: 64, max: 65599 })),
    typeId: fc.constantFrom(8, 9, 15, 17, 18, 20),
    messageStreamId: fc.nat({ max: 0xffffffff }),
    timestampMs: fc.oneof(fc.nat({ max: 0xfffffe }), fc.nat({ max: 0xffffffff })),
    payload: fc.uint8Array({ maxLength: 2000 }),
  });

  it('for random messages, chunk sizes and read boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 20 }),
        (messages, chunkSize, cuts) => {
          const setChunkSize = encodeMessageChunks(
            {
              typeId: 1,
              timestampMs: 0,
              messageStreamId: 0,
              payload: hex(chunkSize.toString(16).padStart(8, '0')),
            },
            { chunkSize: 128, chunkStreamId: 2 },
          );
          const parts = [setChunkSize];
          for (const m of messages) {
            const enc = encodeMessageChunks(m, { chunkSize, chunkStreamId: m.chunkStreamId });
            expect(enc.length).toBe(encodedChunksLength(m, { chunkSize, chunkStreamId: m.chunkStreamId }));
            parts.push(enc);
          }
          const all = concat(...parts);
          const d = new ChunkDecoder();
          const got: RawMessage[] = [];
          let pos = 0;
          for (const cut of cuts) {
            const end = Math.min(all.length, pos + cut);
            got.push(...d.push(all.subarray(pos, end)));
            pos = end;
          }
          got.push(...d.push(all.subarray(pos)));
          expect(d.error).toBeUndefined();
          expect(got.slice(1).map(plain)).toEqual(
            messages.map((m) => plain({ ...m, timestampMs: m.timestampMs >>> 0 })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('interleaved chunk streams', () => {
  /** Cuts an encoded message into its chunks (type 0 first, then type 3 continuations). */
  function chunksOf(
    encoded: Uint8Array,
    payloadLength: number,
    chunkSize: number,
    csid: number,
    extended: boolean,
  ): Uint8Array[] {
    const basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
    const ext = extended ? 4 : 0;
    const out: Uint8Array[] = [];
    let p = 0;
    let left = payloadLength;
    let header = basic + 11 + ext;
    do {
      const take = Math.min(chunkSize, left);
      out.push(encoded.subarray(p, p + header + take));
      p += header + take;
      left -= take;
      header = basic + ext;
    } while (left > 0);
    return out;
  }

  it('decodes every message when the chunks of several chunk streams are interleaved at random', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 3, max: 400 }), { minLength: 2, maxLength: 5 }),
        fc.array(fc.record({ length: fc.nat({ max: 1500 }), ts: fc.nat({ max: 0xffffffff }) }), {
          minLength: 5,
          maxLength: 5,
        }),
        fc.integer({ min: 16, max: 600 }),
        fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
        (csids, specs, chunkSize, picks) => {
          const queues = csids.map((csid, i) => {
            const spec = specs[i]!;
            const payload = Uint8Array.from({ length: spec.length }, (_, k) => (k * 7 + i) & 0xff);
            const msg = { typeId: 9, timestampMs: spec.ts, messageStreamId: i, payload };
            const enc = encodeMessageChunks(msg, { chunkSize, chunkStreamId: csid });
            return {
              msg: { ...msg, chunkStreamId: csid },
              chunks: chunksOf(enc, spec.length, chunkSize, csid, spec.ts >= 0xffffff),
            };
          });
          const d = new ChunkDecoder();
          d.chunkSize = chunkSize;
          const got: RawMessage[] = [];
          let pick = 0;
          while (queues.some((q) => q.chunks.length > 0)) {
            const live = queues.filter((q) => q.chunks.length > 0);
            const q = live[(picks[pick++ % picks.length] ?? 0) % live.length]!;
            got.push(...d.push(q.chunks.shift()!));
          }
          expect(d.error).toBeUndefined();
          const byCsid = (a: { chunkStreamId: number }, b: { chunkStreamId: number }) =>
            a.chunkStreamId - b.chunkStreamId;
          expect(got.map(plain).sort(byCsid)).toEqual(queues.map((q) => plain(q.msg)).sort(byCsid));
        },
      ),
      { numRuns: 200 },
    );
  });
});
