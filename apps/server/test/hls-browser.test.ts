import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { channelKey, killAll, rtmpUrl, start, startServer, waitFor } from './helpers.js';
import { hlsUrl, parsePlaylist } from './hls-helpers.js';

// hls.js (from node_modules, served by a page server on another port: CORS is exercised) plays the
// server's HLS of a live ffmpeg publisher in Debian's headless Chromium.
const HLS_JS = readFileSync(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'));

let server: LivegoServer;
let page: Server;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ hlsSegmentSec: 1, hlsWindow: 4 });
  page = createServer((req, res) => {
    if (req.url === '/hls.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(HLS_JS);
      return;
    }
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
});
afterAll(async () => {
  killAll();
  await browser?.close();
  page?.close();
  await server?.stop(500);
});

interface PlayerState {
  t: number;
  w: number;
  h: number;
  paused: boolean;
  log: string[];
}

const PAGE = `<!doctype html>
<video id="v" muted playsinline></video>
<script src="/hls.min.js"></script>
<script>
  const v = document.getElementById('v');
  window.log = [];
  window.mse = window.MediaSource !== undefined &&
    MediaSource.isTypeSupported('video/mp4; codecs="avc1.4d401e,mp4a.40.2"');
  window.start = (src) => {
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_, d) => window.log.push('error ' + d.details + (d.fatal ? ' fatal' : '')));
    hls.on(Hls.Events.FRAG_BUFFERED, (_, d) => window.log.push('buffered ' + d.frag.sn));
    hls.on(Hls.Events.MANIFEST_PARSED, () => v.play().catch((e) => window.log.push('play ' + e)));
    hls.loadSource(src);
    hls.attachMedia(v);
  };
</script>`;

describe('hls.js in Chromium', () => {
  it('plays the H.264+AAC stream of a live publisher: currentTime advances by 3 s or more', async () => {
    const key = await channelKey(server, 'browser');
    start(
      'ffmpeg',
      [
        '-v',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=320x240:rate=25:duration=30',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=44100:duration=30',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-g',
        '25',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-b:a',
        '64k',
        '-f',
        'flv',
        rtmpUrl(server, `/live/${key}`),
      ],
      60_000,
    );
    const src = hlsUrl(server, '/live/browser.m3u8');
    await waitFor(
      () => (server.hls?.stream('live', 'browser')?.segmenter.windowSegments().length ?? 0) >= 2,
      15_000,
      'segments',
    );
    expect(parsePlaylist(await (await fetch(src)).text()).segments.length).toBeGreaterThanOrEqual(2);

    const tab = await browser.newPage();
    const pageErrors: string[] = [];
    tab.on('pageerror', (e) => pageErrors.push(e.message));
    await tab.goto(`http://127.0.0.1:${(page.address() as import('node:net').AddressInfo).port}/`);
    // String expressions: the test is type-checked without the DOM library.
    expect(await tab.evaluate('window.mse')).toBe(true);
    await tab.evaluate(`window.start(${JSON.stringify(src)})`);
    const state = (): Promise<PlayerState> =>
      tab.evaluate(`(() => {
        const v = document.querySelector('video');
        return { t: v.currentTime, w: v.videoWidth, h: v.videoHeight, paused: v.paused, log: window.log };
      })()`);
    let first: number | undefined;
    let last = await state();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      last = await state();
      if (first === undefined && last.t > 0) first = last.t;
      if (first !== undefined && last.t - first >= 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const report = JSON.stringify({ first, last });
    expect(first, report).toBeDefined();
    expect(last.t - first!, report).toBeGreaterThanOrEqual(3);
    expect([last.w, last.h], report).toEqual([320, 240]);
    expect(
      last.log.filter((l) => l.endsWith('fatal')),
      report,
    ).toEqual([]);
    expect(pageErrors).toEqual([]);
    await tab.close();
  }, 60_000);
});
