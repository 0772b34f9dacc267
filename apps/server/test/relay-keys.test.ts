/**
 * Relays as scripts written for livego call them: livego's pull publishes under a channel key, so its
 * `name` is a key; a key given as `name` stands for its room (for pushes too), and the room plays.
 * /stat/livestat shows a relay with the local URL, as livego's loopback connection shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { channelKey, killAll, publishFlv, rtmpUrl, startServer, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let media: TestMedia;
let local: LivegoServer;
let localPort: number;
/** The source of pulls and the target of pushes (no channel keys). */
let remote: LivegoServer;

beforeAll(async () => {
  [media, local, remote] = await Promise.all([
    makeFlv(4),
    // rtmp_addr says port 0: the relay's local URL names the port the listener got.
    startServer({ playerWaitSec: 8 }),
    startServer({ rtmpNoauth: true, playerWaitSec: 8 }),
  ]);
  localPort = local.address().rtmp!.port;
});
afterAll(async () => {
  killAll();
  await Promise.all([local?.stop(500), remote?.stop(500)]);
  media?.cleanup();
});

async function control(
  kind: 'push' | 'pull',
  params: Record<string, string>,
): Promise<{ status: number; body: { status: number; data: string } }> {
  const res = await fetch(url(local, 'api', `/control/${kind}?${new URLSearchParams(params)}`));
  return { status: res.status, body: (await res.json()) as { status: number; data: string } };
}

interface Item {
  key: string;
  url: string;
  type?: string;
}
async function livestat(): Promise<{ publishers: Item[] | null; players: Item[] | null }> {
  const res = await fetch(url(local, 'api', '/stat/livestat'));
  return ((await res.json()) as { data: { publishers: Item[] | null; players: Item[] | null } }).data;
}

describe('relays named by channel key', () => {
  it('a pull named by a channel key publishes into its room, which plays by room name', async () => {
    const key = await channelKey(local, 'pulled');
    const pub = publishFlv(media.file, rtmpUrl(remote, '/live/origin'), { realtime: true });
    await waitFor(
      () => remote.hub.stream('live', 'origin')?.publisher !== undefined,
      15_000,
      'the publisher',
    );
    const source = rtmpUrl(remote, '/live/origin');
    const r = await control('pull', { oper: 'start', app: 'live', name: key, url: source });
    expect(r.body).toEqual({ status: 200, data: `<h1>pull url start ${source} ok</h1></br>` });
    expect(local.relays.keys).toEqual(['pull:live/pulled']);
    expect(local.hub.stream('live', key)).toBeUndefined();
    const viewer = probeFrames(rtmpUrl(local, '/live/pulled'), 30_000);
    await waitFor(() => local.hub.stream('live', 'pulled')?.publisher !== undefined, 10_000, 'the pull');
    // livego lists the pull with the local URL of its loopback publish, never the remote one or the key.
    const stat = await livestat();
    expect(stat.publishers).toContainEqual(
      expect.objectContaining({ key: 'live/pulled', url: `rtmp://127.0.0.1:${localPort}/live/pulled` }),
    );
    const counts = await viewer;
    expect((await pub.done).code).toBe(0);
    expect(counts.video).toBeGreaterThanOrEqual(media.videoFrames - 3 * 25);
    expect([counts.width, counts.height]).toEqual([320, 240]);
    await waitFor(() => local.relays.keys.length === 0, 10_000, 'the pull to end with its remote');
    // Unknown relays are named as asked, as livego names them.
    expect((await control('pull', { oper: 'stop', app: 'live', name: key, url: source })).body).toEqual({
      status: 404,
      data: `session key[pull:live/${key}] not exist, please check it again.`,
    });
  }, 60_000);

  it('a relay started by key stops by key or by room', async () => {
    const key = await channelKey(local, 'either');
    const pub = publishFlv(media.file, rtmpUrl(remote, '/live/origin2'), { realtime: true });
    await waitFor(
      () => remote.hub.stream('live', 'origin2')?.publisher !== undefined,
      15_000,
      'the publisher',
    );
    const source = rtmpUrl(remote, '/live/origin2');
    expect((await control('pull', { app: 'live', name: key, url: source })).status).toBe(200);
    expect((await control('pull', { oper: 'stop', app: 'live', name: 'either', url: source })).body).toEqual({
      status: 200,
      data: `<h1>push url stop ${source} ok</h1></br>`,
    });
    expect((await control('pull', { app: 'live', name: 'either', url: source })).status).toBe(200);
    expect((await control('pull', { oper: 'stop', app: 'live', name: key, url: source })).status).toBe(200);
    expect(local.relays.keys).toEqual([]);
    pub.child.kill('SIGTERM');
    await pub.done;
  }, 60_000);

  it('a push named by a channel key plays that room to the remote', async () => {
    const key = await channelKey(local, 'pushed');
    const target = rtmpUrl(remote, '/live/copy');
    const r = await control('push', { oper: 'start', app: 'live', name: key, url: target });
    expect(r.body).toEqual({ status: 200, data: `<h1>push url start ${target} ok</h1></br>` });
    expect(local.relays.keys).toEqual(['push:live/pushed']);
    const remoteViewer = probeFrames(target, 30_000);
    const pub = publishFlv(media.file, rtmpUrl(local, `/live/${key}`), { realtime: true });
    await waitFor(
      () => (remote.hub.stream('live', 'copy')?.stats.videoPackets ?? 0) > 0,
      15_000,
      'pushed media',
    );
    const stat = await livestat();
    expect(stat.players).toContainEqual(
      expect.objectContaining({
        key: 'live/pushed',
        type: 'relay-push',
        url: `rtmp://127.0.0.1:${localPort}/live/pushed`,
      }),
    );
    const counts = await remoteViewer;
    expect((await pub.done).code).toBe(0);
    expect(counts.video).toBeGreaterThanOrEqual(media.videoFrames - 25);
    expect(counts.audio).toBeGreaterThan(0);
    await waitFor(() => local.relays.keys.length === 0, 10_000, 'the push to end with its publisher');
  }, 60_000);
});
