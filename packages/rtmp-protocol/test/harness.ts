// A thin socket harness for interop tests: node:net around the sans-I/O sessions, plus child process
// helpers that are killed in afterAll even when a test fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import type { ClientEvent } from '../src/client-session.js';
import { ClientSession, type ClientSessionOptions } from '../src/client-session.js';
import { type ServerEvent, ServerSession } from '../src/server-session.js';

export interface RtmpTestServer {
  port: number;
  contexts: ServerContext[];
  close(): Promise<void>;
}

interface SocketSession<E> {
  receive(bytes: Uint8Array, nowMs: number): E[];
  takeOutput(): Uint8Array[];
  closed: boolean;
}

/** A session bound to its socket. */
export interface Bound<S, E> {
  session: S;
  socket: Socket;
  /** Writes what the session queued. */
  flush(): void;
  /** Every event of this connection so far. */
  events: E[];
  /** Settles when the socket closed (after its last 'data'). */
  closed: Promise<void>;
}

export type ServerContext = Bound<ServerSession, ServerEvent>;
export type ClientRun = Bound<ClientSession, ClientEvent>;

/**
 * Binds a sans-I/O session to a socket: incoming bytes go to the session, each event is recorded and
 * handed to `onEvent`, and what the session queued is written after every read.
 */
function bind<S extends SocketSession<E>, E>(
  session: S,
  socket: Socket,
  onEvent: (ctx: Bound<S, E>, event: E) => void,
): Bound<S, E> {
  const ctx: Bound<S, E> = {
    session,
    socket,
    events: [],
    flush: () => {
      for (const chunk of session.takeOutput()) socket.write(chunk);
      if (session.closed) socket.end();
    },
    // Not events.once: it rejects on 'error' (EPIPE when the peer left first), and that is fine here.
    closed: new Promise<void>((resolve) => socket.on('close', () => resolve())),
  };
  socket.on('data', (data: Buffer) => {
    for (const event of session.receive(data, Date.now())) {
      ctx.events.push(event);
      onEvent(ctx, event);
    }
    ctx.flush();
  });
  return ctx;
}

/** Listens on 127.0.0.1, port 0; one ServerSession per connection; `onEvent` sees every event. */
export async function serveRtmp(
  onEvent: (ctx: ServerContext, event: ServerEvent) => void,
): Promise<RtmpTestServer> {
  const contexts: ServerContext[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    contexts.push(bind(new ServerSession(), socket, onEvent));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    contexts,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

/** A free TCP port on 127.0.0.1 (for programs that must listen themselves). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Connects a ClientSession, retrying while the peer is not listening yet (a probe connection would
 * use up `ffmpeg -listen 1`'s only accept).
 */
export async function connectClient(
  port: number,
  options: ClientSessionOptions,
  onEvent: (run: ClientRun, event: ClientEvent) => void,
  deadlineMs = 15_000,
): Promise<ClientRun> {
  const socket = await connectWithRetry(port, deadlineMs);
  socket.on('error', () => {});
  const run = bind(new ClientSession(options), socket, onEvent);
  run.session.start(Date.now());
  run.flush();
  return run;
}

/**
 * A TCP connection to 127.0.0.1:`port`, retried every `retryMs` for up to `deadlineMs` while the peer is
 * not listening yet (a probe connection would use up `ffmpeg -listen 1`'s only accept).
 */
export async function connectWithRetry(port: number, deadlineMs = 15_000, retryMs = 100): Promise<Socket> {
  const start = Date.now();
  while (true) {
    const socket = tcpConnect(port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      return socket;
    } catch (e) {
      socket.destroy();
      if (Date.now() - start > deadlineMs) throw e;
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}

export interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const children = new Set<ChildProcess>();

export function run(cmd: string, args: string[], timeoutMs = 30_000): Child {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(p);
  let out = '';
  let err = '';
  p.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  p.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const exit = new Promise<number | null>((resolve) => {
    p.on('close', (code) => {
      clearTimeout(timer);
      children.delete(p);
      resolve(code);
    });
    p.on('error', () => resolve(-1));
  });
  return { process: p, stdout: () => out, stderr: () => err, exit };
}

/** Everything a child wrote, stdout then stderr, for matching log lines. */
export function outputOf(child: Child): string {
  return child.stdout() + child.stderr();
}

export function killChildren(): void {
  for (const p of children) p.kill('SIGKILL');
  children.clear();
}

/** ffprobe -count_frames: frames decoded per stream type. */
export async function countFrames(input: string): Promise<{ video: number; audio: number; stderr: string }> {
  const c = run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-show_entries',
    'stream=codec_type,nb_read_frames',
    '-of',
    'json',
    input,
  ]);
  const code = await c.exit;
  if (code !== 0) throw new Error(`ffprobe ${input} exited ${code}: ${c.stderr()}`);
  const streams = (JSON.parse(c.stdout()) as { streams: { codec_type: string; nb_read_frames: string }[] })
    .streams;
  const get = (t: string) => Number(streams.find((s) => s.codec_type === t)?.nb_read_frames ?? 0);
  return { video: get('video'), audio: get('audio'), stderr: c.stderr() };
}
