/**
 * A worker process (workers > 1): serves the viewer connections the primary hands it, from mirrors
 * of the primary's streams (see cluster.ts). It listens on nothing; the primary counts its
 * connections against the limits, so every close is reported back.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Hub, Publisher } from '@livego/hub';
import type { FromWorker, ToWorker, WirePacket } from './cluster.js';
import type { ServerConfig } from './config.js';
import type { ServerContext, SessionInfo } from './context.js';
import { HttpFlvHandler } from './http-flv.js';
import { MemoryKeyStore } from './keys.js';
import { createLogger, type Logger } from './logger.js';
import {
  createFlvHttpServer,
  createHub,
  pollUntil,
  trackHttpConnections,
  viewersDrained,
} from './process-parts.js';
import { playerRows, TrafficRates } from './rates.js';
import { RtmpConnection } from './rtmp.js';

/** How long a new viewer waits for its stream's start-up cache to arrive from the primary. */
const READY_WAIT_MS = 2000;
/** A mirror without viewers is kept this long, so a viewer reconnecting finds it still warm. */
const LINGER_MS = 2000;

function send(m: FromWorker): void {
  if (process.connected) process.send?.(m);
}

interface Entry {
  app: string;
  name: string;
  /** The mirror publisher while the primary's stream is live. */
  pub: Publisher | undefined;
  /** The primary has said whether the stream is live (and sent its start-up cache when it is). */
  known: boolean;
  waiters: (() => void)[];
  linger: ReturnType<typeof setTimeout> | undefined;
}

/** The streams this worker mirrors: watched while it has viewers of them (and a little after). */
class Mirror {
  private readonly hub: Hub;
  private readonly entries = new Map<string, Entry>();

  constructor(hub: Hub) {
    this.hub = hub;
    hub.on((e) => {
      if (e.type !== 'subscribe' && e.type !== 'unsubscribe') return;
      send({ t: 'viewers', key: e.stream.key, n: e.stream.subscribers.size });
      if (e.type === 'subscribe') this.hold(e.stream.app, e.stream.name);
      else if (e.stream.subscribers.size === 0) this.idle(e.stream.key);
    });
  }

  /** Resolves once the primary has answered for `app/name` (or after READY_WAIT_MS). */
  ready(app: string, name: string): Promise<void> {
    const entry = this.hold(app, name);
    const key = `${app}/${name}`;
    const settled = entry.known
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, READY_WAIT_MS);
          entry.waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
    // A request that found no stream leaves no mirror behind.
    return settled.then(() => {
      if ((this.hub.stream(app, name)?.subscribers.size ?? 0) === 0) queueMicrotask(() => this.idle(key));
    });
  }

  onMessage(m: ToWorker): void {
    switch (m.t) {
      case 'publish': {
        const e = this.entries.get(m.key);
        if (e === undefined) return;
        // A second publish is a takeover or a republish at the primary: the same here.
        const pub: Publisher = this.hub.publish(
          m.app,
          m.name,
          { id: `mirror/${m.key}`, kind: 'mirror', nowMs: Date.now() },
          {
            onEnd: () => {
              if (e.pub === pub) e.pub = undefined;
            },
          },
        );
        e.pub = pub;
        writeAll(pub, m.burst);
        this.settle(e);
        return;
      }
      case 'media': {
        const pub = this.entries.get(m.key)?.pub;
        if (pub !== undefined) writeAll(pub, m.packets);
        return;
      }
      case 'unpublish': {
        const e = this.entries.get(m.key);
        const pub = e?.pub;
        if (e !== undefined) e.pub = undefined;
        pub?.close();
        return;
      }
      case 'absent': {
        const e = this.entries.get(m.key);
        if (e !== undefined) this.settle(e);
        return;
      }
      default:
        return;
    }
  }

  /** Ends every mirror: its viewers hear the stream ended, as they do at the primary. */
  closeAll(): void {
    for (const e of this.entries.values()) {
      const pub = e.pub;
      e.pub = undefined;
      pub?.close();
    }
  }

  private hold(app: string, name: string): Entry {
    const key = `${app}/${name}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { app, name, pub: undefined, known: false, waiters: [], linger: undefined };
      this.entries.set(key, e);
      send({ t: 'watch', app, name });
    }
    if (e.linger !== undefined) clearTimeout(e.linger);
    e.linger = undefined;
    return e;
  }

  private idle(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined || e.linger !== undefined) return;
    e.linger = setTimeout(() => {
      e.linger = undefined;
      if ((this.hub.stream(e.app, e.name)?.subscribers.size ?? 0) > 0 || e.waiters.length > 0) return;
      this.entries.delete(key);
      send({ t: 'unwatch', key });
      const pub = e.pub;
      e.pub = undefined;
      pub?.close();
    }, LINGER_MS);
    e.linger.unref();
  }

  private settle(e: Entry): void {
    e.known = true;
    const waiters = e.waiters;
    e.waiters = [];
    for (const w of waiters) w();
  }
}

function writeAll(pub: Publisher, packets: WirePacket[]): void {
  for (const [kind, ts, payload] of packets) pub.write(kind, ts, payload);
}

/** One worker: a hub of mirrors, the HTTP-FLV handler and RTMP connections resumed from the primary. */
function startWorker(index: number, config: ServerConfig): (m: ToWorker, socket: Socket | undefined) => void {
  const logger: Logger = createLogger(config.level).child({ worker: index });
  const elsewhere = new Map<string, number>();
  const hub = createHub(config, { takeover: true, viewersElsewhere: (key) => elsewhere.get(key) ?? 0 });
  const mirror = new Mirror(hub);
  const apps = new Map(config.apps.filter((a) => a.live).map((a) => [a.appname, a]));
  const instance = randomBytes(3).toString('hex');
  let counter = 0;
  const ctx: ServerContext = {
    config,
    hub,
    // Never asked: a worker refuses publishing before any key is looked up.
    keys: new MemoryKeyStore(),
    logger,
    sessions: new Map<string, SessionInfo>(),
    app: (name) => apps.get(name),
    nextId: (prefix) => `${prefix}-${instance}-${(++counter).toString(36)}`,
    mirror,
  };
  const flv = new HttpFlvHandler(ctx);
  const http = createFlvHttpServer(config, flv);
  trackHttpConnections(http);
  const rates = new TrafficRates(hub);
  const httpSockets = new Set<Socket>();
  const rtmp = new Set<RtmpConnection>();

  const track = (conn: number, socket: Socket) => {
    socket.on('error', (err) => logger.debug({ err: err.message }, 'socket error'));
    socket.once('close', () => send({ t: 'closed', conn }));
  };

  const stop = async (graceMs: number) => {
    const cutAt = Date.now() + graceMs;
    const left = () => Math.max(0, cutAt - Date.now());
    mirror.closeAll();
    const drained = await pollUntil(() => {
      http.closeIdleConnections();
      return viewersDrained(hub) && httpSockets.size === 0;
    }, left);
    hub.close();
    flv.close();
    for (const c of rtmp) c.destroy('server stopping');
    http.closeAllConnections();
    if (process.connected) process.send?.({ t: 'stopped', clean: drained }, () => process.exit(0));
    else process.exit(0);
  };

  logger.debug({ pid: process.pid }, 'worker started');
  return (m, socket) => {
    switch (m.t) {
      case 'http':
        if (socket === undefined) return;
        track(m.conn, socket);
        httpSockets.add(socket);
        socket.once('close', () => httpSockets.delete(socket));
        http.emit('connection', socket);
        socket.resume();
        return;
      case 'rtmp': {
        if (socket === undefined) return;
        track(m.conn, socket);
        const play = m.events[0];
        const name = play?.type === 'play' ? play : undefined;
        // Its start-up cache first, so the player starts at once, as it would at the primary.
        const ready = name === undefined ? Promise.resolve() : mirror.ready(name.app, name.streamName);
        void ready.then(() => {
          if (socket.destroyed) return;
          const conn = new RtmpConnection(ctx, socket, { state: m.state, events: m.events });
          rtmp.add(conn);
          socket.once('close', () => rtmp.delete(conn));
        });
        return;
      }
      case 'players':
        send({ t: 'players', req: m.req, rows: playerRows(hub.streams(), ctx, rates) });
        return;
      case 'elsewhere':
        if (m.n === 0) elsewhere.delete(m.key);
        else elsewhere.set(m.key, m.n);
        return;
      case 'stop':
        void stop(m.graceMs);
        return;
      default:
        mirror.onMessage(m);
    }
  };
}

let handle: ((m: ToWorker, socket: Socket | undefined) => void) | undefined;
process.on('message', (m: ToWorker, socket: Socket | undefined) => {
  if (m.t === 'init') {
    handle ??= startWorker(m.index, m.config);
    send({ t: 'ready' });
    return;
  }
  handle?.(m, socket);
});
// The primary is gone, and with it every stream this worker mirrors.
process.on('disconnect', () => process.exit(0));
