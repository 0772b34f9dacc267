/**
 * `workers` > 1: this process (the primary) keeps everything but viewers — listeners, publishers, the
 * hub of record, API, HLS, relays, recordings — and hands viewer connections to worker processes.
 * Node 20 can pass a socket to a child process (not to a worker thread, and it has no SO_REUSEPORT),
 * so workers are processes forked from `worker.js`.
 *
 * - An HTTP-FLV / WebSocket-FLV connection is handed over as it is accepted, before a byte is read.
 *   An RTMP connection is handed over at its first `play`, with its session state
 *   (`ServerSession.snapshot()`), so the handshake, keys and publishers stay here.
 * - Each worker mirrors the streams its viewers watch: per (worker, stream) one internal subscriber
 *   here forwards every packet once over the IPC channel; the worker's own hub fans it out to its
 *   viewers with the same shared path. So a packet crosses to each worker once, never once per viewer.
 * - While this process's event loop is busy less than worker_load_pct of the time, it serves viewers
 *   itself (one process costs less CPU and memory than two); the workers are started once it is half
 *   that busy, and past it a viewer goes to the process serving the fewest viewer connections. With
 *   worker_load_pct 0 the workers start at once and every viewer is spread.
 * - The API asks the workers for their players; the connection limits are counted here, where every
 *   connection is accepted, until the worker says the connection closed. Each process tells the
 *   others how many viewers of a stream it has, and each hub counts those against
 *   max_viewers_per_stream (joins in the same instant in two processes may pass it by one each).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { MediaPacket, PacketKind, Subscriber } from '@livego/hub';
import type { ServerEvent, ServerSessionState } from '@livego/rtmp-protocol';
import type { ServerConfig } from './config.js';
import type { ServerContext } from './context.js';
import { FLV_FORM } from './forms.js';
import type { ConnectionLimiter } from './limits.js';
import type { Logger } from './logger.js';
import type { PlayerRow } from './rates.js';

/** A packet on the IPC channel: kind, rebased timestamp, payload. */
export type WirePacket = [PacketKind, number, Uint8Array];

export type ToWorker =
  | { t: 'init'; index: number; config: ServerConfig }
  /** With a socket: an HTTP-FLV connection, nothing read yet. */
  | { t: 'http'; conn: number }
  /** With a socket: an RTMP connection at its first play; `events` start with that play. */
  | { t: 'rtmp'; conn: number; state: ServerSessionState; events: ServerEvent[] }
  /** The stream is live (again): `burst` is its start-up cache (empty for a new publisher). */
  | { t: 'publish'; key: string; app: string; name: string; burst: WirePacket[] }
  | { t: 'media'; key: string; packets: WirePacket[] }
  | { t: 'unpublish'; key: string }
  /** Answer to a watch of a stream that has no publisher now. */
  | { t: 'absent'; key: string }
  | { t: 'players'; req: number }
  /** Viewers of `key` in the other processes, for max_viewers_per_stream. */
  | { t: 'elsewhere'; key: string; n: number }
  | { t: 'stop'; graceMs: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'watch'; app: string; name: string }
  | { t: 'unwatch'; key: string }
  | { t: 'closed'; conn: number }
  /** Its viewers of `key` now. */
  | { t: 'viewers'; key: string; n: number }
  | { t: 'players'; req: number; rows: PlayerRow[] }
  | { t: 'stopped'; clean: boolean };

/** What /stat/workers shows of each process. */
export interface WorkerInfo {
  /** 0: this process (the primary); 1..: workers. */
  worker: number;
  pid: number | undefined;
  /** Viewer connections it serves now. */
  connections: number;
  /** Streams it mirrors. */
  streams: number;
  /** The primary's event-loop load (% busy, smoothed) that decides whether it keeps viewers. */
  load?: number;
  /** A worker that has started and takes viewers. */
  ready: boolean;
}

/** Bytes queued on one worker's channel past which it is taken for hung and restarted. */
const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;
const READY_TIMEOUT_MS = 15_000;
const RESPAWN_DELAY_MS = 1000;
const ROWS_TIMEOUT_MS = 1000;
/** How often this process's event-loop load is sampled. */
const LOAD_SAMPLE_MS = 500;
/**
 * Weight of the newest sample in the smoothed load: about 5 s to follow a change, so a burst of
 * connections (handshakes for a second) does not start the workers, a lasting load does.
 */
const LOAD_WEIGHT = 0.1;

/** `workers: auto` → one per core. */
export function workerCount(workers: number | 'auto'): number {
  return workers === 'auto' ? availableParallelism() : workers;
}

/** The worker entry next to this file in dist/ (from the sources, as vitest runs them: the build). */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const built = here.endsWith('.ts')
    ? fileURLToPath(new URL('../dist/worker.js', import.meta.url))
    : fileURLToPath(new URL('./worker.js', import.meta.url));
  if (!existsSync(built))
    throw new Error(`workers > 1 needs the built worker entry ${built} (run the build)`);
  return built;
}

interface Slot {
  index: number;
  proc: ChildProcess;
  ready: boolean;
  /** Viewer connections handed to it and not yet closed, with the release of their limit count. */
  conns: Map<number, () => void>;
  /** Streams it mirrors: the internal subscriber forwarding each. */
  watches: Map<string, Subscriber>;
  /** Its viewers per stream, as it last said. */
  viewers: Map<string, number>;
  inFlightBytes: number;
}

export class WorkerPool {
  private readonly ctx: ServerContext;
  private readonly limiter: ConnectionLimiter;
  private readonly log: Logger;
  private readonly slots: Slot[] = [];
  private readonly entry: string;
  /** Viewer connections this process kept. */
  private kept = 0;
  private nextConn = 0;
  private nextReq = 0;
  private stopping = false;
  private readonly pendingRows = new Map<number, (rows: PlayerRow[]) => void>();
  private readonly unlisten: () => void;

  private readonly count: number;
  /** worker_load_pct as a fraction. */
  private readonly threshold: number;
  /** This process's event-loop utilization, smoothed over the last seconds. */
  private load = 0;
  private loadTimer: ReturnType<typeof setInterval> | undefined;
  private spawned = false;

  constructor(ctx: ServerContext, limiter: ConnectionLimiter, workers: number) {
    this.ctx = ctx;
    this.limiter = limiter;
    this.log = ctx.logger.child({ component: 'workers' });
    this.entry = workerEntry();
    this.count = workers;
    this.threshold = ctx.config.workerLoadPct / 100;
    // This process's viewers change: the workers that mirror the stream hear of it.
    this.unlisten = ctx.hub.on((e) => {
      if (e.type === 'subscribe' || e.type === 'unsubscribe') this.tellViewers(e.stream.key);
    });
  }

  /** Viewers of `key` in the workers (for this process's hub). */
  viewersElsewhere(key: string): number {
    let n = 0;
    for (const s of this.slots) n += s.viewers.get(key) ?? 0;
    return n;
  }

  /** Tells each worker mirroring `key` how many viewers it has in the other processes. */
  private tellViewers(key: string): void {
    const here = this.ctx.hub.streams().find((s) => s.key === key)?.subscribers.size ?? 0;
    const total = here + this.viewersElsewhere(key);
    for (const s of this.slots)
      if (s.watches.has(key)) this.send(s, { t: 'elsewhere', key, n: total - (s.viewers.get(key) ?? 0) });
  }

  /**
   * With worker_load_pct 0, starts the workers and resolves when every one is ready (or throws after a
   * timeout); else starts watching this process's load, and the workers start when it is half the
   * threshold.
   */
  async start(): Promise<void> {
    if (this.threshold > 0) {
      let last = performance.eventLoopUtilization();
      this.loadTimer = setInterval(() => {
        const now = performance.eventLoopUtilization();
        const u = performance.eventLoopUtilization(now, last).utilization;
        last = now;
        this.load = (1 - LOAD_WEIGHT) * this.load + LOAD_WEIGHT * u;
        if (!this.spawned && this.load >= this.threshold / 2) {
          this.log.info({ load: Math.round(this.load * 100) }, 'busy: starting the workers');
          this.spawnAll();
        }
      }, LOAD_SAMPLE_MS);
      this.loadTimer.unref();
      return;
    }
    this.spawnAll();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!this.slots.every((s) => s.ready)) {
      if (Date.now() > deadline) throw new Error(`workers did not start within ${READY_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * An accepted HTTP-FLV connection (paused, nothing read): hands it to a worker and returns true, or
   * returns false when this process serves it.
   */
  handOffHttp(socket: Socket): boolean {
    const slot = this.pick();
    if (slot === undefined) return this.keep(socket);
    const release = this.limiter.handOver(socket);
    const conn = ++this.nextConn;
    slot.conns.set(conn, release);
    this.send(slot, { t: 'http', conn }, socket);
    return true;
  }

  /**
   * An RTMP connection at its first play, its reading stopped and its output written: hands it with
   * its session state to a worker (true), or false when this process keeps it.
   */
  handOffRtmp(
    socket: Socket,
    prepare: () => { state: ServerSessionState; events: ServerEvent[] } | undefined,
  ): boolean {
    const slot = this.pick();
    const moving = slot === undefined ? undefined : prepare();
    if (slot === undefined || moving === undefined) return this.keep(socket);
    const release = this.limiter.handOver(socket);
    const conn = ++this.nextConn;
    slot.conns.set(conn, release);
    this.send(slot, { t: 'rtmp', conn, ...moving }, socket);
    return true;
  }

  /** Players of every worker, as /stat/livestat lists them. */
  async players(): Promise<PlayerRow[]> {
    const asks = this.slots
      .filter((s) => s.ready)
      .map(
        (s) =>
          new Promise<PlayerRow[]>((resolve) => {
            const req = ++this.nextReq;
            const timer = setTimeout(() => {
              this.pendingRows.delete(req);
              resolve([]);
            }, ROWS_TIMEOUT_MS);
            this.pendingRows.set(req, (rows) => {
              clearTimeout(timer);
              this.pendingRows.delete(req);
              resolve(rows);
            });
            this.send(s, { t: 'players', req });
          }),
      );
    return (await Promise.all(asks)).flat();
  }

  info(): WorkerInfo[] {
    return [
      {
        worker: 0,
        pid: process.pid,
        connections: this.kept,
        streams: 0,
        load: Math.round(this.load * 100),
        ready: true,
      },
      ...this.slots.map((s) => ({
        worker: s.index,
        pid: s.proc.pid,
        connections: s.conns.size,
        streams: s.watches.size,
        ready: s.ready,
      })),
    ];
  }

  private spawnAll(): void {
    if (this.spawned) return;
    this.spawned = true;
    for (let i = 1; i < this.count; i++) this.slots.push(this.spawn(i));
  }

  /** Tells every worker to stop within `graceMs` and waits for them to exit; true when all did cleanly. */
  async stop(graceMs: number): Promise<boolean> {
    this.stopping = true;
    clearInterval(this.loadTimer);
    this.unlisten();
    const exits = this.slots.map(
      (s) =>
        new Promise<boolean>((resolve) => {
          if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve(true);
          let clean = false;
          s.proc.on('message', (m: FromWorker) => {
            if (m.t === 'stopped') clean = m.clean;
          });
          const timer = setTimeout(() => s.proc.kill('SIGKILL'), graceMs + 500);
          s.proc.once('exit', () => {
            clearTimeout(timer);
            resolve(clean);
          });
          this.send(s, { t: 'stop', graceMs });
        }),
    );
    return (await Promise.all(exits)).every(Boolean);
  }

  /**
   * Where a new viewer goes: undefined is this process — while it is not busy, or when no worker has
   * fewer viewer connections (ties go to a worker).
   */
  private pick(): Slot | undefined {
    if (this.threshold > 0 && this.load < this.threshold) return undefined;
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (!s.ready || !s.proc.connected || s.inFlightBytes > MAX_IN_FLIGHT_BYTES / 2) continue;
      if (best === undefined || s.conns.size < best.conns.size) best = s;
    }
    return best !== undefined && best.conns.size <= this.kept ? best : undefined;
  }

  private keep(socket: Socket): false {
    this.kept++;
    socket.once('close', () => this.kept--);
    return false;
  }

  private spawn(index: number): Slot {
    // Flags such as --cpu-prof or --inspect are this process's; a worker starts plain.
    const proc = fork(this.entry, [], { serialization: 'advanced', execArgv: [], stdio: 'inherit' });
    const slot: Slot = {
      index,
      proc,
      ready: false,
      conns: new Map(),
      watches: new Map(),
      viewers: new Map(),
      inFlightBytes: 0,
    };
    proc.on('message', (m: FromWorker) => this.onMessage(slot, m));
    proc.on('error', (err) => this.log.error({ worker: index, err: err.message }, 'worker error'));
    proc.once('exit', (code, signal) => this.onExit(slot, code, signal));
    this.send(slot, { t: 'init', index, config: this.ctx.config });
    return slot;
  }

  private onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    for (const release of slot.conns.values()) release();
    slot.conns.clear();
    for (const sub of slot.watches.values()) sub.close();
    slot.watches.clear();
    const keys = [...slot.viewers.keys()];
    slot.viewers.clear();
    for (const key of keys) this.tellViewers(key);
    if (this.stopping) return;
    this.log.error(
      { worker: slot.index, code, signal },
      'worker exited; its viewers are gone, restarting it',
    );
    const i = this.slots.indexOf(slot);
    setTimeout(() => {
      if (!this.stopping && i >= 0) this.slots[i] = this.spawn(slot.index);
    }, RESPAWN_DELAY_MS).unref();
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    switch (m.t) {
      case 'ready':
        slot.ready = true;
        return;
      case 'watch':
        this.watch(slot, m.app, m.name);
        return;
      case 'unwatch': {
        const sub = slot.watches.get(m.key);
        slot.watches.delete(m.key);
        sub?.close();
        return;
      }
      case 'closed':
        slot.conns.get(m.conn)?.();
        slot.conns.delete(m.conn);
        return;
      case 'players':
        this.pendingRows.get(m.req)?.(m.rows);
        return;
      case 'viewers':
        if (m.n === 0) slot.viewers.delete(m.key);
        else slot.viewers.set(m.key, m.n);
        this.tellViewers(m.key);
        return;
      case 'stopped':
        return;
    }
  }

  /** Starts forwarding `app/name` to `slot`: the start-up cache now if it is live, then every packet. */
  private watch(slot: Slot, app: string, name: string): void {
    const key = `${app}/${name}`;
    if (slot.watches.has(key)) {
      // Asked again (a viewer of a stream it already mirrors after a restart of its mirror): resend.
      slot.watches.get(key)!.close();
      slot.watches.delete(key);
    }
    let sub: Subscriber;
    try {
      sub = this.ctx.hub.subscribe(
        app,
        name,
        { id: `mirror-${slot.index}-${key}`, kind: 'mirror', internal: true },
        {
          form: FLV_FORM,
          onData: () => {
            const packets = sub.takePackets();
            if (packets.length > 0) this.send(slot, { t: 'media', key, packets: packets.map(wire) });
          },
          onPublish: () => this.send(slot, { t: 'publish', key, app, name, burst: [] }),
          onUnpublish: () => this.send(slot, { t: 'unpublish', key }),
          onEnd: () => {
            if (slot.watches.get(key) === sub) slot.watches.delete(key);
            this.send(slot, { t: 'unpublish', key });
          },
        },
      );
    } catch (err) {
      // A bad name or the stream limit: the worker's viewer gets the same answer as here.
      this.log.debug({ key, err: (err as Error).message }, 'watch refused');
      this.send(slot, { t: 'absent', key });
      return;
    }
    slot.watches.set(key, sub);
    this.tellViewers(key);
    if (this.ctx.hub.stream(app, name)?.publisher === undefined) {
      this.send(slot, { t: 'absent', key });
      return;
    }
    // The burst is queued by subscribe(); take it now so it travels with the publish.
    this.send(slot, { t: 'publish', key, app, name, burst: sub.takePackets().map(wire) });
  }

  private send(slot: Slot, m: ToWorker, socket?: Socket): void {
    if (!slot.proc.connected) return;
    const bytes = m.t === 'media' ? packetBytes(m.packets) : m.t === 'publish' ? packetBytes(m.burst) : 0;
    slot.inFlightBytes += bytes;
    if (slot.inFlightBytes > MAX_IN_FLIGHT_BYTES) {
      this.log.error({ worker: slot.index, bytes: slot.inFlightBytes }, 'worker does not read its channel');
      slot.proc.kill('SIGKILL');
      return;
    }
    slot.proc.send(m, socket, { keepOpen: false }, (err) => {
      slot.inFlightBytes -= bytes;
      if (err !== null && err !== undefined)
        this.log.debug({ worker: slot.index, err: err.message }, 'send to worker failed');
    });
  }
}

function wire(p: MediaPacket): WirePacket {
  return [p.kind, p.timestampMs, p.payload];
}

function packetBytes(packets: WirePacket[]): number {
  let n = 0;
  for (const p of packets) n += p[2].length;
  return n;
}
