/**
 * The HTTP API on api_addr: channel keys and stream stats, in livego's JSON envelope
 * `{"status":N,"data":...}` with the HTTP status equal to `status`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveStream } from '@livego/hub';
import type { ServerContext } from './context.js';
import { createJwtGuard, type JwtGuard } from './jwt.js';
import { redactKey } from './keys.js';
import { type PlayerRow, playerRows, TrafficRates } from './rates.js';

const MAX_BODY_BYTES = 64 * 1024;

/** JSON as Go's encoding/json writes it: <, > and & escaped, so responses match livego's bytes. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&]/g,
    (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

export function sendJson(
  res: ServerResponse,
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
): void {
  const body = goJson({ status, data });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** A `%` not followed by two hex digits: Go's ParseForm refuses it (URLSearchParams keeps it). */
const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;

/** livego's usage text, answered when ParseForm fails. */
export function usageText(pathname: string): string {
  return pathname === '/control/push' || pathname === '/control/pull'
    ? `url: ${pathname}?&oper=start&app=live&name=123456&url=rtmp://192.168.16.136/live/123456`
    : `url: ${pathname}?room=<ROOM_NAME>`;
}

/** Query parameters, plus a url-encoded form body as Go's ParseForm reads it. */
export async function readParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  if (BAD_ESCAPE.test(url.search)) throw new URIError(`invalid URL escape in the query`);
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
    const body = Buffer.concat(parts).toString('utf8');
    if (BAD_ESCAPE.test(body)) throw new URIError('invalid URL escape in the form body');
    for (const [k, v] of new URLSearchParams(body)) {
      if (!params.has(k)) params.append(k, v);
    }
  }
  return params;
}

/**
 * At most `limit` channel keys created or reset per minute, server-wide (a sliding window: the times
 * of the last `limit` creations). `take` says how long to wait when the limit is reached.
 */
export class KeyRateLimit {
  readonly limit: number;
  private readonly times: number[] = [];
  private loggedUntilMs = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new TypeError(`apiKeysPerMinute must be >= 1, got ${limit}`);
    this.limit = limit;
  }

  /** Counts one creation and returns 0, or returns the ms until one is allowed again (not counted). */
  take(nowMs: number): number {
    while (this.times.length > 0 && nowMs - this.times[0]! >= 60_000) this.times.shift();
    if (this.times.length >= this.limit) return 60_000 - (nowMs - this.times[0]!);
    this.times.push(nowMs);
    return 0;
  }

  /** True once per minute while refusing: the refusal is logged, not every refused request. */
  shouldLog(nowMs: number): boolean {
    if (nowMs < this.loggedUntilMs) return false;
    this.loggedUntilMs = nowMs + 60_000;
    return true;
  }
}

export type ApiRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
) => Promise<void> | void;

export class ApiHandler {
  private readonly ctx: ServerContext;
  /** Video/audio rates of every publisher and viewer, sampled from the traffic. */
  readonly rates: TrafficRates;
  private readonly keyLimit: KeyRateLimit;
  /** Routes added by other features (relays) without this file knowing them. */
  readonly extraRoutes = new Map<string, ApiRoute>();

  /** Set when jwt.secret is: every request, whatever its method or path, needs a token. */
  private readonly jwt: JwtGuard | undefined;

  constructor(ctx: ServerContext) {
    this.ctx = ctx;
    this.jwt = createJwtGuard(ctx.config.jwt);
    this.rates = new TrafficRates(ctx.hub);
    this.keyLimit = new KeyRateLimit(ctx.config.apiKeysPerMinute);
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
      this.ctx.logger.debug({ err: (err as Error).message, path: url.pathname }, 'form not parsed');
      const known = ['/control/get', '/control/reset', '/control/delete', '/control/push', '/control/pull'];
      // livego answers a form it cannot parse with the endpoint's usage text.
      if (known.includes(url.pathname)) return sendJson(res, 400, usageText(url.pathname));
      // livego's livestat ignores the error (no room); other paths are 404 whatever their form.
      params = new URLSearchParams();
    }
    const room = params.get('room') ?? '';
    switch (url.pathname) {
      case '/control/get':
      case '/control/reset': {
        if (room === '') return sendJson(res, 400, `url: ${url.pathname}?room=<ROOM_NAME>`);
        try {
          const reset = url.pathname === '/control/reset';
          if (!reset) {
            // An existing key is no creation: it is handed out whatever the limit.
            const existing = await this.ctx.keys.keyForRoom(room);
            if (existing !== undefined) return sendJson(res, 200, existing);
          }
          const waitMs = this.keyLimit.take(Date.now());
          if (waitMs > 0) return this.refuseKey(res, waitMs);
          const key = reset ? await this.ctx.keys.reset(room) : await this.ctx.keys.get(room);
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
        return await this.livestat(res, room);
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

  private refuseKey(res: ServerResponse, waitMs: number): void {
    const limit = this.keyLimit.limit;
    const retrySec = Math.max(1, Math.ceil(waitMs / 1000));
    if (this.keyLimit.shouldLog(Date.now())) {
      this.ctx.logger.warn(
        { limit, retrySec },
        'channel key limit reached (api_keys_per_minute); refusing new keys for now',
      );
    }
    sendJson(
      res,
      429,
      `too many channel keys: at most ${limit} may be created or reset per minute (api_keys_per_minute); retry in ${retrySec} s`,
      { 'Retry-After': String(retrySec) },
    );
  }

  /**
   * livego's /stat/livestat; `players` lists every viewer (livego lists RTMP players only), those of
   * worker processes too.
   */
  private async livestat(res: ServerResponse, room: string): Promise<void> {
    const remote = (await this.ctx.workers?.players()) ?? [];
    let streams: LiveStream[] = this.ctx.hub.streams();
    let remotePlayers = remote;
    if (room !== '') {
      streams = streams.filter(
        (s) => s.key === room && (s.publisher !== undefined || s.subscribers.size > 0),
      );
      remotePlayers = remote.filter((r) => r.key === room);
      if (streams.length === 0 && remotePlayers.length === 0) {
        sendJson(res, 404, 'room not found or inactive');
        return;
      }
    }
    const publishers: unknown[] = [];
    const players: PlayerRow[] = playerRows(streams, this.ctx, this.rates);
    players.push(...remotePlayers);
    for (const s of streams) {
      const pub = s.publisher;
      if (pub !== undefined) {
        const info = this.ctx.sessions.get(pub.id);
        const [videoKbps, audioKbps] = this.rates.of(pub);
        publishers.push({
          key: s.key,
          url: info?.url ?? '',
          stream_id: info?.streamId ?? 0,
          video_total_bytes: s.stats.videoBytes,
          video_speed: videoKbps,
          audio_total_bytes: s.stats.bytesIn - s.stats.videoBytes,
          audio_speed: audioKbps,
        });
      }
    }
    sendJson(res, 200, {
      publishers: publishers.length > 0 ? publishers : null,
      players: players.length > 0 ? players : null,
    });
  }
}
