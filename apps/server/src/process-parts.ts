/**
 * What the primary and every worker process build the same way: the hub, the HTTP-FLV server, and the
 * wait for viewers to drain at shutdown.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { Hub } from '@livego/hub';
import type { ServerConfig } from './config.js';
import type { HttpFlvHandler } from './http-flv.js';
import { httpServerOptions } from './limits.js';

/** The hub of one process, with the one shared-window timer per stream of merge_write_ms. */
export function createHub(
  cfg: ServerConfig,
  overrides: { takeover?: boolean; viewersElsewhere?: (key: string) => number } = {},
): Hub {
  return new Hub({
    gopNum: cfg.gopNum,
    takeover: overrides.takeover ?? cfg.publishTakeover,
    maxSubscribersPerStream: cfg.maxViewersPerStream,
    viewersElsewhere: overrides.viewersElsewhere,
    maxStreams: cfg.maxStreams,
    // One timer per stream and window: caught-up viewers get the window in one write each.
    onSharedWindow: (stream) => {
      if (cfg.mergeWriteMs === 0) setImmediate(() => stream.flushShared());
      else setTimeout(() => stream.flushShared(), cfg.mergeWriteMs).unref();
    },
    subscriber: {
      maxQueueBytes: cfg.viewerQueueBytes,
      maxQueueMs: cfg.viewerQueueMs,
      maxLagMs: cfg.viewerMaxLagMs,
    },
  });
}

/** The HTTP-FLV / WebSocket-FLV server of `flv` (it may not listen itself: see Listener.http). */
export function createFlvHttpServer(cfg: ServerConfig, flv: HttpFlvHandler): HttpServer {
  const server = createHttpServer(httpServerOptions(cfg), (req, res) => flv.handle(req, res));
  server.on('upgrade', (req, socket, head) => flv.handleUpgrade(req, socket, head));
  return server;
}

/** Makes an HTTP server that never listens time its requests (Node starts that on 'listening'). */
export function trackHttpConnections(server: HttpServer): void {
  server.emit('listening');
}

/**
 * True when every viewer has ended or (an RTMP player kept after its stream ended) has nothing
 * queued; bytes still in an HTTP viewer's socket are waited for by the caller.
 */
export function viewersDrained(hub: Hub): boolean {
  for (const s of hub.streams())
    for (const sub of s.subscribers) if (sub.kind !== 'rtmp' || sub.queuedPackets > 0) return false;
  return true;
}

/** Polls `cond` until it holds (true) or `left()` reaches 0 (false). */
export async function pollUntil(cond: () => boolean, left: () => number): Promise<boolean> {
  while (!cond()) {
    if (left() === 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, left())));
  }
  return true;
}
