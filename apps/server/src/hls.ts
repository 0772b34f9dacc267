/**
 * HLS playback (RFC 8216): every live stream of an app with `hls: true` is segmented
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
 * temporary name, then renamed), and segments that left the store are deleted. Each stream has one
 * writer that holds only the latest playlist and the segments still stored: when the disk is slower
 * than the stream, a segment that left the store before its turn is skipped (it is in no playlist
 * that will be written any more) with a warning, so what waits for the disk never grows without bound.
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
import { httpServerOptions } from './limits.js';
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

/** The file operations the hls_dir writer uses (node:fs/promises by default; tests slow them down). */
export interface HlsFiles {
  mkdir(path: string): Promise<unknown>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes a file or a directory tree; no error when it does not exist. */
  rm(path: string): Promise<void>;
}

const NODE_FILES: HlsFiles = {
  mkdir: (path) => mkdir(path, { recursive: true }),
  writeFile: (path, data) => writeFile(path, data),
  rename,
  unlink,
  rm: (path) => rm(path, { recursive: true, force: true }),
};

/** A safety net above the segmenter's own bound (window + grace segments) on segments waiting. */
const MAX_PENDING_SEGMENTS = 64;

export interface HlsServiceOptions {
  /** File operations under hls_dir (default node:fs/promises). */
  files?: HlsFiles;
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
  /** Its files under hls_dir; undefined without hls_dir. */
  writer: HlsDirWriter | undefined;
  errorsLogged = 0;

  constructor(app: string, name: string, segmenter: HlsSegmenter) {
    this.app = app;
    this.name = name;
    this.segmenter = segmenter;
  }

  get key(): string {
    return `${this.app}/${this.name}`;
  }

  /** Segments waiting for the disk (at most what the segmenter still stores). */
  get pendingWrites(): number {
    return this.writer?.pendingSegments ?? 0;
  }

  /** Segments never written because the disk was slower than the stream. */
  get skippedWrites(): number {
    return this.writer?.skipped ?? 0;
  }
}

/**
 * The files of one stream under hls_dir, written one operation at a time. It holds the newest
 * playlist and the segments not written yet, never a queue of jobs: a slow disk means fewer, later
 * playlist writes and skipped segments, not a growing backlog.
 */
export class HlsDirWriter {
  /** Sequence numbers written and not deleted yet, oldest first. */
  readonly written: number[] = [];
  skipped = 0;
  private readonly base: string;
  private readonly files: HlsFiles;
  private readonly log: Logger;
  private pending: HlsSegment[] = [];
  private playlist: string | undefined;
  private firstStored = 0;
  private removing = false;
  private warned = false;
  private running: Promise<void> | undefined;

  constructor(base: string, files: HlsFiles, log: Logger) {
    this.base = base;
    this.files = files;
    this.log = log;
  }

  get pendingSegments(): number {
    return this.pending.length;
  }

  /** New segments and the playlist that lists them; `firstStored` is the oldest segment still held. */
  update(segments: readonly HlsSegment[], playlist: string, firstStored: number): void {
    this.pending.push(...segments);
    this.playlist = playlist;
    this.firstStored = firstStored;
    this.trim();
    this.kick();
  }

  /** Deletes the stream's files once the writes under way are done. */
  remove(): void {
    this.pending = [];
    this.playlist = undefined;
    this.removing = true;
    this.kick();
  }

  /** Resolves when nothing is left to write. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Segments that left the store before their turn are in no playlist still to be written. */
  private trim(): void {
    let n = 0;
    while (
      this.pending.length > 0 &&
      (this.pending[0]!.sequence < this.firstStored || this.pending.length > MAX_PENDING_SEGMENTS)
    ) {
      this.pending.shift();
      n++;
    }
    if (n === 0) return;
    this.skipped += n;
    if (!this.warned) {
      this.warned = true;
      this.log.warn(
        { skipped: n, dir: this.base },
        'hls: hls_dir is slower than the stream; skipping segments that already left the playlist',
      );
    }
  }

  private kick(): void {
    if (this.running !== undefined) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.removing) {
        this.removing = false;
        this.written.length = 0;
        await this.run(async () => {
          await this.files.rm(this.base);
          await this.files.rm(`${this.base}.m3u8`);
        });
        continue;
      }
      const playlist = this.playlist;
      if (playlist === undefined) return;
      this.playlist = undefined;
      await this.run(() => this.writeOnce(playlist, this.firstStored));
      if (this.pending.length === 0) this.warned = false;
    }
  }

  /**
   * Writes the segments not on disk yet (taken now, so they are the ones `playlist` lists), the
   * playlist, then deletes what is older than `firstStored`, taken with the playlist.
   */
  private async writeOnce(playlist: string, firstStored: number): Promise<void> {
    const segments = this.pending;
    this.pending = [];
    await this.files.mkdir(this.base);
    for (const seg of segments) {
      await this.atomic(join(this.base, `${seg.sequence}.ts`), seg.data);
      this.written.push(seg.sequence);
    }
    // The playlist names the directory by the same encoded leaf as the URIs it lists.
    await this.atomic(`${this.base}.m3u8`, playlist);
    while (this.written.length > 0 && this.written[0]! < firstStored) {
      const seq = this.written.shift()!;
      await this.files.unlink(join(this.base, `${seq}.ts`)).catch(() => {});
    }
  }

  private async atomic(path: string, data: Uint8Array | string): Promise<void> {
    const tmp = `${path}.tmp`;
    await this.files.writeFile(tmp, data);
    await this.files.rename(tmp, path);
  }

  private async run(job: () => Promise<void>): Promise<void> {
    try {
      await job();
    } catch (err) {
      this.log.warn({ dir: this.base, err: (err as Error).message }, 'hls: writing to hls_dir failed');
    }
  }
}

export class HlsService {
  private readonly ctx: ServerContext;
  private readonly log: Logger;
  private readonly streamMap = new Map<string, HlsStream>();
  private readonly keepAfterEndMs: number;
  private readonly now: () => number;
  private readonly off: () => void;
  private readonly files: HlsFiles;
  /** By stream key, so a stream dropped and published again writes after the old files are gone. */
  private readonly writers = new Map<string, HlsDirWriter>();

  constructor(ctx: ServerContext, options: HlsServiceOptions = {}) {
    this.ctx = ctx;
    this.log = ctx.logger.child({ component: 'hls' });
    this.files = options.files ?? NODE_FILES;
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

  /**
   * Stops segmenting: a live stream ends as when its publisher leaves (its last segment and, when
   * kept, an ENDLIST playlist are written). Files on disk stay as they are; `flush` waits for them.
   */
  close(): void {
    this.off();
    for (const s of [...this.streamMap.values()]) {
      if (s.sub !== undefined) this.ended(s);
      clearTimeout(s.expiry);
      s.expiry = undefined;
      s.sub?.close();
      s.sub = undefined;
      if (this.streamMap.get(s.key) === s) this.streamMap.delete(s.key);
    }
  }

  /** Resolves true when every file under hls_dir is written, false if `timeoutMs` passed first. */
  async flush(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const all = Promise.all([...this.writers.values()].map((w) => w.idle())).then(() => true);
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([all, late]);
    clearTimeout(timer);
    return done;
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
    this.removeFiles(s);
  }

  /** New segments: with hls_dir, write them and the playlist, and delete those that left the store. */
  private onSegments(s: HlsStream, segments: HlsSegment[]): void {
    if (this.ctx.config.hlsDir === '') return;
    if (segments.length === 0 && !s.segmenter.ended) return;
    const first = s.segmenter.storedSegments()[0]?.sequence ?? Number.POSITIVE_INFINITY;
    this.writerOf(s).update(segments, s.segmenter.playlist(), first);
  }

  private writerOf(s: HlsStream): HlsDirWriter {
    if (s.writer !== undefined) return s.writer;
    let w = this.writers.get(s.key);
    if (w === undefined) {
      w = new HlsDirWriter(fileBase(this.ctx.config, s), this.files, this.log.child({ stream: s.key }));
      this.writers.set(s.key, w);
    }
    s.writer = w;
    return w;
  }

  /** Deletes a dropped stream's files, then forgets its writer unless the stream came back. */
  private removeFiles(s: HlsStream): void {
    const w = s.writer;
    if (w === undefined) return;
    w.remove();
    w.idle().then(() => {
      if (this.writers.get(s.key) === w && this.streamMap.get(s.key)?.writer !== w)
        this.writers.delete(s.key);
    });
  }
}

function fileBase(config: ServerConfig, s: HlsStream): string {
  // Components are URI-encoded so no room name leaves hls_dir (as the recorder names its files).
  return join(config.hlsDir, encodeURIComponent(s.app), encodeURIComponent(s.name));
}

/** The hls_addr listener: HTTP, or HTTPS with rtmps_cert/rtmps_key when use_hls_https is set. */
export function createHlsServer(config: ServerConfig, service: HlsService): Server {
  const handler = (req: IncomingMessage, res: ServerResponse) => service.handle(req, res);
  const options = httpServerOptions(config);
  if (!config.useHlsHttps) return createHttpServer(options, handler);
  const read = (file: string, field: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${field}: cannot read '${file}' for use_hls_https: ${(err as Error).message}`);
    }
  };
  return createHttpsServer(
    { ...options, cert: read(config.rtmpsCert, 'rtmps_cert'), key: read(config.rtmpsKey, 'rtmps_key') },
    handler,
  );
}
