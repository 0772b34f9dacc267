/**
 * Connection limits shared by every listener (RTMP, RTMPS, HTTP-FLV with its WebSockets, HLS, API):
 * `maxConnections` open at once in total and `maxConnectionsPerIp` from one address. A connection
 * past a limit is refused as it is accepted, before any protocol byte is read: closed at once on RTMP
 * and TLS, answered `503` and closed on plain HTTP. Each refusal is logged once per peer address until
 * that address (or the server) is below its limit again, so a flood makes a few log lines, not one
 * per connection.
 *
 * The HTTP listeners also bound what one request may hold and how long a connection may sit without
 * a complete request (`httpServerOptions`).
 */
import type { ServerOptions as HttpServerOptions } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';

/** Peers whose refusal for the total limit was logged; past it, further peers are not logged. */
const MAX_LOGGED_PEERS = 1024;
/** A refused HTTP peer gets this long to read the 503 before its socket is destroyed. */
const REFUSED_LINGER_MS = 1000;

/** What the limits see, for stats and tests. */
export interface ConnectionCounts {
  /** Connections open now over all listeners. */
  readonly total: number;
  /** Connections open now from `address`. */
  from(address: string): number;
  /** Connections refused since the start. */
  readonly refused: number;
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack listener) and `127.0.0.1` are one address. */
export function peerAddress(socket: Socket): string {
  const a = socket.remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export class ConnectionLimiter implements ConnectionCounts {
  private readonly maxTotal: number;
  private readonly maxPerIp: number;
  private readonly log: Logger;
  private open = 0;
  private refusedCount = 0;
  private readonly perIp = new Map<string, number>();
  /** Addresses refused for their own count and logged, until they are below the limit again. */
  private readonly loggedPerIp = new Set<string>();
  /** Addresses refused for the total and logged, until the total is below the limit again. */
  private readonly loggedTotal = new Set<string>();
  private readonly releases = new WeakMap<Socket, () => void>();

  constructor(maxTotal: number, maxPerIp: number, log: Logger) {
    this.maxTotal = maxTotal;
    this.maxPerIp = maxPerIp;
    this.log = log;
  }

  get total(): number {
    return this.open;
  }

  get refused(): number {
    return this.refusedCount;
  }

  from(address: string): number {
    return this.perIp.get(address) ?? 0;
  }

  /** Counts `socket` until it closes and returns true, or returns false when a limit is reached. */
  admit(socket: Socket, listener: string): boolean {
    const ip = peerAddress(socket);
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= this.maxPerIp) {
      this.refuse(
        ip,
        listener,
        this.loggedPerIp,
        `${fromIp} connections from this address, limit is ${this.maxPerIp}`,
      );
      return false;
    }
    if (this.open >= this.maxTotal) {
      this.refuse(ip, listener, this.loggedTotal, `${this.open} connections open, limit is ${this.maxTotal}`);
      return false;
    }
    this.open++;
    this.perIp.set(ip, fromIp + 1);
    const release = () => this.release(ip);
    this.releases.set(socket, release);
    socket.once('close', release);
    return true;
  }

  /**
   * The socket moves to another process, which reports when it closed: it stays counted until the
   * returned function is called (once; later calls do nothing).
   */
  handOver(socket: Socket): () => void {
    const release = this.releases.get(socket);
    if (release === undefined) return () => {};
    socket.off('close', release);
    this.releases.delete(socket);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  }

  private refuse(ip: string, listener: string, logged: Set<string>, why: string): void {
    this.refusedCount++;
    if (logged.has(ip) || logged.size >= MAX_LOGGED_PEERS) return;
    logged.add(ip);
    this.log.warn({ remote: ip, listener }, `connection from ${ip} refused: ${why}`);
  }

  private release(ip: string): void {
    this.open--;
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n === 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
    if (n < this.maxPerIp) this.loggedPerIp.delete(ip);
    if (this.open < this.maxTotal) this.loggedTotal.clear();
  }
}

/**
 * Puts `limiter` in front of `server`'s own connection handling (Node's HTTP parser or TLS wrapper
 * is a 'connection' listener): a refused socket never reaches it. Call before listen().
 */
export function limitConnections(
  server: NetServer,
  limiter: ConnectionLimiter,
  listener: string,
  refuse: (socket: Socket) => void,
): void {
  const inner = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!limiter.admit(socket, listener)) {
      refuse(socket);
      return;
    }
    for (const l of inner) l.call(server, socket);
  });
}

/** Closes a refused socket at once (RTMP, TLS: nothing cheap and meaningful can be said). */
export function refuseByClosing(socket: Socket): void {
  socket.destroy();
}

const REFUSED_BODY = 'too many connections\n';
const REFUSED_RESPONSE =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 5\r\n' +
  `Content-Length: ${REFUSED_BODY.length}\r\nConnection: close\r\n\r\n${REFUSED_BODY}`;

/** Answers a refused plain-HTTP socket `503` without parsing its request, then closes it. */
export function refuseWith503(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  // Read and discard what the peer sends, so closing does not reset the connection before it
  // has read the answer.
  socket.resume();
  socket.end(REFUSED_RESPONSE);
  socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy());
}

/**
 * Options of every HTTP listener: header size (431 past it), the time a connection has to send a
 * complete request head (408, then closed), idle keep-alive time. Node checks the request deadlines
 * on an interval (`connectionsCheckingInterval`, 30 s by default), so it is made a fraction of the
 * timeout. A request that is complete is no longer timed, so a live HTTP-FLV response runs on.
 */
export function httpServerOptions(cfg: ServerConfig): HttpServerOptions {
  const requestMs = cfg.httpRequestTimeoutSec * 1000;
  return {
    maxHeaderSize: cfg.maxHttpHeaderBytes,
    headersTimeout: requestMs,
    requestTimeout: requestMs,
    keepAliveTimeout: cfg.httpKeepaliveTimeoutSec * 1000,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestMs / 4) || 1000)),
  };
}
