import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config.js';
import type { LivegoServer } from '../src/index.js';
import { channelKey, killAll, publishFlv, rtmpUrl, startServer, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let media: TestMedia;
let origin: LivegoServer;
let target: LivegoServer;
/** A target that accepts and hangs up at once: it counts the pusher's reconnects. */
let flaky: Server;
const flakySockets: Socket[] = [];

beforeAll(async () => {
  media = await makeFlv(4);
  flaky = createNetServer((s) => {
    flakySockets.push(s);
    s.destroy();
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  target = await startServer({ rtmpNoauth: true });
  const flakyPort = (flaky.address() as { port: number }).port;
  const app = defaultConfig().apps[0]!;
  origin = await startServer({
    apps: [
      {
        ...app,
        staticPush: [`rtmp://127.0.0.1:${flakyPort}/live`, `${rtmpUrl(target, '/live')}/`],
      },
    ],
  });
});
afterAll(async () => {
  killAll();
  await Promise.all([origin?.stop(500), target?.stop(500)]);
  flaky?.close();
  media?.cleanup();
});

describe('static_push', () => {
  it('pushes each publish to every URL/room; a target that is down is retried and disturbs nobody', async () => {
    const key = await channelKey(origin, 'show');
    // A viewer on the push target, waiting before anything is published.
    const remote = probeFrames(rtmpUrl(target, '/live/show'));
    await waitFor(() => target.hub.stream('live', 'show') !== undefined, 10_000, 'the remote viewer');
    const pub = publishFlv(media.file, rtmpUrl(origin, `/live/${key}`), { realtime: true });
    await waitFor(() => origin.hub.stream('live', 'show')?.publisher !== undefined, 10_000, 'the publisher');
    const local = probeFrames(url(origin, 'httpflv', '/live/show.flv'));
    await waitFor(() => target.hub.stream('live', 'show')?.publisher !== undefined, 10_000, 'the push');
    const stat = (await (await fetch(url(origin, 'api', '/stat/livestat'))).json()) as {
      data: { players: Array<{ type: string; url: string }> | null };
    };
    expect(stat.data.players).toContainEqual(
      expect.objectContaining({ type: 'static-push', url: rtmpUrl(target, '/live/show') }),
    );
    expect((await pub.done).code).toBe(0);
    const [localCounts, remoteCounts] = await Promise.all([local, remote]);
    // The origin's viewer is not disturbed by the dead target.
    expect(localCounts.video).toBeGreaterThanOrEqual(media.videoFrames - 2 * 25);
    expect(localCounts.video % 25).toBe(media.videoFrames % 25);
    // The pushed copy starts at the cached keyframe and ends with the publisher.
    expect(remoteCounts.video).toBeGreaterThanOrEqual(media.videoFrames - 25);
    expect(remoteCounts.video % 25).toBe(media.videoFrames % 25);
    expect([remoteCounts.width, remoteCounts.height]).toEqual([320, 240]);
    expect(remoteCounts.audio).toBeGreaterThan(0);
    // Tried again with back-off (1 s, 2 s, ...) while the 4 s stream was live, then no more.
    expect(flakySockets.length).toBeGreaterThanOrEqual(2);
    expect(flakySockets.length).toBeLessThanOrEqual(5);
    const tries = flakySockets.length;
    await waitFor(() => target.hub.stream('live', 'show') === undefined, 10_000, 'the pushed stream to end');
    await new Promise((r) => setTimeout(r, 2500));
    expect(flakySockets.length).toBe(tries);
    expect(origin.staticPush.attempts('live/show').size).toBe(0);
  });
});
