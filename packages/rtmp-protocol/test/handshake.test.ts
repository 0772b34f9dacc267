import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtmpError } from '../src/errors.js';
import { ClientHandshake, type HandshakeEvent, ServerHandshake } from '../src/handshake.js';
import { findDigest, imprintDigest } from '../src/handshake-digest.js';
import {
  digestIn,
  FMS_KEY,
  FMS_KEY_TEXT,
  FP_KEY,
  FP_KEY_TEXT,
  offsetOf,
  replyDigest,
  seededBytes,
  signedPacket,
} from './handshake-vectors.js';

const FIXTURES = join(import.meta.dirname, 'fixtures/handshake');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const c0 = new Uint8Array([3]);

type Done = Extract<HandshakeEvent, { type: 'done' }>;
function dataOf(events: HandshakeEvent[]): Uint8Array {
  expect(events.map((e) => e.type)).toContain('data');
  const e = events.find((x) => x.type === 'data');
  return (e as Extract<HandshakeEvent, { type: 'data' }>).bytes;
}
function doneOf(events: HandshakeEvent[]): Done {
  const e = events.find((x) => x.type === 'done');
  expect(e, JSON.stringify(events.map((x) => x.type))).toBeDefined();
  return e as Done;
}
function errorOf(events: HandshakeEvent[]): RtmpError {
  expect(events).toHaveLength(1);
  const e = events[0]!;
  expect(e.type).toBe('error');
  return (e as Extract<HandshakeEvent, { type: 'error' }>).error;
}

describe('ServerHandshake, complex', () => {
  for (const schema of [0, 1] as const) {
    it(`answers a schema ${schema} digest C1 with S1/S2 digests that node:crypto verifies`, () => {
      const c1 = signedPacket(seededBytes(7 + schema)(1528), 0x0a002d02, schema, FP_KEY_TEXT);
      const c1Digest = digestIn(c1, schema, FP_KEY_TEXT)!;
      const server = new ServerHandshake({ random: seededBytes(99), epochMs: 1234 });
      const out = dataOf(server.receive(concat(c0, c1)));
      expect(server.state).toBe('awaitingC2');
      expect(out.length).toBe(3073);
      expect(out[0]).toBe(3);
      const s1 = out.subarray(1, 1537);
      const s2 = out.subarray(1537);
      expect(Buffer.from(s1).readUInt32BE(0)).toBe(1234);
      expect(Buffer.from(s1).readUInt32BE(4)).not.toBe(0);
      // S1 is signed with the 36-byte FMS key, in the client's schema.
      const s1Digest = digestIn(s1, schema, FMS_KEY_TEXT);
      expect(s1Digest).toBeDefined();
      expect(digestIn(s1, schema === 0 ? 1 : 0, FMS_KEY_TEXT)).toBeUndefined();
      // S2 ends with HMAC(HMAC(68-byte FMS key, C1 digest), S2[0..1504]).
      expect(Buffer.from(s2.subarray(1504))).toEqual(replyDigest(s2, c1Digest, FMS_KEY));

      // A C2 answering S1's digest is reported valid.
      const c2 = Buffer.from(seededBytes(5)(1536));
      replyDigest(c2, s1Digest!, FP_KEY).copy(c2, 1504);
      const done = doneOf(server.receive(c2));
      expect(done).toMatchObject({ mode: 'complex', schema, peerVersion: 0x0a002d02, peerDigestValid: true });
      expect(done.rest.length).toBe(0);
      expect(server.state).toBe('done');
    });
  }

  it('finds digests whose offset bytes sum past 728 (the modulo wraps)', () => {
    for (const schema of [0, 1] as const) {
      const fill = seededBytes(30)(1528);
      fill.fill(0xff, schema === 1 ? 0 : 764, schema === 1 ? 4 : 768); // offset bytes 8..11 or 772..775
      const c1 = signedPacket(fill, 0x0a002d02, schema, FP_KEY_TEXT);
      expect(offsetOf(c1, schema)).toBe((1020 % 728) + (schema === 1 ? 12 : 776));
      const server = new ServerHandshake();
      const s1 = dataOf(server.receive(concat(c0, c1))).subarray(1, 1537);
      expect(digestIn(s1, schema, FMS_KEY_TEXT)).toBeDefined();
      expect(doneOf(server.receive(new Uint8Array(1536)))).toMatchObject({ mode: 'complex', schema });
    }
  });

  it('completes with a junk C2 and reports its digest invalid', () => {
    const c1 = signedPacket(seededBytes(3)(1528), 0x09007c02, 1, FP_KEY_TEXT);
    const server = new ServerHandshake();
    dataOf(server.receive(concat(c0, c1)));
    const done = doneOf(server.receive(new Uint8Array(1536)));
    expect(done).toMatchObject({ mode: 'complex', schema: 1, peerDigestValid: false });
  });

  it('validates the digest C1 that ffmpeg 5.1 sends when publishing (golden bytes)', () => {
    const c0c1 = fixture('ffmpeg-publish-c0c1.bin');
    const c1Digest = digestIn(c0c1.subarray(1), 1, FP_KEY_TEXT);
    expect(c1Digest).toBeDefined(); // the fixture really is a schema 1 digest C1
    const server = new ServerHandshake();
    const s2 = dataOf(server.receive(c0c1)).subarray(1537);
    expect(Buffer.from(s2.subarray(1504))).toEqual(replyDigest(s2, c1Digest!, FMS_KEY));
    expect(doneOf(server.receive(new Uint8Array(1536)))).toMatchObject({
      mode: 'complex',
      schema: 1,
      peerVersion: 0x09007c02,
    });
  });

  it('validates the FP9 C1 of rtmpdump 2.4 (golden bytes)', () => {
    const c0c1 = fixture('rtmpdump-fp9-c0c1.bin');
    const server = new ServerHandshake();
    dataOf(server.receive(c0c1));
    expect(doneOf(server.receive(new Uint8Array(1536)))).toMatchObject({
      mode: 'complex',
      schema: 1,
      peerVersion: 0x0a002d02,
    });
  });
});

describe('ServerHandshake, simple fallback', () => {
  it('echoes a zero C1 in S2 and sends a zero-version S1', () => {
    const c1 = new Uint8Array(1536);
    const server = new ServerHandshake({ random: seededBytes(1) });
    const out = dataOf(server.receive(concat(c0, c1)));
    expect(Buffer.from(out.subarray(5, 9))).toEqual(Buffer.alloc(4));
    expect(out.subarray(1537)).toEqual(c1);
    expect(digestIn(out.subarray(1, 1537), 0, FMS_KEY_TEXT)).toBeUndefined();
    expect(digestIn(out.subarray(1, 1537), 1, FMS_KEY_TEXT)).toBeUndefined();
    const done = doneOf(server.receive(out.subarray(1, 1537)));
    expect(done).toEqual({ type: 'done', rest: new Uint8Array(0), mode: 'simple', peerVersion: 0 });
  });

  it('falls back to simple for a C1 whose version claims a digest it does not carry (livego closes)', () => {
    const c1 = signedPacket(seededBytes(11)(1528), 0x0a002d02, 1, FP_KEY_TEXT);
    c1[offsetOf(c1, 1)]! ^= 0x01;
    const server = new ServerHandshake();
    const out = dataOf(server.receive(concat(c0, c1)));
    expect(Buffer.from(out.subarray(1537))).toEqual(c1);
    expect(doneOf(server.receive(new Uint8Array(1536)))).toMatchObject({
      mode: 'simple',
      peerVersion: 0x0a002d02,
    });
  });

  it('answers a digest C1 with the simple handshake when complex is false', () => {
    const c1 = signedPacket(seededBytes(12)(1528), 0x0a002d02, 0, FP_KEY_TEXT);
    const server = new ServerHandshake({ complex: false });
    const out = dataOf(server.receive(concat(c0, c1)));
    expect(Buffer.from(out.subarray(1537))).toEqual(c1);
    expect(doneOf(server.receive(new Uint8Array(1536))).mode).toBe('simple');
  });

  it('answers rtmpdump’s simple C1 (golden bytes) with an echo', () => {
    const c0c1 = fixture('rtmpdump-simple-c0c1.bin');
    const server = new ServerHandshake();
    const out = dataOf(server.receive(c0c1));
    expect(out.subarray(1537)).toEqual(c0c1.subarray(1));
    expect(doneOf(server.receive(new Uint8Array(1536))).mode).toBe('simple');
  });
});

describe('ServerHandshake, input handling', () => {
  it('refuses RTMPE (C0 6 and 8) on the first byte, naming it', () => {
    for (const v of [6, 8]) {
      const server = new ServerHandshake();
      const err = errorOf(server.receive(new Uint8Array([v])));
      expect(err).toBeInstanceOf(RtmpError);
      expect(err.code).toBe('RTMP_HANDSHAKE_VERSION');
      expect(err.message).toMatch(/RTMPE/);
      expect(err.field).toBe('C0');
      expect(server.state).toBe('failed');
    }
  });

  it('names HTTP and TLS clients that reach the RTMP port, and refuses other versions', () => {
    expect(errorOf(new ServerHandshake().receive(new TextEncoder().encode('POST /open/1'))).message).toMatch(
      /'P'.*HTTP/,
    );
    expect(errorOf(new ServerHandshake().receive(new Uint8Array([0x16, 3, 1]))).message).toMatch(/TLS/);
    const err = errorOf(new ServerHandshake().receive(new Uint8Array([0])));
    expect(err.code).toBe('RTMP_HANDSHAKE_VERSION');
    expect(err.message).toMatch(/C0 is 0.*expected 3/);
  });

  it('is closed after an error and after done: further input is a state error, not a throw', () => {
    const failed = new ServerHandshake();
    failed.receive(new Uint8Array([6]));
    expect(errorOf(failed.receive(new Uint8Array(10))).code).toBe('RTMP_HANDSHAKE_STATE');
    const done = new ServerHandshake();
    done.receive(new Uint8Array(3073).fill(3, 0, 1));
    expect(done.state).toBe('done');
    expect(errorOf(done.receive(new Uint8Array(1))).message).toMatch(/chunk stream/);
  });

  it('completes when fed one byte at a time, and hands back the bytes after C2', () => {
    const c1 = signedPacket(seededBytes(21)(1528), 0x0a002d02, 0, FP_KEY_TEXT);
    const input = concat(c0, c1, new Uint8Array(1536).fill(7), new Uint8Array([0x02, 0xaa]));
    const server = new ServerHandshake();
    const events: HandshakeEvent[] = [];
    for (let i = 0; i < 1537 + 1536; i++) events.push(...server.receive(input.subarray(i, i + 1)));
    expect(events.map((e) => e.type)).toEqual(['data', 'done']);
    expect(doneOf(events)).toMatchObject({ mode: 'complex', schema: 0, rest: new Uint8Array(0) });

    const whole = new ServerHandshake().receive(input);
    expect(whole.map((e) => e.type)).toEqual(['data', 'done']);
    expect(doneOf(whole).rest).toEqual(new Uint8Array([0x02, 0xaa]));
  });

  it('reports a random function that returns too few bytes as a TypeError at construction', () => {
    expect(() => new ServerHandshake({ random: () => new Uint8Array(3) })).toThrow(TypeError);
  });
});

describe('ClientHandshake', () => {
  it('sends a schema 1 digest C1 that node:crypto verifies', () => {
    const client = new ClientHandshake({ epochMs: 2 ** 32 + 5 });
    const c0c1 = client.start();
    expect(c0c1.length).toBe(1537);
    expect(c0c1[0]).toBe(3);
    const c1 = c0c1.subarray(1);
    expect(Buffer.from(c1).readUInt32BE(0)).toBe(5);
    expect(Buffer.from(c1).readUInt32BE(4)).toBe(0x0a002d02);
    expect(digestIn(c1, 1, FP_KEY_TEXT)).toBeDefined();
    expect(() => client.start()).toThrow(TypeError);
  });

  for (const schema of [0, 1] as const) {
    it(`answers a schema ${schema} digest S1 with a C2 digest and verifies S2`, () => {
      const client = new ClientHandshake({ random: seededBytes(40 + schema) });
      const c1 = client.start().subarray(1);
      const c1Digest = digestIn(c1, 1, FP_KEY_TEXT)!;
      const s1 = signedPacket(seededBytes(50)(1528), 0x04050001, schema, FMS_KEY_TEXT);
      const s1Digest = digestIn(s1, schema, FMS_KEY_TEXT)!;
      const c2 = dataOf(client.receive(concat(c0, s1)));
      expect(client.state).toBe('awaitingS2');
      expect(c2.length).toBe(1536);
      expect(Buffer.from(c2.subarray(1504))).toEqual(replyDigest(c2, s1Digest, FP_KEY));

      const s2 = Buffer.from(seededBytes(60)(1536));
      replyDigest(s2, c1Digest, FMS_KEY).copy(s2, 1504);
      const after = new Uint8Array([2, 0, 0, 0]);
      const done = doneOf(client.receive(concat(s2, after)));
      expect(done).toMatchObject({ mode: 'complex', schema, peerVersion: 0x04050001, peerDigestValid: true });
      expect(done.rest).toEqual(after);
    });
  }

  it('reports an S2 without the answering digest as invalid', () => {
    const client = new ClientHandshake();
    client.start();
    const s1 = signedPacket(seededBytes(51)(1528), 0x0d0e0a0d, 1, FMS_KEY_TEXT);
    client.receive(concat(c0, s1));
    expect(doneOf(client.receive(new Uint8Array(1536)))).toMatchObject({
      mode: 'complex',
      peerDigestValid: false,
    });
  });

  it('falls back to simple against a server without a digest: C2 echoes S1', () => {
    const client = new ClientHandshake();
    const c1 = client.start().subarray(1);
    const s1 = seededBytes(70)(1536);
    const c2 = dataOf(client.receive(concat(c0, s1)));
    expect(c2).toEqual(s1);
    expect(doneOf(client.receive(c1))).toEqual({
      type: 'done',
      rest: new Uint8Array(0),
      mode: 'simple',
      peerVersion: Buffer.from(s1).readUInt32BE(4),
    });
  });

  it('sends a zero-version C1 without a digest when complex is false', () => {
    const c1 = new ClientHandshake({ complex: false }).start().subarray(1);
    expect(Buffer.from(c1).readUInt32BE(4)).toBe(0);
    expect(digestIn(c1, 1, FP_KEY_TEXT)).toBeUndefined();
  });

  it('reports input before start() and an RTMPE S0 as errors', () => {
    expect(errorOf(new ClientHandshake().receive(new Uint8Array([3]))).code).toBe('RTMP_HANDSHAKE_STATE');
    const client = new ClientHandshake();
    client.start();
    const err = errorOf(client.receive(new Uint8Array([6, 0, 0])));
    expect(err.code).toBe('RTMP_HANDSHAKE_VERSION');
    expect(err.message).toMatch(/S0 is 6.*RTMPE/);
    expect(client.state).toBe('failed');
  });
});

/** Runs a client and a server against each other, cutting each direction's bytes at `cuts`. */
function pair(
  clientOptions: ConstructorParameters<typeof ClientHandshake>[0],
  serverOptions: ConstructorParameters<typeof ServerHandshake>[0],
  cut: (bytes: Uint8Array) => Uint8Array[],
) {
  const client = new ClientHandshake(clientOptions);
  const server = new ServerHandshake(serverOptions);
  let toServer = [client.start()];
  let serverDone: Done | undefined;
  let clientDone: Done | undefined;
  for (let round = 0; round < 4 && !(serverDone && clientDone); round++) {
    const toClient: Uint8Array[] = [];
    for (const piece of toServer.flatMap(cut)) {
      for (const e of server.receive(piece)) {
        if (e.type === 'error') throw e.error;
        if (e.type === 'data') toClient.push(e.bytes);
        if (e.type === 'done') serverDone = e;
      }
    }
    toServer = [];
    for (const piece of toClient.flatMap(cut)) {
      for (const e of client.receive(piece)) {
        if (e.type === 'error') throw e.error;
        if (e.type === 'data') toServer.push(e.bytes);
        if (e.type === 'done') clientDone = e;
      }
    }
  }
  return { serverDone, clientDone };
}

const cutter = (sizes: number[]) => (bytes: Uint8Array) => {
  const out: Uint8Array[] = [];
  let pos = 0;
  for (let i = 0; pos < bytes.length; i++) {
    const n = sizes.length === 0 ? bytes.length : sizes[i % sizes.length]!;
    out.push(bytes.subarray(pos, pos + n));
    pos += n;
  }
  return out;
};

describe('digest placement', () => {
  it('puts the digest where node:crypto finds it, for any packet, schema and signer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1536, maxLength: 1536 }),
        fc.constantFrom(0 as const, 1 as const),
        fc.constantFrom('client' as const, 'server' as const),
        (bytes, schema, signer) => {
          const packet = bytes.slice();
          const offset = imprintDigest(packet, schema, signer);
          expect(offset).toBe(offsetOf(packet, schema));
          const keyText = signer === 'client' ? FP_KEY_TEXT : FMS_KEY_TEXT;
          expect(digestIn(packet, schema, keyText)).toBeDefined();
          expect(findDigest(packet, signer)?.schema).toBe(schema);
          // Signed by one side, never mistaken for the other's.
          expect(findDigest(packet, signer === 'client' ? 'server' : 'client')).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('ServerHandshake <-> ClientHandshake in memory', () => {
  it('completes in complex mode for any random content and any chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 3032, maxLength: 3032 }),
        fc.uint8Array({ minLength: 3032, maxLength: 3032 }),
        fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 6 }),
        (clientRandom, serverRandom, sizes) => {
          const { serverDone, clientDone } = pair(
            { random: () => clientRandom },
            { random: () => serverRandom },
            cutter(sizes),
          );
          expect(serverDone).toMatchObject({ mode: 'complex', schema: 1, peerDigestValid: true });
          expect(clientDone).toMatchObject({ mode: 'complex', schema: 1, peerDigestValid: true });
          expect(serverDone!.peerVersion).toBe(0x0a002d02);
          expect(clientDone!.peerVersion).toBe(0x0d0e0a0d);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('completes in simple mode when either side turns the digest off', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ minLength: 3032, maxLength: 3032 }),
        fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 6 }),
        (clientComplex, random, sizes) => {
          const { serverDone, clientDone } = pair(
            { complex: clientComplex, random: () => random },
            { complex: !clientComplex, random: () => random },
            cutter(sizes),
          );
          expect(serverDone?.mode).toBe('simple');
          expect(clientDone?.mode).toBe('simple');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('never throws on random input and reports only RtmpError; consumes exactly 3073 bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4000 }),
        fc.array(fc.integer({ min: 1, max: 1600 }), { maxLength: 5 }),
        fc.boolean(),
        (input, sizes, asClient) => {
          const machine = asClient ? new ClientHandshake() : new ServerHandshake();
          if (machine instanceof ClientHandshake) machine.start();
          const events = cutter(sizes)(input).flatMap((p) => machine.receive(p));
          const errors = events.filter((e) => e.type === 'error');
          for (const e of errors) expect(e.error).toBeInstanceOf(RtmpError);
          const done = events.find((e) => e.type === 'done');
          if (input.length > 0 && input[0] !== 3)
            expect(errors[0]?.error.code).toBe('RTMP_HANDSHAKE_VERSION');
          if (input.length >= 3073 && input[0] === 3) {
            expect(done).toBeDefined();
            // What follows the handshake comes back whole, in the events after done.
            const doneIndex = events.indexOf(done!);
            const restLength = events
              .slice(doneIndex)
              .reduce((n, e) => n + (e.type === 'done' ? e.rest.length : 0), 0);
            const lastCutEnd = cutter(sizes)(input).reduce(
              (acc, p) => (acc.pos >= 3073 ? acc : { pos: acc.pos + p.length }),
              { pos: 0 },
            ).pos;
            expect(restLength).toBe(lastCutEnd - 3073);
          } else {
            expect(done).toBeUndefined();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
