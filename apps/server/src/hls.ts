/**
 * HLS playback (livego.md §7, RFC 8216): every live stream of an app with `hls: true` is segmented
 * in-process by @livego/hls and served on hls_addr at `/{app}/{room}.m3u8`, with its segments at
 * `/{app}/{room}/{seq}.ts` (the playlist lists them relative to itself as `{room}/{seq}.ts`).
 *
 * The segmenter is a hub subscriber that takes each packet synchronously as it arrives (`takePackets`
 * in `onData`), so it never falls behind. A takeover or a republish continues the same playlist after
 * an EXT-X-DISCONTINUITY (livego's HLS dies on a republish, #206). When the publisher leaves, the
 * stream's HLS is dropped (livego), or with `hls_keep_after_end` kept with EXT-X-ENDLIST until it is
 * republished or `keepAfterEndMs` passed (livego keeps it forever, without ENDLIST).
 *
 * With `hls_dir` set, segments and playlists are also written under it (each file written to a
 * temporary name, then renamed), and segments that left the store are deleted.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { type HlsSegment, HlsSegmenter } from '@livego/hls';
import type { LiveStream, MediaPacket, OutputForm, Subscriber } from '@livego/hub';
import type { ServerConfig } from './config.js';
import type { ServerContext } from './context.js';
import type { Logger } from './logger.js';

/** RFC 8216 §4's type (livego sends the older `application/x-mpegURL`; every player accepts both). */
export const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
export const SEGMENT_TYPE = 'video/mp2t';
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': '*',
} as const;
/** Segment URIs never name two different segments, so a segment can be cached for long. */
const SEGMENT_CACHE = 'public, max-age=86400, immutable';
const CROSSDOMAIN_XML = `<?xml version="1.0" ?>
<cross-domain-policy>
  <allow-access-from domain="*" />
  <allow-http-request-headers-from domain="*" headers="*"/>
</cross-domain-policy>
`;

/** The segmenter reads the packets themselves; the encoding only sizes the (always empty) queue. */
const PAYLOAD_FORM: OutputForm = { id: 'payload', encode: (p: MediaPacket) => p.payload };

export interface HlsServiceOptions {
  /** How long a stream ended with hls_keep_after_end stays served (default 10 minutes). */
  keepAfterEndMs?: number;
  /** Wall clock for EXT-X-PROGRAM-DATE-TIME and first sequence numbers (default Date.now). */
  now?: () => number;
}

/** A request path split into decoded components; undefined when it could escape or is malformed. */
export function splitHlsPath(pathname: string): string[] | undefined {
  if (!pathname.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const raw of pathname.slice(1).split('/')) {
    let part: string;
    try {
      part = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    // Encoded slashes, backslashes, NUL, '.' and '..' never name a stream or a file under hls_dir.
    if (part === '' || part === '.' || part === '..' || /[/\\\0]/.test(part)) return undefined;
    parts.push(part);
  }
  return parts;
}

/** One stream's HLS: its segmenter, the hub subscriber feeding it while live, its files. */
export class HlsStream {
  readonly app: string;
  readonly name: string;
  readonly segmenter: HlsSegmenter;
  sub: Subscriber | undefined;
  /** Set while an ended stream is kept (hls_keep_after_end). */
  expiry: ReturnType<typeof setTimeout> | undefined;
  /** Serialises writes under hls_dir. */
  writes: Promise<void> = Promise.resolve();
  /** Sequence numbers written under hls_dir and not deleted yet. */
  readonly written: number[] = [];
  errorsLogged = 0;

  constructor(app: string, name: string, segmenter: HlsSegmenter) {
    this.app = app;
    this.name = name;
    this.segmenter = segmenter;
  }

  get key(): string {
    return `${this.app}/${this.name}`;
  }
}

export class HlsService {
  private readonly ctx: ServerContext;
  private readonly log: Logger;
  private readonly streamMap = new Map<string, HlsStream>();
  private readonly keepAfterEndMs: number;
  private readonly now: () => number;
  private readonly off: () => void;

  constructor(ctx: ServerContext, options: HlsServiceOptions = {}) {
    this.ctx = ctx;
    this.log = ctx.logger.child({ component: 'hls' });
    this.keepAfterEndMs = options.keepAfterEndMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
    this.off = ctx.hub.on((e) => {
      if (e.type === 'publish') this.attach(e.stream);
    });
  }

  /** The HLS state of a stream (live, or ended and kept). */
  stream(app: string, name: string): HlsStream | undefined {
    return this.streamMap.get(`${app}/${name}`);
  }

  streams(): HlsStream[] {
    return [...this.streamMap.values()];
  }

  close(): void {
    this.off();
    for (const s of [...this.streamMap.values()]) this.drop(s);
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
    const r = this.route((req.url ?? '/').split('?', 1)[0]!);
    if (r === undefined) {
      res.writeHead(404, {
        ...CORS,
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end('not found\n');
      return;
    }
    const bytes = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    res.writeHead(200, {
      ...CORS,
      'Content-Type': r.type,
      'Cache-Control': r.cache,
      'Content-Length': String(bytes.length),
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  /** What a path names: a playlist, a held segment, crossdomain.xml; undefined for anything else. */
  private route(pathname: string): { type: string; cache: string; body: string | Uint8Array } | undefined {
    const parts = splitHlsPath(pathname);
    const last = parts?.[parts.length - 1];
    if (parts === undefined || last === undefined) return undefined;
    if (last === 'crossdomain.xml')
      return { type: 'application/xml', cache: 'no-cache', body: CROSSDOMAIN_XML };
    if (last.endsWith('.m3u8') && parts.length >= 2) {
      const s = this.find(parts[0]!, [...parts.slice(1, -1), last.slice(0, -5)].join('/'));
      return s && { type: PLAYLIST_TYPE, cache: 'no-cache', body: s.segmenter.playlist() };
    }
    const m = /^(\d{1,15})\.ts$/.exec(last);
    if (m === null || parts.length < 3) return undefined;
    const seg = this.find(parts[0]!, parts.slice(1, -1).join('/'))?.segmenter.segmentBySequence(Number(m[1]));
    return seg && { type: SEGMENT_TYPE, cache: SEGMENT_CACHE, body: seg.data };
  }

  private find(app: string, name: string): HlsStream | undefined {
    if (this.ctx.app(app)?.hls !== true) return undefined;
    return this.streamMap.get(`${app}/${name}`);
  }

  private attach(stream: LiveStream): void {
    if (this.ctx.app(stream.app)?.hls !== true) return;
    let s = this.streamMap.get(stream.key);
    // A takeover: the subscriber stays attached and its onPublish marks the discontinuity.
    if (s?.sub !== undefined && !s.sub.closed) return;
    const cfg = this.ctx.config;
    if (s === undefined) {
      const leaf = encodeURIComponent(stream.name.slice(stream.name.lastIndexOf('/') + 1));
      s = new HlsStream(
        stream.app,
        stream.name,
        new HlsSegmenter({
          targetDurationSec: cfg.hlsSegmentSec,
          windowSize: cfg.hlsWindow,
          segmentUri: (seq) => `${leaf}/${seq}.ts`,
          // Unix seconds: a stream published again after a restart does not reuse a name a CDN cached.
          firstSequence: Math.floor(this.now() / 1000),
        }),
      );
      this.streamMap.set(stream.key, s);
    } else {
      // Republished while kept after its end: the same playlist goes on after a discontinuity.
      clearTimeout(s.expiry);
      s.expiry = undefined;
      this.onSegments(s, s.segmenter.discontinuity());
    }
    const hs = s;
    const log = this.log.child({ stream: stream.key });
    const id = this.ctx.nextId('hls');
    const sub = this.ctx.hub.subscribe(
      stream.app,
      stream.name,
      { id, kind: 'hls', internal: true },
      {
        form: PAYLOAD_FORM,
        onData: () => {
          for (const p of sub.takePackets()) {
            const r = hs.segmenter.push(p.kind, p.timestampMs, p.payload, this.now());
            if (r.error !== undefined && hs.errorsLogged++ < 5)
              log.warn({ code: r.error.code, err: r.error.message }, 'hls: message dropped');
            if (r.segments.length > 0) this.onSegments(hs, r.segments);
          }
        },
        onPublish: () => {
          log.info('hls: new publisher, discontinuity');
          this.onSegments(hs, hs.segmenter.discontinuity());
        },
        onUnpublish: () => this.ended(hs),
        onEnd: (reason) => {
          log.info({ reason }, 'hls: removed by the hub');
          if (this.streamMap.get(hs.key) === hs) this.drop(hs);
        },
      },
    );
    hs.sub = sub;
    log.info('hls: segmenting');
  }

  private ended(s: HlsStream): void {
    s.sub?.close();
    s.sub = undefined;
    this.onSegments(s, s.segmenter.end());
    if (!this.ctx.config.hlsKeepAfterEnd) {
      this.drop(s);
      return;
    }
    s.expiry = setTimeout(() => {
      if (this.streamMap.get(s.key) === s && s.sub === undefined) this.drop(s);
    }, this.keepAfterEndMs);
    s.expiry.unref();
  }

  private drop(s: HlsStream): void {
    clearTimeout(s.expiry);
    s.expiry = undefined;
    const sub = s.sub;
    s.sub = undefined;
    sub?.close();
    if (this.streamMap.get(s.key) === s) this.streamMap.delete(s.key);
    if (this.ctx.config.hlsDir !== '') this.enqueueWrite(s, () => removeFiles(this.ctx.config, s));
  }

  /** New segments: with hls_dir, write them and the playlist, and delete those that left the store. */
  private onSegments(s: HlsStream, segments: HlsSegment[]): void {
    if (this.ctx.config.hlsDir === '') return;
    if (segments.length === 0 && !s.segmenter.ended) return;
    const playlist = s.segmenter.playlist();
    const first = s.segmenter.storedSegments()[0]?.sequence ?? Number.POSITIVE_INFINITY;
    this.enqueueWrite(s, () => writeFiles(this.ctx.config, s, segments, playlist, first));
  }

  private enqueueWrite(s: HlsStream, job: () => Promise<void>): void {
    s.writes = s.writes.then(job).catch((err: unknown) => {
      this.log.warn({ stream: s.key, err: (err as Error).message }, 'hls: writing to hls_dir failed');
    });
  }
}

function fileBase(config: ServerConfig, s: HlsStream): string {
  // Components are URI-encoded so no room name leaves hls_dir (as the recorder names its files).
  return join(config.hlsDir, encodeURIComponent(s.app), encodeURIComponent(s.name));
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

async function writeFiles(
  config: ServerConfig,
  s: HlsStream,
  segments: HlsSegment[],
  playlist: string,
  firstStored: number,
): Promise<void> {
  const base = fileBase(config, s);
  await mkdir(base, { recursive: true });
  for (const seg of segments) {
    await writeAtomic(join(base, `${seg.sequence}.ts`), seg.data);
    s.written.push(seg.sequence);
  }
  // The playlist names the directory by the same encoded leaf as the URIs it lists.
  await writeAtomic(`${base}.m3u8`, playlist);
  while (s.written.length > 0 && s.written[0]! < firstStored) {
    const seq = s.written.shift()!;
    await unlink(join(base, `${seq}.ts`)).catch(() => {});
  }
}

async function removeFiles(config: ServerConfig, s: HlsStream): Promise<void> {
  const base = fileBase(config, s);
  s.written.length = 0;
  await rm(base, { recursive: true, force: true });
  await rm(`${base}.m3u8`, { force: true });
}

/** The hls_addr listener: HTTP, or HTTPS with rtmps_cert/rtmps_key when use_hls_https is set. */
export function createHlsServer(config: ServerConfig, service: HlsService): Server {
  const handler = (req: IncomingMessage, res: ServerResponse) => service.handle(req, res);
  if (!config.useHlsHttps) return createHttpServer(handler);
  const read = (file: string, field: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${field}: cannot read '${file}' for use_hls_https: ${(err as Error).message}`);
    }
  };
  return createHttpsServer(
    { cert: read(config.rtmpsCert, 'rtmps_cert'), key: read(config.rtmpsKey, 'rtmps_key') },
    handler,
  );
}
