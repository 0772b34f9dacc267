/**
 * The RTMP handshake, both roles, sans-I/O: RTMP spec 1.0 §5.2 (C0/S0 version, C1/S1, C2/S2) plus the
 * digest ("complex") handshake of Flash Player 9+ (see handshake-digest.ts).
 *
 * The server answers C0+C1 with S0+S1+S2 at once (as SRS and nginx-rtmp do) and then waits for C2. A C1
 * carrying a valid Flash Player digest (either schema) gets a digest S1/S2; any other C1 gets the simple
 * handshake (S2 echoes C1) — unlike livego, which closes the connection. C2 is read but not enforced.
 */

import { RtmpError } from './errors.js';
import {
  type DigestSchema,
  findDigest,
  HANDSHAKE_PACKET_SIZE,
  imprintDigest,
  imprintReplyDigest,
  verifyReplyDigest,
} from './handshake-digest.js';

export const RTMP_VERSION = 3;
/** C0 + C1 + C2: the most a handshake ever buffers. */
export const HANDSHAKE_MAX_BUFFERED_BYTES = 1 + 2 * HANDSHAKE_PACKET_SIZE;

// Version field (C1/S1 bytes 4..7) of a digest packet: Flash Player 10.0.45.2 as librtmp sends, and the
// server version nginx-rtmp and livego send. A zero version marks a simple-handshake packet.
const CLIENT_DIGEST_VERSION = 0x0a002d02;
const SERVER_DIGEST_VERSION = 0x0d0e0a0d;
const RANDOM_PACKET_BYTES = HANDSHAKE_PACKET_SIZE - 8; // C1/S1 after time and version
const RANDOM_REPLY_BYTES = HANDSHAKE_PACKET_SIZE - 32; // C2/S2 before their digest
const RANDOM_BYTES = RANDOM_PACKET_BYTES + RANDOM_REPLY_BYTES;

export interface HandshakeOptions {
  /** Returns `n` random bytes; defaults to the Web `crypto.getRandomValues`. Called once, by the constructor. */
  random?: (n: number) => Uint8Array;
  /** The time field of our C1/S1, in milliseconds (taken modulo 2^32); defaults to 0. */
  epochMs?: number;
  /**
   * Client: send a digest C1 (default true). Server: answer with a digest S1/S2 when C1 carries a valid
   * digest (default true); false always answers with the simple handshake.
   */
  complex?: boolean;
}

export type HandshakeMode = 'simple' | 'complex';

export type HandshakeEvent =
  /** Bytes to write to the socket. */
  | { type: 'data'; bytes: Uint8Array }
  | {
      type: 'done';
      /** Bytes that followed the handshake in the last input (chunk stream data): a view of that input. */
      rest: Uint8Array;
      mode: HandshakeMode;
      /** The version field of the peer's C1/S1 (bytes 4..7), e.g. 0x0a002d02; 0 from simple peers. */
      peerVersion: number;
      /** The digest schema used, in complex mode. */
      schema?: DigestSchema;
      /**
       * Complex mode only: whether the peer's answer (C2 for a server, S2 for a client) carries the digest
       * that answers ours. Informational: many clients send a C2 without it.
       */
      peerDigestValid?: boolean;
    }
  | { type: 'error'; error: RtmpError };

export type ServerHandshakeState = 'awaitingC0C1' | 'awaitingC2' | 'done' | 'failed';
export type ClientHandshakeState = 'idle' | 'awaitingS0S1' | 'awaitingS2' | 'done' | 'failed';

function defaultRandom(n: number): Uint8Array {
  const webCrypto = (globalThis as unknown as { crypto?: { getRandomValues(a: Uint8Array): Uint8Array } })
    .crypto;
  if (webCrypto === undefined) {
    throw new TypeError('no crypto.getRandomValues on this platform: pass HandshakeOptions.random');
  }
  return webCrypto.getRandomValues(new Uint8Array(n));
}

function randomBytes(options: HandshakeOptions): Uint8Array {
  const bytes = (options.random ?? defaultRandom)(RANDOM_BYTES);
  if (!(bytes instanceof Uint8Array) || bytes.length < RANDOM_BYTES) {
    throw new TypeError(
      `HandshakeOptions.random(${RANDOM_BYTES}) must return at least ${RANDOM_BYTES} bytes`,
    );
  }
  return bytes;
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

function epochField(epochMs: number | undefined): number {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return 0;
  const wrapped = Math.trunc(epochMs) % 0x1_0000_0000;
  return wrapped < 0 ? wrapped + 0x1_0000_0000 : wrapped;
}

/** Says why a first byte is not 3, naming the protocols that are often sent to an RTMP port by mistake. */
function versionError(version: number, role: 'C0' | 'S0'): RtmpError {
  let why: string;
  if (version === 6 || version === 8 || version === 9) {
    why = 'RTMPE (encrypted RTMP), which is not supported';
  } else if (version === 0x16) {
    why = 'what looks like a TLS ClientHello (RTMPS to a plain RTMP port?)';
  } else if (version >= 0x41 && version <= 0x5a) {
    why = `'${String.fromCharCode(version)}', what looks like an HTTP request (RTMPT is not supported)`;
  } else {
    why = 'an unknown version';
  }
  return new RtmpError(
    'RTMP_HANDSHAKE_VERSION',
    `RTMP handshake: ${role} is ${version}, ${why}; expected ${RTMP_VERSION}`,
    { offset: 0, field: role },
  );
}

/** Fills a fixed buffer from successive inputs. */
class Filler {
  readonly buf: Uint8Array;
  filled = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  get full(): boolean {
    return this.filled === this.buf.length;
  }
  /** Copies what fits from `input` at `pos`; returns the new position in `input`. */
  fill(input: Uint8Array, pos: number): number {
    const n = Math.min(this.buf.length - this.filled, input.length - pos);
    this.buf.set(input.subarray(pos, pos + n), this.filled);
    this.filled += n;
    return pos + n;
  }
}

/** The server side: feed it the client's bytes; it answers C0+C1 with S0+S1+S2, then waits for C2. */
export class ServerHandshake {
  private stateValue: ServerHandshakeState = 'awaitingC0C1';
  private readonly complex: boolean;
  private readonly epoch: number;
  private readonly random: Uint8Array;
  private readonly c0c1 = new Filler(1 + HANDSHAKE_PACKET_SIZE);
  private c2: Filler | undefined;
  private mode: HandshakeMode = 'simple';
  private peerVersion = 0;
  private schema: DigestSchema | undefined;
  private s1Digest: Uint8Array | undefined;

  constructor(options: HandshakeOptions = {}) {
    this.complex = options.complex ?? true;
    this.epoch = epochField(options.epochMs);
    this.random = randomBytes(options);
  }

  get state(): ServerHandshakeState {
    return this.stateValue;
  }

  /** Takes any slice of the client's bytes; never throws. After 'done' or 'error' the machine is closed. */
  receive(bytes: Uint8Array): HandshakeEvent[] {
    const events: HandshakeEvent[] = [];
    let pos = 0;
    if (this.stateValue === 'awaitingC0C1') {
      pos = this.c0c1.fill(bytes, pos);
      const version = this.c0c1.buf[0]!;
      if (this.c0c1.filled > 0 && version !== RTMP_VERSION) return this.fail(versionError(version, 'C0'));
      if (!this.c0c1.full) return events;
      events.push({ type: 'data', bytes: this.answer(this.c0c1.buf.subarray(1)) });
      this.c2 = new Filler(HANDSHAKE_PACKET_SIZE);
      this.stateValue = 'awaitingC2';
    }
    if (this.stateValue === 'awaitingC2') {
      const c2 = this.c2!;
      pos = c2.fill(bytes, pos);
      if (!c2.full) return events;
      this.stateValue = 'done';
      const done: HandshakeEvent = {
        type: 'done',
        rest: bytes.subarray(pos),
        mode: this.mode,
        peerVersion: this.peerVersion,
      };
      if (this.mode === 'complex') {
        done.schema = this.schema!;
        done.peerDigestValid = verifyReplyDigest(c2.buf, this.s1Digest!, 'client');
      }
      events.push(done);
      this.c2 = undefined;
      return events;
    }
    return this.closedError();
  }

  /** Builds S0+S1+S2 for a C1. */
  private answer(c1: Uint8Array): Uint8Array {
    this.peerVersion = readU32(c1, 4);
    const found = this.complex ? findDigest(c1, 'client') : undefined;
    const out = new Uint8Array(1 + 2 * HANDSHAKE_PACKET_SIZE);
    out[0] = RTMP_VERSION;
    const s1 = out.subarray(1, 1 + HANDSHAKE_PACKET_SIZE);
    const s2 = out.subarray(1 + HANDSHAKE_PACKET_SIZE);
    writeU32(s1, 0, this.epoch);
    s1.set(this.random.subarray(0, RANDOM_PACKET_BYTES), 8);
    if (found === undefined) {
      s2.set(c1);
      return out;
    }
    this.mode = 'complex';
    this.schema = found.schema;
    writeU32(s1, 4, SERVER_DIGEST_VERSION);
    const offset = imprintDigest(s1, found.schema, 'server');
    this.s1Digest = s1.slice(offset, offset + 32);
    s2.set(this.random.subarray(RANDOM_PACKET_BYTES, RANDOM_BYTES));
    imprintReplyDigest(s2, found.digest, 'server');
    return out;
  }

  private fail(error: RtmpError): HandshakeEvent[] {
    this.stateValue = 'failed';
    this.c2 = undefined;
    return [{ type: 'error', error }];
  }

  private closedError(): HandshakeEvent[] {
    const why =
      this.stateValue === 'done' ? 'is done: pass further bytes to the chunk stream' : 'failed earlier';
    return [{ type: 'error', error: new RtmpError('RTMP_HANDSHAKE_STATE', `RTMP server handshake ${why}`) }];
  }
}

/** The client side: `start()` gives C0+C1; feed it the server's bytes; it answers S1 with C2. */
export class ClientHandshake {
  private stateValue: ClientHandshakeState = 'idle';
  private readonly complex: boolean;
  private readonly epoch: number;
  private readonly random: Uint8Array;
  private c1Digest: Uint8Array | undefined;
  private readonly s0s1 = new Filler(1 + HANDSHAKE_PACKET_SIZE);
  private s2: Filler | undefined;
  private mode: HandshakeMode = 'simple';
  private peerVersion = 0;
  private schema: DigestSchema | undefined;

  constructor(options: HandshakeOptions = {}) {
    this.complex = options.complex ?? true;
    this.epoch = epochField(options.epochMs);
    this.random = randomBytes(options);
  }

  get state(): ClientHandshakeState {
    return this.stateValue;
  }

  /** C0+C1, to write first. Calling it twice is a TypeError. */
  start(): Uint8Array {
    if (this.stateValue !== 'idle') throw new TypeError('ClientHandshake.start() was already called');
    const out = new Uint8Array(1 + HANDSHAKE_PACKET_SIZE);
    out[0] = RTMP_VERSION;
    const c1 = out.subarray(1);
    writeU32(c1, 0, this.epoch);
    c1.set(this.random.subarray(0, RANDOM_PACKET_BYTES), 8);
    if (this.complex) {
      writeU32(c1, 4, CLIENT_DIGEST_VERSION);
      // Schema 1 (digest block first), as Flash Player 9+, librtmp and ffmpeg send.
      const offset = imprintDigest(c1, 1, 'client');
      this.c1Digest = c1.slice(offset, offset + 32);
    }
    this.stateValue = 'awaitingS0S1';
    return out;
  }

  /** Takes any slice of the server's bytes; never throws. After 'done' or 'error' the machine is closed. */
  receive(bytes: Uint8Array): HandshakeEvent[] {
    const events: HandshakeEvent[] = [];
    let pos = 0;
    if (this.stateValue === 'awaitingS0S1') {
      pos = this.s0s1.fill(bytes, pos);
      const version = this.s0s1.buf[0]!;
      if (this.s0s1.filled > 0 && version !== RTMP_VERSION) return this.fail(versionError(version, 'S0'));
      if (!this.s0s1.full) return events;
      events.push({ type: 'data', bytes: this.answer(this.s0s1.buf.subarray(1)) });
      this.s2 = new Filler(HANDSHAKE_PACKET_SIZE);
      this.stateValue = 'awaitingS2';
    }
    if (this.stateValue === 'awaitingS2') {
      const s2 = this.s2!;
      pos = s2.fill(bytes, pos);
      if (!s2.full) return events;
      this.stateValue = 'done';
      const done: HandshakeEvent = {
        type: 'done',
        rest: bytes.subarray(pos),
        mode: this.mode,
        peerVersion: this.peerVersion,
      };
      if (this.mode === 'complex') {
        done.schema = this.schema!;
        done.peerDigestValid = verifyReplyDigest(s2.buf, this.c1Digest!, 'server');
      }
      events.push(done);
      this.s2 = undefined;
      return events;
    }
    if (this.stateValue === 'idle') {
      return this.fail(
        new RtmpError('RTMP_HANDSHAKE_STATE', 'RTMP client handshake received bytes before start()'),
      );
    }
    const why =
      this.stateValue === 'done' ? 'is done: pass further bytes to the chunk stream' : 'failed earlier';
    return [{ type: 'error', error: new RtmpError('RTMP_HANDSHAKE_STATE', `RTMP client handshake ${why}`) }];
  }

  /** Builds C2 for an S1: a digest answer when S1 carries a valid server digest, else an echo of S1. */
  private answer(s1: Uint8Array): Uint8Array {
    this.peerVersion = readU32(s1, 4);
    // Only the digest tells: servers that ignore ours may still fill the version field.
    const found = this.complex ? findDigest(s1, 'server') : undefined;
    const c2 = new Uint8Array(HANDSHAKE_PACKET_SIZE);
    if (found === undefined) {
      c2.set(s1);
      return c2;
    }
    this.mode = 'complex';
    this.schema = found.schema;
    c2.set(this.random.subarray(RANDOM_PACKET_BYTES, RANDOM_BYTES));
    imprintReplyDigest(c2, found.digest, 'client');
    return c2;
  }

  private fail(error: RtmpError): HandshakeEvent[] {
    this.stateValue = 'failed';
    this.s2 = undefined;
    return [{ type: 'error', error }];
  }
}
