import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hub, type Publisher } from '@livego/hub';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type ServerConfig } from '../src/config.js';
import type { ServerContext } from '../src/context.js';
import { HlsService, splitHlsPath } from '../src/hls.js';
import type { LivegoServer } from '../src/index.js';
import { selfSignedCert, startServer, waitFor } from './helpers.js';
import { hlsUrl, parsePlaylist } from './hls-helpers.js';
import { makeFlv, type TestMedia } from './media.js';

// The hub is fed straight from an ffmpeg-made FLV: these tests cover the HTTP side and the lifecycle,
// hls.test.ts covers RTMP publishers end to end.
const APPS: ServerConfig['apps'] = [
  { appname: 'live', live: true, hls: true, flv: true, api: true, staticPush: [] },
  { appname: 'nohls', live: true, hls: false, flv: true, api: true, staticPush: [] },
];
const KIND = { 8: 'audio', 9: 'video', 18: 'data' } as const;

let media: TestMedia;
let server: LivegoServer;
let dir: string;
beforeAll(async () => {
  media = await makeFlv(6);
  dir = mkdtempSync(join(tmpdir(), 'livego-hls-dir-'));
  server = await startServer({ hlsSegmentSec: 1, hlsWindow: 3, apps: APPS, hlsDir: dir });
});
afterAll(async () => {
  await server?.stop(500);
  media?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function publish(hub: Hub, app: string, name: string): Publisher {
  return hub.publish(app, name, { id: `pub-${app}-${name}`, kind: 'test' }, { onEnd() {} });
}
function feed(pub: Publisher, offsetMs = 0): void {
  for (const t of media.tags) pub.write(KIND[t.type as 8 | 9 | 18], t.timestampMs + offsetMs, t.data);
}

/** A raw request: fetch() would normalise `..` and encoded characters away. */
function raw(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const port = server.address().hls!.port;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HLS over HTTP', () => {
  it('serves the playlist and its segments with the right types, CORS and caching', async () => {
    const pub = publish(server.hub, 'live', 'movie');
    feed(pub);
    const res = await fetch(hlsUrl(server, '/live/movie.m3u8'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const text = await res.text();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const p = parsePlaylist(text);
    expect(p.segments.map((s) => s.uri)).toEqual(p.segments.map((s) => `movie/${s.sequence}.ts`));
    expect(p.segments).toHaveLength(3);
    expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME:');
    const seg = await fetch(new URL(p.segments[0]!.uri, res.url));
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    expect(seg.headers.get('cache-control')).toMatch(/max-age=\d{4,}/);
    expect(seg.headers.get('access-control-allow-origin')).toBe('*');
    const bytes = new Uint8Array(await seg.arrayBuffer());
    expect(bytes.length % 188).toBe(0);
    expect(bytes[0]).toBe(0x47);
    const head = await raw(`/live/movie/${p.segments[0]!.sequence}.ts`, 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', String(bytes.length)]);
    const pre = await raw('/live/movie.m3u8', 'OPTIONS');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-methods']).toContain('GET');
    expect((await raw('/live/movie.m3u8', 'POST')).status).toBe(405);

    // Older segments: the two before the window are still served (grace), the ones before are gone.
    const first = p.mediaSequence;
    expect((await raw(`/live/movie/${first - 1}.ts`)).status).toBe(200);
    expect((await raw(`/live/movie/${first - 2}.ts`)).status).toBe(200);
    expect((await raw(`/live/movie/${first - 3}.ts`)).status).toBe(404);
    expect((await raw(`/live/movie/${first + 10}.ts`)).status).toBe(404);
    pub.close();
  });

  it('answers 404 for unknown streams, apps without HLS and paths that try to escape', async () => {
    const pub = publish(server.hub, 'live', 'esc');
    feed(pub);
    const nohls = publish(server.hub, 'nohls', 'movie');
    feed(nohls);
    expect(server.hls!.stream('nohls', 'movie')).toBeUndefined();
    expect((await raw('/live/esc.m3u8')).status).toBe(200);
    for (const path of [
      '/live/nobody.m3u8',
      '/nohls/movie.m3u8',
      '/other/esc.m3u8',
      '/live/esc.mp4',
      '/live/../live/esc.m3u8',
      '/live/%2e%2e/live/esc.m3u8',
      '/live%2Fesc.m3u8',
      '/live/esc%2F0.ts',
      '/live/esc/..%2F..%2Fetc%2Fpasswd',
      '/live//esc.m3u8',
      '/live/esc/%ZZ.ts',
      '/esc.m3u8',
      '/live/esc/abc.ts',
    ]) {
      const r = await raw(path);
      expect([path, r.status]).toEqual([path, 404]);
    }
    expect(splitHlsPath('/live/a%20b.m3u8')).toEqual(['live', 'a b.m3u8']);
    expect(splitHlsPath('/live/a%5Cb.m3u8')).toBeUndefined();
    const xml = await raw('/any/dir/crossdomain.xml');
    expect(xml.status).toBe(200);
    expect(xml.headers['content-type']).toBe('application/xml');
    expect(xml.body).toContain('<allow-access-from domain="*" />');
    pub.close();
    nohls.close();
  });

  it('drops a stream when its publisher leaves (hls_keep_after_end off) and writes, renames and deletes files under hls_dir', async () => {
    const pub = publish(server.hub, 'live', 'disk');
    feed(pub);
    feed(pub, 6000); // 12 s: more segments than the store holds
    const s = server.hls!.stream('live', 'disk')!;
    const stored = s.segmenter.storedSegments().map((x) => x.sequence);
    const base = join(dir, 'live', 'disk');
    await waitFor(
      () =>
        existsSync(`${base}.m3u8`) &&
        readFileSync(`${base}.m3u8`, 'utf8') === s.segmenter.playlist() &&
        readdirSync(base).length === stored.length,
      5000,
      'the files',
    );
    // Exactly the held segments, byte for byte; the ones that left were deleted; no temporary files.
    expect(readdirSync(base).sort()).toEqual(stored.map((n) => `${n}.ts`).sort());
    for (const seg of s.segmenter.storedSegments())
      expect(new Uint8Array(readFileSync(join(base, `${seg.sequence}.ts`)))).toEqual(seg.data);
    expect(readdirSync(join(dir, 'live')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(s.segmenter.stats.segments).toBeGreaterThan(stored.length);

    pub.close();
    expect((await raw('/live/disk.m3u8')).status).toBe(404);
    expect(server.hls!.stream('live', 'disk')).toBeUndefined();
    await waitFor(() => !existsSync(base) && !existsSync(`${base}.m3u8`), 5000, 'the files to go');
  });

  it('continues the playlist after a takeover with a discontinuity', async () => {
    const a = publish(server.hub, 'live', 'take');
    feed(a);
    const before = parsePlaylist(await (await fetch(hlsUrl(server, '/live/take.m3u8'))).text());
    const b = server.hub.publish('live', 'take', { id: 'second', kind: 'test' }, { onEnd() {} });
    feed(b);
    const after = parsePlaylist(await (await fetch(hlsUrl(server, '/live/take.m3u8'))).text());
    expect(after.mediaSequence).toBeGreaterThan(before.mediaSequence);
    const all = server.hls!.stream('live', 'take')!.segmenter.storedSegments();
    expect(all.filter((x) => x.discontinuity)).toHaveLength(1);
    expect(all.map((x) => x.sequence)).toEqual(all.map((_, i) => all[0]!.sequence + i));
    b.close();
  });
});

describe('hls_keep_after_end', () => {
  function service(keepAfterEndMs: number) {
    const hub = new Hub();
    const config: ServerConfig = { ...defaultConfig(), hlsKeepAfterEnd: true, hlsSegmentSec: 1 };
    const ctx: ServerContext = {
      config,
      hub,
      keys: undefined as never,
      logger: pino({ level: 'silent' }),
      sessions: new Map(),
      app: (name) => config.apps.find((a) => a.appname === name),
      nextId: (p) => `${p}-1`,
    };
    return { hub, hls: new HlsService(ctx, { keepAfterEndMs }) };
  }

  it('keeps an ended stream with EXT-X-ENDLIST, resumes it on republish, and drops it after keepAfterEndMs', async () => {
    const { hub, hls } = service(300);
    const pub = publish(hub, 'live', 'kept');
    feed(pub);
    pub.close();
    const s = hls.stream('live', 'kept')!;
    expect(s.segmenter.playlist()).toMatch(/#EXT-X-ENDLIST\n$/);
    const lastBefore = s.segmenter.storedSegments().at(-1)!.sequence;

    const again = publish(hub, 'live', 'kept'); // republished: same playlist, a discontinuity, no ENDLIST
    expect(hls.stream('live', 'kept')).toBe(s);
    feed(again);
    expect(s.segmenter.ended).toBe(false);
    expect(s.segmenter.playlist()).not.toContain('#EXT-X-ENDLIST');
    expect(s.segmenter.storedSegments().find((x) => x.discontinuity)?.sequence).toBe(lastBefore + 1);
    again.close();
    await new Promise((r) => setTimeout(r, 150));
    expect(hls.stream('live', 'kept')).toBe(s); // still kept
    await waitFor(() => hls.stream('live', 'kept') === undefined, 2000, 'the kept stream to expire');
    hls.close();
  });
});

describe('use_hls_https', () => {
  it('serves HLS over TLS with rtmps_cert/rtmps_key', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'livego-hls-tls-'));
    let tls: LivegoServer | undefined;
    try {
      const gen = await selfSignedCert(certDir);
      expect(gen.code).toBe(0);
      tls = await startServer({
        hlsSegmentSec: 1,
        useHlsHttps: true,
        rtmpsCert: gen.cert,
        rtmpsKey: gen.key,
      });
      const pub = publish(tls.hub, 'live', 'tls');
      feed(pub);
      const port = tls.address().hls!.port;
      const res = await new Promise<{ status: number; type: string | undefined; body: string }>(
        (resolve, reject) => {
          const req = httpsRequest(
            { host: '127.0.0.1', port, path: '/live/tls.m3u8', rejectUnauthorized: false },
            (r) => {
              let body = '';
              r.on('data', (d) => {
                body += d;
              });
              r.on('end', () => resolve({ status: r.statusCode!, type: r.headers['content-type'], body }));
            },
          );
          req.on('error', reject);
          req.end();
        },
      );
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/vnd.apple.mpegurl');
      expect(parsePlaylist(res.body).segments.length).toBeGreaterThan(0);
      pub.close();
    } finally {
      await tls?.stop(500);
      rmSync(certDir, { recursive: true, force: true });
    }
  });

  it('fails createServer with the file named when the certificate is missing', async () => {
    await expect(startServer({ useHlsHttps: true, rtmpsCert: '/nonexistent/x.crt' })).rejects.toThrow(
      /^createServer: rtmps_cert: cannot read "\/nonexistent\/x\.crt", which use_hls_https needs \(ENOENT\)$/,
    );
  });
});
