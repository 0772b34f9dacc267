/**
 * /stat/livestat's video_speed/audio_speed come from the traffic (sampled every 5 s, as livego samples
 * them), not from the time between two API calls: a first call on a stream live for more than 5 s, and
 * a call right after another, show the stream's real rate.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demuxFlv } from '@livego/flv';
import { Hub } from '@livego/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { TrafficRates } from '../src/rates.js';
import {
  channelKey,
  killAll,
  publishFlv,
  rtmpUrl,
  run,
  start,
  startServer,
  url,
  waitFor,
} from './helpers.js';

const SECONDS = 14;
let dir: string;
let file: string;
/** The file's real rates in kbit/s: payload bits over its duration. */
let videoKbps: number;
let audioKbps: number;
let server: LivegoServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'livego-rates-'));
  file = join(dir, 'in.flv');
  const r = await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=320x240:rate=25:duration=${SECONDS}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=44100:duration=${SECONDS}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-b:v',
    '400k',
    '-maxrate',
    '400k',
    '-bufsize',
    '200k',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-f',
    'flv',
    file,
  ]);
  if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const tags = demuxFlv(readFileSync(file));
  const bits = (type: number) =>
    tags.filter((t) => t.type === type).reduce((n, t) => n + t.data.length * 8, 0);
  videoKbps = bits(9) / SECONDS / 1000;
  audioKbps = bits(8) / SECONDS / 1000;
  server = await startServer();
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Item {
  key: string;
  video_speed: number;
  audio_speed: number;
  video_total_bytes: number;
}

async function livestat(): Promise<{ publishers: Item[] | null; players: Item[] | null }> {
  const res = await fetch(url(server, 'api', '/stat/livestat'));
  return ((await res.json()) as { data: { publishers: Item[] | null; players: Item[] | null } }).data;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('livestat speeds', () => {
  it('shows the real rate on the first call and on a call right after it', async () => {
    expect(videoKbps).toBeGreaterThan(100); // the file is what the band below assumes
    let publishedAt = 0;
    const off = server.hub.on((e) => {
      if (e.type === 'publish') publishedAt = Date.now();
    });
    const key = await channelKey(server, 'rate');
    const pub = publishFlv(file, rtmpUrl(server, `/live/${key}`), { realtime: true });
    await waitFor(() => publishedAt > 0, 15_000, 'the publisher');
    off();
    const player = start(
      'ffmpeg',
      ['-v', 'error', '-i', rtmpUrl(server, '/live/rate'), '-c', 'copy', '-f', 'null', '-'],
      60_000,
    );
    await waitFor(() => (server.hub.stream('live', 'rate')?.subscribers.size ?? 0) > 0, 15_000, 'the player');
    // One 5 s window (and the 1 s sampling tick) after the publish, well before the file ends.
    await sleep(Math.max(0, publishedAt + 7500 - Date.now()));
    const first = await livestat();
    const second = await livestat();
    const p = first.publishers?.find((x) => x.key === 'live/rate');
    const v = first.players?.find((x) => x.key === 'live/rate');
    expect(p).toBeDefined();
    expect(v).toBeDefined();
    // kbit/s of the traffic, not 0 because nobody asked 5 s earlier.
    for (const item of [p!, v!]) {
      expect(item.video_speed).toBeGreaterThan(videoKbps * 0.5);
      expect(item.video_speed).toBeLessThan(videoKbps * 1.8);
      expect(item.audio_speed).toBeGreaterThan(audioKbps * 0.5);
      expect(item.audio_speed).toBeLessThan(audioKbps * 1.8);
    }
    // A call within 5 s of the previous one shows the same rate, not 0.
    const p2 = second.publishers?.find((x) => x.key === 'live/rate');
    expect(p2?.video_speed).toBeGreaterThan(0);
    expect(Math.abs(p2!.video_speed - p!.video_speed)).toBeLessThanOrEqual(p!.video_speed * 0.5);
    if (process.env.LIVEGO_TEST_LOG) console.log({ videoKbps, audioKbps, p, v });
    // Enough seen: end the publisher and the player now rather than at the end of the file.
    pub.child.kill('SIGTERM');
    player.child.kill('SIGTERM');
    await Promise.all([pub.done, player.done]);
  }, 60_000);
});

describe('TrafficRates', () => {
  it('computes kbit/s over 5 s windows of counted bytes and holds one entry per live publisher or viewer', () => {
    let now = 1_000_000;
    const hub = new Hub();
    const rates = new TrafficRates(hub, () => now);
    const pub = hub.publish('live', 'a', { id: 'p1', kind: 'test' }, { onEnd: () => {} });
    const sub = hub.subscribe(
      'live',
      'a',
      { id: 's1', kind: 'test' },
      { form: { id: 'test', encode: (p) => p.payload }, onData: () => {}, onEnd: () => {} },
    );
    expect(rates.size).toBe(2);
    // 125 000 bytes of "audio" (data messages count as audio, as in livego) in 5 s = 200 kbit/s.
    const payload = new Uint8Array(12_500);
    payload[0] = 0xaf;
    payload[1] = 0x01;
    for (let i = 0; i < 10; i++) pub.write('audio', i * 500, payload);
    now += 4999;
    rates.sample();
    expect(rates.of(pub)).toEqual([0, 0]); // no window yet
    now += 1;
    rates.sample();
    expect(rates.of(pub)).toEqual([0, 200]);
    // A later window with nothing sent is 0 again.
    now += 5000;
    rates.sample();
    expect(rates.of(pub)).toEqual([0, 0]);
    sub.close();
    pub.close();
    expect(rates.size).toBe(0);
    // A publisher taken over gets no unpublish event; the next sample drops it.
    const a = hub.publish('live', 'b', { id: 'p2', kind: 'test' }, { onEnd: () => {} });
    const b = hub.publish('live', 'b', { id: 'p3', kind: 'test' }, { onEnd: () => {} });
    expect(rates.size).toBe(2);
    rates.sample();
    expect(rates.size).toBe(1);
    expect(rates.of(a)).toEqual([0, 0]);
    b.close();
    expect(rates.size).toBe(0);
    hub.close();
  });
});
