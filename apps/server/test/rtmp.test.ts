import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LivegoServer } from '../src/index.js';
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
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let server: LivegoServer;
let media: TestMedia;

beforeAll(async () => {
  media = await makeFlv(3);
  server = await startServer({ playerWaitSec: 20 });
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  media?.cleanup();
});

/** Saves everything a WebSocket-FLV viewer receives until the server closes it. */
function wsCapture(address: string, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address);
    const parts: Buffer[] = [];
    ws.on('message', (d: Buffer) => parts.push(d));
    ws.on('error', reject);
    ws.on('close', () => {
      writeFileSync(file, Buffer.concat(parts));
      resolve(file);
    });
  });
}

describe('RTMP publish and play with ffmpeg', () => {
  it('a player that connects before the publisher gets every frame, and ends with the publisher', async () => {
    const key = await channelKey(server, 'movie');
    const player = probeFrames(rtmpUrl(server, '/live/movie'));
    await waitFor(
      () => (server.hub.stream('live', 'movie')?.subscribers.size ?? 0) === 1,
      10_000,
      'the player',
    );
    const pub = await publishFlv(media.file, rtmpUrl(server, `/live/${key}`)).done;
    expect(pub.stderr).toBe('');
    expect(pub.code).toBe(0);
    const counts = await player;
    expect(counts.video).toBe(media.videoFrames);
    expect([counts.width, counts.height]).toEqual([320, 240]);
    expect(media.audioFrames - counts.audio).toBeLessThanOrEqual(1); // audio before the first keyframe
    await waitFor(() => server.hub.stream('live', 'movie') === undefined, 5000, 'the stream to go');
  });

  it('plays to RTMP, HTTP-FLV, WebSocket-FLV and rtmpdump viewers of one live stream at once', async () => {
    const key = await channelKey(server, 'multi');
    const pub = publishFlv(media.file, rtmpUrl(server, `/live/${key}`), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'multi')?.publisher !== undefined, 10_000, 'the publisher');
    const dumpFile = join(media.dir, 'rtmpdump.flv');
    const viewers = await Promise.all([
      probeFrames(rtmpUrl(server, '/live/multi')),
      probeFrames(url(server, 'httpflv', '/live/multi.flv')),
      run('rtmpdump', ['-q', '-r', rtmpUrl(server, '/live/multi'), '-o', dumpFile, '--live']).then(() =>
        probeFrames(dumpFile),
      ),
      wsCapture(
        `ws://127.0.0.1:${server.address().httpflv!.port}/live/multi.flv`,
        join(media.dir, 'ws.flv'),
      ).then((file) => probeFrames(file)),
    ]);
    expect((await pub.done).code).toBe(0);
    for (const v of viewers) {
      // Late joiners start at the cached keyframe (keyframes every second of 3).
      expect(v.video).toBeGreaterThanOrEqual(media.videoFrames - 2 * 25);
      expect(v.video).toBeLessThanOrEqual(media.videoFrames);
      expect(v.video % 25).toBe(media.videoFrames % 25);
      expect([v.width, v.height]).toEqual([320, 240]);
    }
  });

  it('lists the publisher and every kind of viewer in /stat/livestat', async () => {
    const key = await channelKey(server, 'stats');
    const pub = publishFlv(media.file, rtmpUrl(server, `/live/${key}`), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'stats')?.publisher !== undefined, 10_000, 'the publisher');
    const viewers = [
      probeFrames(rtmpUrl(server, '/live/stats')),
      probeFrames(url(server, 'httpflv', '/live/stats.flv')),
    ];
    await waitFor(() => server.hub.stream('live', 'stats')?.subscribers.size === 2, 10_000, 'two viewers');
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(url(server, 'api', '/stat/livestat?room=live/stats'));
    const body = (await res.json()) as {
      status: number;
      data: { publishers: Array<Record<string, unknown>>; players: Array<Record<string, unknown>> };
    };
    expect(body.status).toBe(200);
    expect(body.data.publishers).toHaveLength(1);
    const p = body.data.publishers[0]!;
    expect(p.key).toBe('live/stats');
    expect(p.url).toBe(`rtmp://127.0.0.1:${server.address().rtmp!.port}/live/stats`); // the room, never the key
    expect(p.stream_id).toBe(1);
    expect(p.video_total_bytes as number).toBeGreaterThan(0);
    expect(body.data.players.map((x) => x.type).sort()).toEqual(['http-flv', 'rtmp']);
    for (const v of body.data.players) expect(v.key).toBe('live/stats');
    expect(JSON.stringify(body)).not.toContain(key);
    await pub.done;
    await Promise.all(viewers);
  });

  it('refuses a bad key while a good stream goes on', async () => {
    const key = await channelKey(server, 'good');
    const pub = publishFlv(media.file, rtmpUrl(server, `/live/${key}`), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'good')?.publisher !== undefined, 10_000, 'the publisher');
    const viewer = probeFrames(url(server, 'httpflv', '/live/good.flv'));
    const bad = await publishFlv(media.file, rtmpUrl(server, '/live/not-a-key')).done;
    expect(bad.code).not.toBe(0);
    expect(server.hub.stream('live', 'not-a-key')).toBeUndefined();
    const rooms = await publishFlv(media.file, rtmpUrl(server, '/live/good')).done; // the room name is not a key
    expect(rooms.code).not.toBe(0);
    expect((await pub.done).code).toBe(0);
    const counts = await viewer;
    expect(counts.video).toBeGreaterThanOrEqual(media.videoFrames - 2 * 25);
  });

  it('a second publisher takes over and a viewer that stayed connected keeps decoding', async () => {
    const key = await channelKey(server, 'takeover');
    const target = rtmpUrl(server, `/live/${key}`);
    const first = publishFlv(media.file, target, { realtime: true });
    await waitFor(
      () => server.hub.stream('live', 'takeover')?.publisher !== undefined,
      10_000,
      'the publisher',
    );
    const viewer = start('ffmpeg', [
      '-v',
      'error',
      '-i',
      rtmpUrl(server, '/live/takeover'),
      '-f',
      'framemd5',
      '-',
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    const second = publishFlv(media.file, target, { realtime: true });
    const firstResult = await first.done;
    expect(firstResult.code).not.toBe(0); // its connection was closed by the takeover
    expect((await second.done).code).toBe(0);
    const out = await viewer.done;
    expect(out.code).toBe(0);
    const frames = out.stdout.split('\n').filter((l) => /^0,/.test(l));
    // About 1 s of the first publisher and all 3 s of the second.
    expect(frames.length).toBeGreaterThanOrEqual(media.videoFrames);
    const pts = frames.map((l) => Number(l.split(',')[2]));
    for (let i = 1; i < pts.length; i++) expect(pts[i]!).toBeGreaterThan(pts[i - 1]!);
  });
});
