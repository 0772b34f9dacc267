import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module shared with the browser page
import { flvToTs } from './browser/flv-to-ts.js';

// The libraries are platform-neutral: the built dist of amf, codecs, flv and mpegts runs unchanged in
// Debian's Chromium (no bundler: an import map points the bare specifiers at the dist files).
const here = import.meta.dirname;
const packages = resolve(here, '../..');
const fixture = resolve(packages, 'flv/test/fixtures/h264-aac.flv');
const LIBS = ['amf', 'codecs', 'flv', 'mpegts'];

let server: Server;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'livego-browser-'));
  const importMap = { imports: Object.fromEntries(LIBS.map((l) => [`@livego/${l}`, `/${l}/index.js`])) };
  const page = `<!doctype html><script type="importmap">${JSON.stringify(importMap)}</script>
<script type="module">
import { flvToTs } from '/test/flv-to-ts.js';
const flv = new Uint8Array(await (await fetch('/fixture.flv')).arrayBuffer());
const ts = flvToTs(flv);
let s = ''; for (const b of ts) s += String.fromCharCode(b);
window.result = btoa(s);
</script>`;
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    let file: string | undefined;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      return;
    }
    if (path === '/fixture.flv') file = fixture;
    else if (path === '/test/flv-to-ts.js') file = join(here, 'browser/flv-to-ts.js');
    else {
      const m = /^\/(\w+)\/(index\.js(?:\.map)?)$/.exec(path);
      if (m && LIBS.includes(m[1]!)) file = join(packages, m[1]!, 'dist', m[2]!);
    }
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
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
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('in the browser', () => {
  it('muxes TS in Chromium byte for byte as in Node, and ffprobe decodes it', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(
      () => (globalThis as unknown as { result?: string }).result !== undefined,
      null,
      {
        timeout: 20_000,
      },
    );
    const fromBrowser = Buffer.from(
      await page.evaluate(() => (globalThis as unknown as { result: string }).result),
      'base64',
    );
    expect(errors).toEqual([]);
    const fromNode = Buffer.from(flvToTs(new Uint8Array(readFileSync(fixture))) as Uint8Array);
    expect(fromBrowser.length).toBeGreaterThan(10_000);
    expect(fromBrowser.equals(fromNode)).toBe(true);
    const file = join(dir, 'browser.ts');
    writeFileSync(file, fromBrowser);
    const probe = execFileSync(
      'ffprobe',
      [
        '-v',
        'warning',
        '-count_frames',
        '-show_entries',
        'stream=codec_name,nb_read_frames',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const streams = (JSON.parse(probe) as { streams: Array<{ codec_name: string; nb_read_frames: string }> })
      .streams;
    expect(streams.map((x) => `${x.codec_name},${x.nb_read_frames}`).sort()).toEqual(
      [`aac,${countAudio()}`, `h264,${countVideo()}`].sort(),
    );
  });
});

function tagsOf(type: number, pred: (d: Uint8Array) => boolean): number {
  const flv = readFileSync(fixture);
  let n = 0;
  for (let at = 13; at + 11 <= flv.length; ) {
    const size = flv.readUIntBE(at + 1, 3);
    const data = flv.subarray(at + 11, at + 11 + size);
    if (flv[at] === type && pred(data)) n++;
    at += 11 + size + 4;
  }
  return n;
}
const countVideo = () => tagsOf(9, (d) => d[1] === 1 && d.length > 5);
const countAudio = () => tagsOf(8, (d) => d[1] === 1);
