/**
 * In-process RTMP peers for the edge tests: a player that records everything the server sends on
 * every message stream (and can send any command), a publisher of synthetic frames, and a server
 * whose log lines the test can read.
 */
import { connect, type Socket } from 'node:net';
import type { AmfValue } from '@livego/amf';
import {
  ChunkStreamId,
  ClientSession,
  type ClientSessionOptions,
  type Command,
  type CommonEvent,
} from '@livego/rtmp-protocol';
import { pino } from 'pino';
import type { ServerConfig } from '../src/config.js';
import { createServer, type LivegoServer } from '../src/index.js';
import { RtmpClient } from '../src/rtmp-client.js';

export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A server on loopback (every listener on port 0) whose log lines are kept in `logs`. */
export async function startServerWithLog(
  config: Partial<ServerConfig> = {},
): Promise<{ server: LivegoServer; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as LogLine);
      },
    },
  );
  const server = createServer(
    {
      workers: 1,
      rtmpAddr: '127.0.0.1:0',
      httpflvAddr: '127.0.0.1:0',
      hlsAddr: '127.0.0.1:0',
      apiAddr: '127.0.0.1:0',
      ...config,
    },
    { logger },
  );
  await server.start();
  return { server, logs };
}

/** The log lines that carry `reason` matching `re` (the close reasons of sessions). */
export function reasons(logs: LogLine[], re: RegExp): LogLine[] {
  return logs.filter((l) => typeof l.reason === 'string' && re.test(l.reason));
}

export interface SeenCommand {
  streamId: number;
  name: string;
  transactionId: number;
  args: AmfValue[];
}

/** A ClientSession that reports media of every message stream and every command, and sends any command. */
class SpySession extends ClientSession {
  readonly commands: SeenCommand[] = [];
  private readonly handshakeOnly: boolean;

  constructor(options: ClientSessionOptions & { handshakeOnly?: boolean }) {
    super(options);
    this.handshakeOnly = options.handshakeOnly ?? false;
  }

  command(streamId: number, name: string, args: AmfValue[], transactionId = 0): void {
    const chunkStreamId = streamId === 0 ? undefined : ChunkStreamId.StreamCommand;
    this.sendCommand(streamId, { name, transactionId, commandObject: null, args }, chunkStreamId);
  }

  protected override onHandshakeDone(): void {
    if (!this.handshakeOnly) super.onHandshakeDone();
  }

  protected override onMedia(event: Extract<CommonEvent, { type: 'audio' | 'video' | 'data' }>): void {
    this.emit(event);
  }

  protected override onCommand(streamId: number, chunkStreamId: number, c: Command): void {
    this.commands.push({ streamId, name: c.name, transactionId: c.transactionId, args: c.args });
    super.onCommand(streamId, chunkStreamId, c);
  }
}

export interface SeenMedia {
  streamId: number;
  kind: 'audio' | 'video' | 'data';
  timestampMs: number;
  payload: Uint8Array;
  atMs: number;
}

/**
 * An RTMP player over a real socket that keeps what it receives: media per message stream, every
 * command (onStatus, _result, _error) and user control event.
 */
export class SpyPlayer {
  readonly session: SpySession;
  readonly socket: Socket;
  readonly media: SeenMedia[] = [];
  readonly userControl: string[] = [];
  readonly errors: string[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly waiters: Array<() => void> = [];

  constructor(
    port: number,
    path: string,
    options: Partial<ClientSessionOptions> & { handshakeOnly?: boolean } = {},
  ) {
    this.session = new SpySession({ url: `rtmp://127.0.0.1:${port}${path}`, mode: 'play', ...options });
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.closed = new Promise<void>((resolve) =>
      this.socket.on('close', () => {
        this.isClosed = true;
        this.notify();
        resolve();
      }),
    );
    this.socket.once('connect', () => {
      this.session.start(Date.now());
      this.flush();
    });
    this.socket.on('data', (buf: Buffer) => {
      const now = Date.now();
      for (const e of this.session.receive(buf, now)) {
        if (e.type === 'audio' || e.type === 'video' || e.type === 'data') {
          this.media.push({
            streamId: e.streamId,
            kind: e.type,
            timestampMs: e.timestampMs,
            payload: e.payload,
            atMs: now,
          });
        } else if (e.type === 'userControl') {
          this.userControl.push(e.event.kind);
        } else if (e.type === 'error') {
          this.errors.push(e.error.message);
        }
      }
      this.flush();
      this.notify();
    });
  }

  get commands(): SeenCommand[] {
    return this.session.commands;
  }

  /** `code` of every onStatus, in order, as `streamId:code`. */
  statuses(): string[] {
    return this.commands
      .filter((c) => c.name === 'onStatus')
      .map((c) => `${c.streamId}:${String((c.args[0] as { code?: unknown } | undefined)?.code)}`);
  }

  command(streamId: number, name: string, args: AmfValue[], transactionId = 0): void {
    this.session.command(streamId, name, args, transactionId);
    this.flush();
  }

  flush(): void {
    const out = this.session.takeOutput();
    if (out.length === 0 || this.socket.destroyed) return;
    this.socket.cork();
    for (const b of out) this.socket.write(b);
    this.socket.uncork();
  }

  /** Resolves when `cond` holds (checked on every packet and at the close), rejects after `timeoutMs`. */
  until(cond: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
          return true;
        }
        return false;
      };
      if (check()) return;
      const waiter = () => {
        if (!check()) this.waiters.push(waiter);
      };
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** An AVC sequence header (320x240 baseline; any valid one will do for the hub and the spy). */
export const AVC_SEQUENCE_HEADER = Uint8Array.of(
  0x17,
  0x00,
  0x00,
  0x00,
  0x00,
  0x01,
  0x42,
  0xc0,
  0x1e,
  0xff,
  0xe1,
  0x00,
  0x0f,
  0x67,
  0x42,
  0xc0,
  0x1e,
  0xd9,
  0x01,
  0x40,
  0xf6,
  0xc0,
  0x44,
  0x00,
  0x00,
  0x03,
  0x00,
  0x04,
  0x00,
  0x00,
  0x03,
  0x00,
  0xc8,
  0x3c,
  0x58,
  0xb9,
  0x20,
  0x01,
  0x00,
  0x04,
  0x68,
  0xcb,
  0x83,
  0xcb,
  0x20,
);

/**
 * A synthetic AVC keyframe of `size` bytes: the FLV video header, then a `marker` byte and `seq` (u32)
 * so a receiver can tell publishers and frames apart; the rest is noise that does not compress.
 */
export function syntheticKeyframe(size: number, marker: number, seq: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 10; i < size; i++) b[i] = (i * 2654435761 + seq * 40503) >>> 24;
  b.set([
    0x17,
    0x01,
    0x00,
    0x00,
    0x00,
    marker,
    seq >>> 24,
    (seq >>> 16) & 0xff,
    (seq >>> 8) & 0xff,
    seq & 0xff,
  ]);
  return b;
}

/** The marker and sequence number of a `syntheticKeyframe` (undefined for other payloads). */
export function frameMark(payload: Uint8Array): { marker: number; seq: number } | undefined {
  if (payload.length < 10 || payload[0] !== 0x17 || payload[1] !== 0x01) return undefined;
  const seq = ((payload[6]! << 24) | (payload[7]! << 16) | (payload[8]! << 8) | payload[9]!) >>> 0;
  return { marker: payload[5]!, seq };
}

/**
 * An RTMP publisher of `path` sending a 200 KB synthetic keyframe every 40 ms (5 MB/s of
 * incompressible frames: a reader that stops fills the loopback buffers in a few seconds), each
 * marked with `marker` and its number. `sent()` is the last number sent; `stop()` ends the frames.
 */
export async function floodPublisher(
  server: LivegoServer,
  path: string,
  marker: number,
): Promise<{ client: RtmpClient; sent(): number; stop(): void }> {
  const client = new RtmpClient({
    url: `rtmp://127.0.0.1:${server.address().rtmp!.port}${path}`,
    mode: 'publish',
  });
  await client.ready;
  client.session.publishVideo(0, AVC_SEQUENCE_HEADER);
  client.flush();
  let n = 0;
  const ticker = setInterval(() => {
    n++;
    client.session.publishVideo(n * 40, syntheticKeyframe(200_000, marker, n));
    client.flush();
  }, 40);
  return {
    client,
    sent: () => n,
    stop: () => clearInterval(ticker),
  };
}
