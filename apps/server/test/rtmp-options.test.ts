import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { channelKey, killAll, publishFlv, rtmpUrl, run, startServer, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let server: LivegoServer;
let media: TestMedia;

beforeAll(async () => {
  media = await makeFlv(3);
  server = await startServer({ publishTakeover: false, playerWaitSec: 1 });
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  media?.cleanup();
});

describe('RTMP options', () => {
  it('with takeover off, a second publisher is refused and the first goes on', async () => {
    const key = await channelKey(server, 'solo');
    const first = publishFlv(media.file, rtmpUrl(server, `/live/${key}`), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'solo')?.publisher !== undefined, 10_000, 'the publisher');
    const viewer = probeFrames(rtmpUrl(server, '/live/solo'));
    const second = await publishFlv(media.file, rtmpUrl(server, `/live/${key}`)).done;
    expect(second.code).not.toBe(0);
    expect(server.hub.stream('live', 'solo')?.publisher?.closed).toBe(false);
    expect((await first.done).code).toBe(0);
    expect((await viewer).video).toBeGreaterThan(25);
  });

  it('closes a player that waits longer than playerWaitSec for a publisher', async () => {
    const startedAt = Date.now();
    const r = await run('ffprobe', ['-v', 'error', rtmpUrl(server, '/live/nobody')], 20_000);
    expect(r.code).not.toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(8000);
    expect(server.hub.stream('live', 'nobody')).toBeUndefined();
  });
});
