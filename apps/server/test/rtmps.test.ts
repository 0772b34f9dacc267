import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import {
  channelKey,
  killAll,
  publishFlv,
  rtmpUrl,
  selfSignedCert,
  startServer,
  url,
  waitFor,
} from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let server: LivegoServer;
let media: TestMedia;
let certDir: string;

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'livego-rtmps-'));
  const [gen, m] = await Promise.all([selfSignedCert(certDir), makeFlv(3)]);
  if (gen.code !== 0) throw new Error(`openssl failed: ${gen.stderr}`);
  media = m;
  server = await startServer({
    enableRtmps: true,
    rtmpsAddr: '127.0.0.1:0',
    rtmpsCert: gen.cert,
    rtmpsKey: gen.key,
    enableTlsVerify: false,
  });
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  media?.cleanup();
  if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
});

describe('RTMPS', () => {
  it('ffmpeg publishes over rtmps:// and viewers play over plain RTMP and HTTP-FLV', async () => {
    const rtmps = server.address().rtmps;
    expect(rtmps).toBeDefined();
    expect(server.address().rtmp).toBeDefined(); // plain RTMP beside TLS
    const key = await channelKey(server, 'secure');
    const pub = publishFlv(media.file, `rtmps://127.0.0.1:${rtmps!.port}/live/${key}`, {
      realtime: true,
      extra: ['-tls_verify', '0'],
    });
    await waitFor(
      () => server.hub.stream('live', 'secure')?.publisher !== undefined,
      10_000,
      'the publisher',
    );
    // An rtmps:// pull (enable_tls_verify false accepts the self-signed certificate).
    const source = `rtmps://127.0.0.1:${rtmps!.port}/live/secure`;
    const pull = await fetch(url(server, 'api', `/control/pull?app=live&name=mirror&url=${source}`));
    expect(pull.status).toBe(200);
    await waitFor(
      () => (server.hub.stream('live', 'mirror')?.stats.videoPackets ?? 0) > 0,
      5000,
      'pulled media',
    );
    const [overRtmp, overFlv] = await Promise.all([
      probeFrames(rtmpUrl(server, '/live/secure')),
      probeFrames(url(server, 'httpflv', '/live/secure.flv')),
    ]);
    const done = await pub.done;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    for (const v of [overRtmp, overFlv]) {
      // Late joiners start at the cached keyframe (one every second).
      expect(v.video).toBeGreaterThanOrEqual(media.videoFrames - 2 * 25);
      expect(v.video % 25).toBe(media.videoFrames % 25);
      expect([v.width, v.height]).toEqual([320, 240]);
    }
  });

  it('a plain RTMP handshake on the TLS port is refused without disturbing the server', async () => {
    const rtmps = server.address().rtmps!;
    const r = await publishFlv(media.file, `rtmp://127.0.0.1:${rtmps.port}/live/x`, { timeoutMs: 20_000 })
      .done;
    expect(r.code).not.toBe(0);
    expect(server.hub.stream('live', 'x')).toBeUndefined();
  });

  it('an rtmps:// relay verifies the certificate when enable_tls_verify is on', async () => {
    const other = await startServer(); // enableTlsVerify defaults to true
    try {
      const source = `rtmps://127.0.0.1:${server.address().rtmps!.port}/live/any`;
      const res = await fetch(url(other, 'api', `/control/pull?app=live&name=x&url=${source}`));
      const body = (await res.json()) as { data: string };
      expect(res.status).toBe(400);
      expect(body.data).toMatch(/^push error=.*self-signed certificate/);
    } finally {
      await other.stop(500);
    }
  });

  it('a missing certificate fails at start-up naming the file', async () => {
    await expect(
      startServer({ enableRtmps: true, rtmpsAddr: '127.0.0.1:0', rtmpsCert: join(certDir, 'nope.crt') }),
    ).rejects.toThrow(
      /^createServer: rtmps_cert: cannot read ".*nope\.crt", which enable_rtmps needs \(ENOENT\)$/,
    );
  });
});

describe('RTMPS on rtmp_addr (livego: enable_rtmps without rtmpsAddr)', () => {
  it('serves TLS instead of plain RTMP on rtmp_addr', async () => {
    const s = await startServer({
      enableRtmps: true,
      rtmpsCert: join(certDir, 'server.crt'),
      rtmpsKey: join(certDir, 'server.key'),
    });
    try {
      expect(s.address().rtmp).toBeUndefined();
      const port = s.address().rtmps!.port;
      const key = await channelKey(s, 'tls');
      let videoIn = 0;
      s.hub.on((e) => {
        if (e.type === 'unpublish') videoIn = e.stream.stats.videoPackets;
      });
      const r = await publishFlv(media.file, `rtmps://127.0.0.1:${port}/live/${key}`, {
        extra: ['-tls_verify', '0'],
      }).done;
      expect(r.code).toBe(0);
      await waitFor(() => videoIn > 0, 5000, 'the publish to end');
      expect(videoIn).toBe(media.tags.filter((t) => t.type === 9).length);
    } finally {
      await s.stop(500);
    }
  });
});
