/**
 * createServer(config): composes the hub with the RTMP, HTTP-FLV and API listeners. Sockets, HTTP and
 * timers live here; the protocol and media logic lives in the packages.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { Hub } from '@livego/hub';
import { ApiHandler, sendJson } from './api.js';
import { WorkerPool, workerCount } from './cluster.js';
import { type AppConfig, parseListenAddress, type ServerConfig, validateConfig } from './config.js';
import type { ServerContext, SessionInfo } from './context.js';
import { createHlsServer, HlsService } from './hls.js';
import { HttpFlvHandler } from './http-flv.js';
import { type KeyStore, MemoryKeyStore } from './keys.js';
import {
  type ConnectionCounts,
  ConnectionLimiter,
  httpServerOptions,
  limitConnections,
  refuseByClosing,
  refuseWith503,
} from './limits.js';
import { createLogger, type Logger } from './logger.js';
import {
  createFlvHttpServer,
  createHub,
  pollUntil,
  trackHttpConnections,
  viewersDrained,
} from './process-parts.js';
import { Recorder } from './record.js';
import { RedisKeyStore } from './redis-keys.js';
import { RelayManager } from './relay.js';
import { RtmpConnection } from './rtmp.js';
import { createRtmpsServer } from './rtmps.js';
import { StaticPush } from './static-push.js';

export type { ConnectionCounts };

export interface CreateServerOptions {
  /** Channel key storage (default: Redis when redisAddr is set, else in memory). */
  keys?: KeyStore;
  logger?: Logger;
}

export interface ServerAddresses {
  rtmp?: AddressInfo;
  rtmps?: AddressInfo;
  httpflv?: AddressInfo;
  hls?: AddressInfo;
  api?: AddressInfo;
}

export interface LivegoServer {
  readonly config: ServerConfig;
  readonly hub: Hub;
  readonly logger: Logger;
  readonly keys: KeyStore;
  /** `/control/push` and `/control/pull` relays. */
  readonly relays: RelayManager;
  /** `static_push` of every app. */
  readonly staticPush: StaticPush;
  /** FLV recordings (`flv_archive`), undefined when off. */
  readonly recorder: Recorder | undefined;
  /** HLS of the apps with `hls: true`; undefined when hls_addr is ''. */
  readonly hls: HlsService | undefined;
  /** Open connections over all listeners, as `maxConnections` / `maxConnectionsPerIp` count them. */
  readonly connections: ConnectionCounts;
  start(): Promise<void>;
  /**
   * Stops accepting, ends every publisher so viewers, recordings and HLS files finish cleanly, waits
   * for them, then closes whatever is left; resolves within about `graceMs` (default 2000).
   * Resolves `true` when everything finished in time, `false` when something had to be cut.
   */
  stop(graceMs?: number): Promise<boolean>;
  address(): ServerAddresses;
}

/** `http`: the HTTP server behind a plain listener that may hand connections to workers. */
type Listener = {
  name: keyof ServerAddresses;
  server: HttpServer | NetServer;
  addr: string;
  http?: HttpServer;
};

export function createServer(
  config: Partial<ServerConfig> = {},
  options: CreateServerOptions = {},
): LivegoServer {
  // Checked as the CLI checks a file: a bad value or an unknown field is a ConfigError naming it.
  const cfg: ServerConfig = validateConfig(config, 'createServer').config;
  const logger = options.logger ?? createLogger(cfg.level);
  const keys =
    options.keys ??
    (cfg.redisAddr !== ''
      ? new RedisKeyStore({
          addr: cfg.redisAddr,
          password: cfg.redisPwd,
          logger: logger.child({ component: 'redis' }),
        })
      : new MemoryKeyStore());
  let pool: WorkerPool | undefined;
  const hub = createHub(cfg, { viewersElsewhere: (key) => pool?.viewersElsewhere(key) ?? 0 });
  const instance = randomBytes(3).toString('hex');
  let counter = 0;
  const apps = new Map<string, AppConfig>(cfg.apps.filter((a) => a.live).map((a) => [a.appname, a]));
  const ctx: ServerContext = {
    config: cfg,
    hub,
    keys,
    logger,
    sessions: new Map<string, SessionInfo>(),
    app: (name) => apps.get(name),
    nextId: (prefix) => `${prefix}-${instance}-${(++counter).toString(36)}`,
    rtmpPort: () => {
      const a = listeners.find((l) => l.name === 'rtmp')?.server.address();
      return a !== null && typeof a === 'object' ? a.port : undefined;
    },
  };

  const listeners: Listener[] = [];
  const limiter = new ConnectionLimiter(
    cfg.maxConnections,
    cfg.maxConnectionsPerIp,
    logger.child({ component: 'limits' }),
  );
  const processes = workerCount(cfg.workers);
  if (processes > 1) pool = new WorkerPool(ctx, limiter, processes);
  ctx.workers = pool;
  const rtmpConnections = new Set<RtmpConnection>();
  const onRtmpSocket = (socket: Socket) => {
    const conn = new RtmpConnection(ctx, socket);
    rtmpConnections.add(conn);
    conn.onHandedOff = () => rtmpConnections.delete(conn);
    socket.on('close', () => rtmpConnections.delete(conn));
  };
  // livego: enable_rtmps turns rtmp_addr into TLS; rtmpsAddr serves TLS beside plain RTMP.
  const rtmpsOnRtmpAddr = cfg.enableRtmps && cfg.rtmpsAddr === '';
  if (cfg.rtmpAddr !== '' && !rtmpsOnRtmpAddr) {
    listeners.push({ name: 'rtmp', server: createNetServer(onRtmpSocket), addr: cfg.rtmpAddr });
  }
  if (cfg.enableRtmps && (cfg.rtmpsAddr !== '' || cfg.rtmpAddr !== '')) {
    const server = createRtmpsServer(cfg, logger, onRtmpSocket);
    listeners.push({ name: 'rtmps', server, addr: rtmpsOnRtmpAddr ? cfg.rtmpAddr : cfg.rtmpsAddr });
  }
  const recorder = cfg.flvArchive ? new Recorder(ctx) : undefined;
  const staticPush = new StaticPush(ctx);
  const relays = new RelayManager(ctx);
  const flv = new HttpFlvHandler(ctx);
  const api = new ApiHandler(ctx);
  relays.register(api);
  if (pool !== undefined) {
    const workers = pool;
    api.extraRoutes.set('/stat/workers', (_req, res) => sendJson(res, 200, { workers: workers.info() }));
  }
  if (cfg.httpflvAddr !== '') {
    const http = createFlvHttpServer(cfg, flv);
    if (pool === undefined) listeners.push({ name: 'httpflv', server: http, addr: cfg.httpflvAddr });
    else {
      // Accepted paused: a connection a worker takes has not had a byte read here.
      trackHttpConnections(http);
      const front = createNetServer({ pauseOnConnect: true }, (socket) => {
        if (pool.handOffHttp(socket)) return;
        http.emit('connection', socket);
        socket.resume();
      });
      listeners.push({ name: 'httpflv', server: front, addr: cfg.httpflvAddr, http });
    }
  }
  // livego serves HLS only when its first app has hls: true; here every app with hls: true gets it.
  const hls = cfg.hlsAddr !== '' && cfg.apps.some((a) => a.live && a.hls) ? new HlsService(ctx) : undefined;
  if (hls !== undefined)
    listeners.push({ name: 'hls', server: createHlsServer(cfg, hls), addr: cfg.hlsAddr });
  if (cfg.apiAddr !== '') {
    const server = createHttpServer(httpServerOptions(cfg), (req, res) => {
      api.handle(req, res).catch((err) => {
        logger.error({ err }, 'api request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    listeners.push({ name: 'api', server, addr: cfg.apiAddr });
  }

  for (const l of listeners) {
    const plainHttp = l.name === 'httpflv' || l.name === 'api' || (l.name === 'hls' && !cfg.useHlsHttps);
    limitConnections(l.server, limiter, l.name, plainHttp ? refuseWith503 : refuseByClosing);
  }

  // Validate every address before binding anything.
  const parsed = listeners.map((l) => ({ l, a: parseListenAddress(l.addr, `${l.name}_addr`) }));
  let started = false;

  return {
    config: cfg,
    hub,
    logger,
    keys,
    relays,
    staticPush,
    recorder,
    hls,
    async start() {
      if (started) return;
      started = true;
      // Like livego, refuse to start without the key store it was told to use.
      if (keys instanceof RedisKeyStore) await keys.connect();
      try {
        await pool?.start();
        for (const { l, a } of parsed) {
          await new Promise<void>((resolve, reject) => {
            l.server.once('error', reject);
            l.server.listen(a.port, a.host, () => {
              l.server.off('error', reject);
              resolve();
            });
          });
          logger.info({ listener: l.name, address: l.server.address() }, 'listening');
        }
      } catch (err) {
        await pool?.stop(0);
        await closeAll(listeners, 0);
        await keys.close();
        throw err;
      }
    },
    connections: limiter,
    async stop(graceMs = 2000) {
      // What has not finished by `cutAt` is cut; the rest of the grace closes what is left.
      const cutAt = Date.now() + graceMs - Math.min(1000, graceMs / 4);
      const left = () => Math.max(0, cutAt - Date.now());
      // Stop accepting; connections already open go on.
      const httpOpen = new Set<HttpServer>();
      const unlistened = listeners
        .filter((l) => l.server.listening)
        .map(
          (l) =>
            new Promise<void>((resolve) => {
              const http = l.http ?? ('closeIdleConnections' in l.server ? l.server : undefined);
              if (http !== undefined) httpOpen.add(http);
              l.server.close(() => {
                if (http !== undefined) httpOpen.delete(http);
                resolve();
              });
            }),
        );
      // An HTTP viewer has finished once its response is written out and its connection is idle.
      const httpDone = () => {
        for (const h of httpOpen) h.closeIdleConnections();
        return httpOpen.size === 0;
      };
      relays.close();
      staticPush.close();
      // Every publisher leaves as if it had unpublished: viewers drain what they were sent and end,
      // recordings close their files, HLS writes its last segment.
      for (const s of hub.streams()) s.publisher?.close();
      hls?.close();
      const finished = await Promise.all([
        recorder?.close(left()) ?? true,
        hls?.flush(left()) ?? true,
        pollUntil(() => viewersDrained(hub) && httpDone(), left),
        pool?.stop(left()) ?? true,
      ]);
      const clean = finished.every(Boolean);
      if (!clean)
        logger.warn(
          { recordings: finished[0], hls: finished[1], viewers: finished[2], workers: finished[3] },
          'stop: cut what had not finished',
        );
      hub.close();
      flv.close();
      for (const c of rtmpConnections) c.destroy('server stopping');
      for (const l of listeners) {
        const http = l.http ?? ('closeAllConnections' in l.server ? l.server : undefined);
        http?.closeAllConnections();
      }
      await withTimeout(Promise.all(unlistened), Math.max(100, graceMs / 4));
      await keys.close();
      logger.info({ clean }, 'stopped');
      return clean;
    },
    address() {
      const out: ServerAddresses = {};
      for (const l of listeners) {
        const a = l.server.address();
        if (a !== null && typeof a === 'object') out[l.name] = a;
      }
      return out;
    },
  };
}

/** Closes the listeners, and after `graceMs` every connection still open. */
async function closeAll(listeners: Listener[], graceMs: number): Promise<void> {
  await Promise.all(
    listeners.map(
      (l) =>
        new Promise<void>((resolve) => {
          if (!l.server.listening) return resolve();
          const timer = setTimeout(() => {
            if ('closeAllConnections' in l.server) l.server.closeAllConnections();
            resolve();
          }, graceMs);
          timer.unref();
          l.server.close(() => {
            clearTimeout(timer);
            resolve();
          });
          if ('closeIdleConnections' in l.server) l.server.closeIdleConnections();
        }),
    ),
  );
}

async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
