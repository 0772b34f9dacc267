/**
 * The HTTP API on api_addr (livego.md §2): channel keys and stream stats, in livego's JSON envelope
 * `{"status":N,"data":...}` with the HTTP status equal to `status`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveStream } from '@livego/hub';
import type { ServerContext } from './context.js';
import { createJwtGuard, type JwtGuard } from './jwt.js';
import { redactKey } from './keys.js';

const MAX_BODY_BYTES = 64 * 1024;

/** JSON as Go's encoding/json writes it: <, > and & escaped, so responses match livego's bytes. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&]/g,
    (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

export function sendJson(res: ServerResponse, status: number, data: unknown): void {
  const body = goJson({ status, data });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Query parameters, plus a url-encoded form body as Go's ParseForm reads it. */
export async function readParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const params = new URLSearchParams(url.search);
  const type = req.headers['content-type'] ?? '';
  if (req.method !== 'GET' && req.method !== 'HEAD' && type.startsWith('application/x-www-form-urlencoded')) {
    let size = 0;
    const parts: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new RangeError(`form body over ${MAX_BODY_BYTES} bytes`);
      parts.push(chunk);
    }
    for (const [k, v] of new URLSearchParams(Buffer.concat(parts).toString('utf8'))) {
      if (!params.has(k)) params.append(k, v);
    }
  }
  return params;
}

interface Speed {
  bytes: number;
  atMs: number;
  kbps: number;
}

export type ApiRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
) => Promise<void> | void;

export class ApiHandler {
  private readonly ctx: ServerContext;
  private readonly speeds = new Map<string, Speed>();
  /** Routes added by other features (relays) without this file knowing them. */
  readonly extraRoutes = new Map<string, ApiRoute>();

  /** Set when jwt.secret is: every request, whatever its method or path, needs a token. */
  private readonly jwt: JwtGuard | undefined;

  constructor(ctx: ServerContext) {
    this.ctx = ctx;
    this.jwt = createJwtGuard(ctx.config.jwt);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (this.jwt !== undefined) {
      const auth = await this.jwt.verify(req.headers.authorization, url);
      if (!auth.ok) return sendJson(res, 403, auth.message);
    }
    let params: URLSearchParams;
    try {
      params = await readParams(req, url);
    } catch (err) {
      sendJson(res, 400, String((err as Error).message));
      return;
    }
    const room = params.get('room') ?? '';
    switch (url.pathname) {
      case '/control/get':
      case '/control/reset': {
        if (room === '') return sendJson(res, 400, `url: ${url.pathname}?room=<ROOM_NAME>`);
        try {
          const key =
            url.pathname === '/control/get' ? await this.ctx.keys.get(room) : await this.ctx.keys.reset(room);
          this.ctx.logger.info({ room, key: redactKey(key), op: url.pathname }, 'channel key');
          return sendJson(res, 200, key);
        } catch (err) {
          return sendJson(res, 400, String((err as Error).message));
        }
      }
      case '/control/delete': {
        if (room === '') return sendJson(res, 400, `url: ${url.pathname}?room=<ROOM_NAME>`);
        try {
          const deleted = await this.ctx.keys.delete(room);
          return deleted ? sendJson(res, 200, 'Ok') : sendJson(res, 404, 'room not found');
        } catch (err) {
          return sendJson(res, 400, String((err as Error).message));
        }
      }
      case '/stat/livestat':
        return this.livestat(res, room);
      default: {
        const route = this.extraRoutes.get(url.pathname);
        if (route !== undefined) return route(req, res, params);
        res.writeHead(404, {
          'Content-Type': 'text/plain; charset=utf-8',
          'X-Content-Type-Options': 'nosniff',
        });
        res.end('404 page not found\n');
      }
    }
  }

  /** livego's /stat/livestat; `players` lists every viewer (livego lists RTMP players only). */
  private livestat(res: ServerResponse, room: string): void {
    const now = Date.now();
    let streams: LiveStream[] = this.ctx.hub.streams();
    if (room !== '') {
      streams = streams.filter(
        (s) => s.key === room && (s.publisher !== undefined || s.subscribers.size > 0),
      );
      if (streams.length === 0) {
        sendJson(res, 404, 'room not found or inactive');
        return;
      }
    }
    const publishers: unknown[] = [];
    const players: unknown[] = [];
    for (const s of streams) {
      const pub = s.publisher;
      if (pub !== undefined) {
        const info = this.ctx.sessions.get(pub.id);
        publishers.push({
          key: s.key,
          url: info?.url ?? '',
          stream_id: info?.streamId ?? 0,
          video_total_bytes: s.stats.videoBytes,
          video_speed: this.speed(`${pub.id}:v`, s.stats.videoBytes, now),
          audio_total_bytes: s.stats.bytesIn - s.stats.videoBytes,
          audio_speed: this.speed(`${pub.id}:a`, s.stats.bytesIn - s.stats.videoBytes, now),
        });
      }
      for (const sub of s.subscribers) {
        const info = this.ctx.sessions.get(sub.id);
        const audio = sub.stats.payloadBytesOut - sub.stats.videoPayloadBytesOut;
        players.push({
          key: s.key,
          url: info?.url ?? '',
          stream_id: info?.streamId ?? 0,
          type: sub.kind,
          video_total_bytes: sub.stats.videoPayloadBytesOut,
          video_speed: this.speed(`${sub.id}:v`, sub.stats.videoPayloadBytesOut, now),
          audio_total_bytes: audio,
          audio_speed: this.speed(`${sub.id}:a`, audio, now),
        });
      }
    }
    this.forgetGone(now);
    sendJson(res, 200, {
      publishers: publishers.length > 0 ? publishers : null,
      players: players.length > 0 ? players : null,
    });
  }

  /** kbit/s, recomputed when 5 s have passed since the last sample (as livego). */
  private speed(id: string, bytes: number, now: number): number {
    const s = this.speeds.get(id);
    if (s === undefined) {
      this.speeds.set(id, { bytes, atMs: now, kbps: 0 });
      return 0;
    }
    const elapsedMs = now - s.atMs;
    if (elapsedMs >= 5000) {
      s.kbps = Math.round(((bytes - s.bytes) * 8) / (elapsedMs / 1000) / 1000);
      s.bytes = bytes;
      s.atMs = now;
    }
    return s.kbps;
  }

  private forgetGone(now: number): void {
    for (const [id, s] of this.speeds) if (now - s.atMs > 60_000) this.speeds.delete(id);
  }
}
