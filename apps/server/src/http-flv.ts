/**
 * HTTP-FLV and WebSocket-FLV on httpflv_addr: `GET /{app}/{room}.flv` streams the FLV
 * header, metadata, sequence headers, the cached GOP, then live tags; the same at `ws://` as binary
 * messages (as SRS serves it, for mpegts.js / flv.js). The response ends when the publisher does and
 * none is back within unpublishGraceMs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeFlvHeader } from '@livego/flv';
import { HubError, type LiveStream, type Subscriber } from '@livego/hub';
import type { WebSocket, WebSocketServer } from 'ws';
import type { ServerContext } from './context.js';
import { FLV_FORM } from './forms.js';
import { Pump, type PumpTarget, writeCorked } from './pump.js';

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Expose-Headers': '*',
} as const;

const HIGH_WATER_BYTES = 512 * 1024;

/** `/live/movie.flv` → { app: 'live', name: 'movie' }; undefined when the path is not a stream. */
export function parseFlvPath(pathname: string): { app: string; name: string } | undefined {
  if (!pathname.endsWith('.flv')) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(pathname.slice(1, -4));
  } catch {
    return undefined;
  }
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) return undefined;
  return { app: path.slice(0, slash), name: path.slice(slash + 1) };
}

/** The app and stream a request URL names; undefined when it names none. Never throws. */
export function parseFlvRequestUrl(requestUrl: string): { app: string; name: string } | undefined {
  let pathname: string;
  try {
    // A request-target such as '//[' is no URL: new URL throws, which in a request handler ends the process.
    pathname = new URL(requestUrl, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
  return parseFlvPath(pathname);
}

export class HttpFlvHandler {
  private readonly ctx: ServerContext;
  /** ws is loaded with the first WebSocket viewer: a server without one does not pay for it. */
  private wss: Promise<WebSocketServer> | undefined;
  private wssReady: WebSocketServer | undefined;

  constructor(ctx: ServerContext) {
    this.ctx = ctx;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Max-Age': '86400' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...CORS, Allow: 'GET, HEAD, OPTIONS', 'Content-Type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    this.whenMirrored(req, () => this.serve(req, res));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    if (res.destroyed) return;
    const stream = this.find(req);
    if (stream === undefined) {
      res.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' });
      res.end('stream not found\n');
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...CORS, 'Content-Type': 'video/x-flv', 'Cache-Control': 'no-cache' });
      res.end();
      return;
    }
    const target: PumpTarget = {
      write: (chunks, done) => writeCorked(res, chunks, done),
      destroy: () => res.destroy(),
      writeShared(bytes) {
        if (res.destroyed) return true;
        // writableLength counts the socket's buffer too: a viewer that stopped reading is backed up.
        if (res.writableLength > HIGH_WATER_BYTES) return false;
        res.write(bytes);
        return true;
      },
    };
    // Subscribe first: a refusal (a limit) still has its status line to send.
    const viewer = this.attach(stream, req, 'http-flv', target, () => res.end());
    if (viewer instanceof HubError) {
      res.writeHead(503, { ...CORS, 'Content-Type': 'text/plain', Connection: 'close' });
      res.end(`${viewer.message}\n`);
      return;
    }
    res.writeHead(200, { ...CORS, 'Content-Type': 'video/x-flv', 'Cache-Control': 'no-cache' });
    res.socket?.setNoDelay(true);
    res.write(flvHeaderFor(stream));
    res.on('close', () => viewer.detach());
  }

  /** Upgrades `GET /{app}/{room}.flv` to a WebSocket streaming binary FLV. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss ??= import('ws').then(({ WebSocketServer }) => {
      this.wssReady = new WebSocketServer({ noServer: true, maxPayload: 4096 });
      return this.wssReady;
    });
    this.wss.then(
      (wss) => this.whenMirrored(req, () => this.upgrade(wss, req, socket, head)),
      () => socket.destroy(),
    );
  }

  private upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (socket.destroyed) return;
    const stream = this.find(req);
    if (stream === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const target: PumpTarget = {
        write(chunks, done) {
          const last = chunks.length - 1;
          for (let i = 0; i < last; i++) ws.send(chunks[i]!, { binary: true });
          ws.send(chunks[last]!, { binary: true }, () => done());
        },
        destroy: () => ws.terminate(),
        writeShared(bytes) {
          if (ws.readyState !== ws.OPEN) return true;
          if (ws.bufferedAmount > HIGH_WATER_BYTES) return false;
          ws.send(bytes, { binary: true });
          return true;
        },
      };
      const viewer = this.attach(stream, req, 'ws-flv', target, () => ws.close(1000, 'stream ended'));
      if (viewer instanceof HubError) {
        // 1013 Try Again Later (RFC 6455 registry): a server limit; the reason is at most 123 bytes.
        ws.close(1013, viewer.message.slice(0, 120));
        return;
      }
      ws.send(flvHeaderFor(stream), { binary: true });
      ws.on('close', () => viewer.detach());
      ws.on('error', () => ws.terminate());
    });
  }

  close(): void {
    const wss = this.wssReady;
    if (wss === undefined) return;
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  }

  /** In a worker process, a stream not mirrored yet is asked for first; elsewhere `then` runs now. */
  private whenMirrored(req: IncomingMessage, then: () => void): void {
    const mirror = this.ctx.mirror;
    const path = mirror === undefined ? undefined : parseFlvRequestUrl(req.url ?? '/');
    if (mirror === undefined || path === undefined || this.find(req) !== undefined) {
      then();
      return;
    }
    mirror.ready(path.app, path.name).then(then, (err: unknown) => {
      this.ctx.logger.warn({ err: (err as Error).message }, 'mirror failed');
      then();
    });
  }

  private find(req: IncomingMessage): LiveStream | undefined {
    const path = parseFlvRequestUrl(req.url ?? '/');
    if (path === undefined) return undefined;
    const app = this.ctx.app(path.app);
    if (app === undefined || !app.flv) return undefined;
    const stream = this.ctx.hub.stream(path.app, path.name);
    return stream?.publisher === undefined ? undefined : stream;
  }

  /**
   * Subscribes one viewer and starts its pump; the HubError of a refused subscription (a limit) is
   * returned. When the publisher leaves, the response goes on for unpublishGraceMs: a publisher back
   * within it continues the same response (the hub resyncs the viewer to its keyframe); otherwise it
   * ends once the queued tags are written.
   */
  private attach(
    stream: LiveStream,
    req: IncomingMessage,
    kind: string,
    target: PumpTarget,
    endGracefully: () => void,
  ): { detach(): void } | HubError {
    const id = this.ctx.nextId(kind);
    const log = this.ctx.logger.child({ session: id, stream: stream.key });
    let pump: Pump | undefined;
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const clearGrace = () => {
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      graceTimer = undefined;
    };
    let sub: Subscriber;
    try {
      sub = this.ctx.hub.subscribe(
        stream.app,
        stream.name,
        { id, kind },
        {
          form: FLV_FORM,
          onData: () => pump?.schedule(),
          writeShared: target.writeShared,
          onPublish: () => {
            clearGrace();
            pump?.cancelIdle();
          },
          onUnpublish: () => {
            clearGrace();
            graceTimer = setTimeout(() => {
              graceTimer = undefined;
              log.info('publisher left; ending the response');
              pump?.whenIdle(() => {
                sub.close();
                endGracefully();
              });
            }, this.ctx.config.unpublishGraceMs);
            graceTimer.unref();
          },
          onEnd: (reason) => {
            log.info({ reason }, 'viewer removed');
            clearGrace();
            pump?.stop();
            target.destroy(reason);
          },
        },
      );
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      log.warn({ err: err.message, remote: req.socket.remoteAddress }, `${kind} viewer refused`);
      return err;
    }
    this.ctx.sessions.set(id, {
      id,
      kind,
      url: `${kind === 'ws-flv' ? 'ws' : 'http'}://${req.headers.host ?? 'localhost'}${req.url ?? ''}`,
      streamId: 0,
      remoteAddress: req.socket.remoteAddress,
    });
    pump = new Pump(
      sub,
      {
        write: (chunks, done) => target.write(chunks, done),
        destroy: (reason) => {
          log.warn({ reason }, `closing ${kind} viewer`);
          clearGrace();
          target.destroy(reason);
        },
      },
      {
        highWaterBytes: HIGH_WATER_BYTES,
        writeTimeoutMs: this.ctx.config.writeTimeoutSec * 1000,
      },
    );
    log.info({ remote: req.socket.remoteAddress }, `${kind} viewer joined`);
    pump.schedule();
    const started = pump;
    return {
      detach: () => {
        clearGrace();
        started.stop();
        sub.close();
        this.ctx.sessions.delete(id);
      },
    };
  }
}

function flvHeaderFor(stream: LiveStream): Uint8Array {
  const hasVideo = stream.hasVideo || stream.cache.videoHeader !== undefined;
  const hasAudio = stream.stats.audioPackets > 0 || stream.cache.audioHeader !== undefined;
  // A header that promises neither makes some players wait forever: promise both when unsure.
  return hasAudio || hasVideo
    ? encodeFlvHeader({ hasAudio, hasVideo })
    : encodeFlvHeader({ hasAudio: true, hasVideo: true });
}
