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

type Role = 'server' | 'client';

interface RoleSpec<S> {
  self: Role;
  peer: Role;
  /** The state that awaits the peer's version byte and first packet (C0+C1 / S0+S1). */
  awaitingFirst: S;
  /** The state that awaits the peer's answer to our packet (C2 / S2). */
  awaitingSecond: S;
  /** The peer's version byte, for error messages. */
  versionField: 'C0' | 'S0';
}

/**
 * The machine both roles share (RTMP spec 1.0 §5.2.1-5.2.4, mirrored): read the peer's version byte and
 * first packet, answer it, then read the peer's answer to ours. Subclasses build the answer.
 */
abstract class TwoPhaseHandshake<S extends string> {
  protected stateValue: S | 'done' | 'failed';
  protected readonly complex: boolean;
  private readonly epoch: number;
  private readonly random: Uint8Array;
  private readonly first = new Filler(1 + HANDSHAKE_PACKET_SIZE);
  private second: Filler | undefined;
  private mode: HandshakeMode = 'simple';
  private peerVersion = 0;
  protected schema: DigestSchema | undefined;
  /** The digest in our C1/S1, which the peer's C2/S2 answers in complex mode. */
  private ourDigest: Uint8Array | undefined;

  constructor(
    options: HandshakeOptions,
    private readonly role: RoleSpec<S>,
    initial: S,
  ) {
    this.stateValue = initial;
    this.complex = options.complex ?? true;
    this.epoch = epochField(options.epochMs);
    this.random = randomBytes(options);
  }

  /** Takes any slice of the peer's bytes; never throws. After 'done' or 'error' the machine is closed. */
  receive(bytes: Uint8Array): HandshakeEvent[] {
    const events: HandshakeEvent[] = [];
    let pos = 0;
    if (this.stateValue === this.role.awaitingFirst) {
      pos = this.first.fill(bytes, pos);
      const version = this.first.buf[0]!;
      if (this.first.filled > 0 && version !== RTMP_VERSION) {
        return this.fail(versionError(version, this.role.versionField));
      }
      if (!this.first.full) return events;
      events.push({ type: 'data', bytes: this.answer(this.first.buf.subarray(1)) });
      this.second = new Filler(HANDSHAKE_PACKET_SIZE);
      this.stateValue = this.role.awaitingSecond;
    }
    if (this.stateValue === this.role.awaitingSecond) {
      const second = this.second!;
      pos = second.fill(bytes, pos);
      if (!second.full) return events;
      this.stateValue = 'done';
      const done: HandshakeEvent = {
        type: 'done',
        rest: bytes.subarray(pos),
        mode: this.mode,
        peerVersion: this.peerVersion,
      };
      if (this.mode === 'complex') {
        done.schema = this.schema!;
        done.peerDigestValid = verifyReplyDigest(second.buf, this.ourDigest!, this.role.peer);
      }
      events.push(done);
      this.second = undefined;
      return events;
    }
    return this.closedError();
  }

  /** Our bytes for the peer's first packet (C1 or S1). */
  protected abstract answer(peerFirst: Uint8Array): Uint8Array;

  /** The events for bytes that arrive when no packet is awaited. */
  protected closedError(): HandshakeEvent[] {
    const why =
      this.stateValue === 'done' ? 'is done: pass further bytes to the chunk stream' : 'failed earlier';
    return [
      {
        type: 'error',
        error: new RtmpError('RTMP_HANDSHAKE_STATE', `RTMP ${this.role.self} handshake ${why}`),
      },
    ];
  }

  protected fail(error: RtmpError): HandshakeEvent[] {
    this.stateValue = 'failed';
    this.second = undefined;
    return [{ type: 'error', error }];
  }

  /**
   * Writes our C1/S1 into `packet`: time, zero version, random bytes; with `schema`, our digest version
   * and a digest, which the peer's answer must then carry.
   */
  protected writeFirstPacket(packet: Uint8Array, schema: DigestSchema | undefined): void {
    writeU32(packet, 0, this.epoch);
    packet.set(this.random.subarray(0, RANDOM_PACKET_BYTES), 8);
    if (schema === undefined) return;
    writeU32(packet, 4, this.role.self === 'server' ? SERVER_DIGEST_VERSION : CLIENT_DIGEST_VERSION);
    const offset = imprintDigest(packet, schema, this.role.self);
    this.ourDigest = packet.slice(offset, offset + 32);
  }

  /**
   * Writes our C2/S2 for the peer's C1/S1 into `reply`: a digest answer when the peer's packet carries a
   * valid digest (complex mode, which sets `schema`), else an echo of it.
   */
  protected writeReply(peerFirst: Uint8Array, reply: Uint8Array): void {
    this.peerVersion = readU32(peerFirst, 4);
    // Only the digest tells: peers that ignore ours may still fill the version field.
    const found = this.complex ? findDigest(peerFirst, this.role.peer) : undefined;
    if (found === undefined) {
      reply.set(peerFirst);
      return;
    }
    this.mode = 'complex';
    this.schema = found.schema;
    reply.set(this.random.subarray(RANDOM_PACKET_BYTES, RANDOM_BYTES));
    imprintReplyDigest(reply, found.digest, this.role.self);
  }
}

/** The server side: feed it the client's bytes; it answers C0+C1 with S0+S1+S2, then waits for C2. */
export class ServerHandshake extends TwoPhaseHandshake<ServerHandshakeState> {
  constructor(options: HandshakeOptions = {}) {
    super(
      options,
      {
        self: 'server',
        peer: 'client',
        awaitingFirst: 'awaitingC0C1',
        awaitingSecond: 'awaitingC2',
        versionField: 'C0',
      },
      'awaitingC0C1',
    );
  }

  get state(): ServerHandshakeState {
    return this.stateValue;
  }

  /** Builds S0+S1+S2 for a C1: S1 carries a digest in the schema of C1's, when C1 has one. */
  protected override answer(c1: Uint8Array): Uint8Array {
    const out = new Uint8Array(1 + 2 * HANDSHAKE_PACKET_SIZE);
    out[0] = RTMP_VERSION;
    this.writeReply(c1, out.subarray(1 + HANDSHAKE_PACKET_SIZE));
    this.writeFirstPacket(out.subarray(1, 1 + HANDSHAKE_PACKET_SIZE), this.schema);
    return out;
  }
}

/** The client side: `start()` gives C0+C1; feed it the server's bytes; it answers S1 with C2. */
export class ClientHandshake extends TwoPhaseHandshake<ClientHandshakeState> {
  constructor(options: HandshakeOptions = {}) {
    super(
      options,
      {
        self: 'client',
        peer: 'server',
        awaitingFirst: 'awaitingS0S1',
        awaitingSecond: 'awaitingS2',
        versionField: 'S0',
      },
      'idle',
    );
  }

  get state(): ClientHandshakeState {
    return this.stateValue;
  }

  /** C0+C1, to write first. Calling it twice is a TypeError. */
  start(): Uint8Array {
    if (this.stateValue !== 'idle') throw new TypeError('ClientHandshake.start() was already called');
    const out = new Uint8Array(1 + HANDSHAKE_PACKET_SIZE);
    out[0] = RTMP_VERSION;
    // Schema 1 (digest block first), as Flash Player 9+, librtmp and ffmpeg send.
    this.writeFirstPacket(out.subarray(1), this.complex ? 1 : undefined);
    this.stateValue = 'awaitingS0S1';
    return out;
  }

  /** Builds C2 for an S1: a digest answer when S1 carries a valid server digest, else an echo of S1. */
  protected override answer(s1: Uint8Array): Uint8Array {
    const c2 = new Uint8Array(HANDSHAKE_PACKET_SIZE);
    this.writeReply(s1, c2);
    return c2;
  }

  protected override closedError(): HandshakeEvent[] {
    if (this.stateValue === 'idle') {
      return this.fail(
        new RtmpError('RTMP_HANDSHAKE_STATE', 'RTMP client handshake received bytes before start()'),
      );
    }
    return super.closedError();
  }
}
