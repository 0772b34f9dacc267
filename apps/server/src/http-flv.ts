/**
 * HTTP-FLV and WebSocket-FLV on httpflv_addr (livego.md §8): `GET /{app}/{room}.flv` streams the FLV
 * header, metadata, sequence headers, the cached GOP, then live tags; the same at `ws://` as binary
 * messages (as SRS serves it, for mpegts.js / flv.js). The response ends when the publisher does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeFlvHeader } from '@livego/flv';
import type { LiveStream, Subscriber } from '@livego/hub';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ServerContext } from './context.js';
import { FLV_FORM } from './forms.js';
import { Pump, type PumpTarget } from './pump.js';

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

export class HttpFlvHandler {
  private readonly ctx: ServerContext;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

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
    const stream = this.find(req);
    if (stream === undefined) {
      res.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' });
      res.end('stream not found\n');
      return;
    }
    res.writeHead(200, { ...CORS, 'Content-Type': 'video/x-flv', 'Cache-Control': 'no-cache' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    const target: PumpTarget = {
      write(chunks, done) {
        res.cork();
        const last = chunks.length - 1;
        for (let i = 0; i < last; i++) res.write(chunks[i]!);
        res.write(chunks[last]!, done);
        res.uncork();
      },
      destroy: (reason) => {
        this.ctx.logger.info({ reason }, 'http-flv viewer closed');
        res.destroy();
      },
    };
    res.write(flvHeaderFor(stream));
    const { sub, pump } = this.attach(stream, req, 'http-flv', target, () => res.end());
    res.on('close', () => {
      pump.stop();
      sub.close();
      this.ctx.sessions.delete(sub.id);
    });
  }

  /** Upgrades `GET /{app}/{room}.flv` to a WebSocket streaming binary FLV. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const stream = this.find(req);
    if (stream === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const target: PumpTarget = {
        write(chunks, done) {
          const last = chunks.length - 1;
          for (let i = 0; i < last; i++) ws.send(chunks[i]!, { binary: true });
          ws.send(chunks[last]!, { binary: true }, () => done());
        },
        destroy: () => ws.terminate(),
      };
      ws.send(flvHeaderFor(stream), { binary: true });
      const { sub, pump } = this.attach(stream, req, 'ws-flv', target, () => ws.close(1000, 'stream ended'));
      ws.on('close', () => {
        pump.stop();
        sub.close();
        this.ctx.sessions.delete(sub.id);
      });
      ws.on('error', () => ws.terminate());
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private find(req: IncomingMessage): LiveStream | undefined {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = parseFlvPath(url.pathname);
    if (path === undefined) return undefined;
    const app = this.ctx.app(path.app);
    if (app === undefined || !app.flv) return undefined;
    const stream = this.ctx.hub.stream(path.app, path.name);
    return stream?.publisher === undefined ? undefined : stream;
  }

  private attach(
    stream: LiveStream,
    req: IncomingMessage,
    kind: string,
    target: PumpTarget,
    endGracefully: () => void,
  ): { sub: Subscriber; pump: Pump } {
    const id = this.ctx.nextId(kind);
    const log = this.ctx.logger.child({ session: id, stream: stream.key });
    this.ctx.sessions.set(id, {
      id,
      kind,
      url: `${kind === 'ws-flv' ? 'ws' : 'http'}://${req.headers.host ?? 'localhost'}${req.url ?? ''}`,
      streamId: 0,
      remoteAddress: req.socket.remoteAddress,
    });
    let pump: Pump | undefined;
    const sub = this.ctx.hub.subscribe(
      stream.app,
      stream.name,
      { id, kind },
      {
        form: FLV_FORM,
        onData: () => pump?.schedule(),
        onUnpublish: () => {
          log.info('publisher left; ending the response');
          pump?.whenIdle(() => {
            sub.close();
            endGracefully();
          });
        },
        onEnd: (reason) => {
          log.info({ reason }, 'viewer removed');
          pump?.stop();
          target.destroy(reason);
        },
      },
    );
    pump = new Pump(sub, target, {
      highWaterBytes: HIGH_WATER_BYTES,
      writeTimeoutMs: this.ctx.config.writeTimeoutSec * 1000,
    });
    log.info({ remote: req.socket.remoteAddress }, `${kind} viewer joined`);
    pump.schedule();
    return { sub, pump };
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
