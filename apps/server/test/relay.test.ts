import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { channelKey, killAll, publishFlv, rtmpUrl, startServer, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let media: TestMedia;
/** Where streams are published by ffmpeg and relays are controlled. */
let local: LivegoServer;
/** Another instance: the source of pulls and the target of pushes (no channel keys). */
let remote: LivegoServer;

beforeAll(async () => {
  [media, local, remote] = await Promise.all([
    makeFlv(4),
    startServer(),
    startServer({ rtmpNoauth: true, playerWaitSec: 5 }),
  ]);
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

const ffmpegPublish = (target: string) => publishFlv(media.file, target, { realtime: true });

describe('/control/pull', () => {
  it('pulls a stream from another instance into a local room, and cleans up when the remote goes away', async () => {
    const pub = ffmpegPublish(rtmpUrl(remote, '/live/source'));
    await waitFor(
      () => remote.hub.stream('live', 'source')?.publisher !== undefined,
      10_000,
      'the publisher',
    );
    const source = rtmpUrl(remote, '/live/source');
    const r = await control('pull', { oper: 'start', app: 'live', name: 'copy', url: source });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 200, data: `<h1>pull url start ${source} ok</h1></br>` });
    expect(local.relays.keys).toEqual(['pull:live/copy']);
    const [overRtmp, overFlv] = await Promise.all([
      probeFrames(rtmpUrl(local, '/live/copy')),
      probeFrames(url(local, 'httpflv', '/live/copy.flv')),
    ]);
    expect((await pub.done).code).toBe(0);
    for (const v of [overRtmp, overFlv]) {
      expect(v.video).toBeGreaterThanOrEqual(media.videoFrames - 3 * 25);
      expect(v.video % 25).toBe(media.videoFrames % 25);
      expect([v.width, v.height]).toEqual([320, 240]);
    }
    // The remote publisher left: the pull ends, its local stream and its entry are gone.
    await waitFor(() => local.relays.keys.length === 0, 10_000, 'the pull to be cleaned up');
    await waitFor(() => local.hub.stream('live', 'copy') === undefined, 10_000, 'the local stream to go');
    const stop = await control('pull', { oper: 'stop', app: 'live', name: 'copy', url: source });
    expect(stop.status).toBe(404);
    expect(stop.body.data).toBe('session key[pull:live/copy] not exist, please check it again.');
  });

  it('stop ends a running pull and frees the local room', async () => {
    const pub = ffmpegPublish(rtmpUrl(remote, '/live/long'));
    await waitFor(() => remote.hub.stream('live', 'long')?.publisher !== undefined, 10_000, 'the publisher');
    const source = rtmpUrl(remote, '/live/long');
    expect((await control('pull', { app: 'live', name: 'short', url: source })).status).toBe(200);
    await waitFor(() => (local.hub.stream('live', 'short')?.stats.videoPackets ?? 0) > 0, 10_000, 'media');
    const stop = await control('pull', { oper: 'stop', app: 'live', name: 'short', url: source });
    expect(stop.body).toEqual({ status: 200, data: `<h1>push url stop ${source} ok</h1></br>` });
    expect(local.relays.keys).toEqual([]);
    expect(local.hub.stream('live', 'short')).toBeUndefined();
    // The remote lost its player; its publisher is untouched.
    await waitFor(
      () => ![...(remote.hub.stream('live', 'long')?.subscribers ?? [])].some((x) => x.kind === 'rtmp'),
      5000,
      'the remote player to go',
    );
    expect(remote.hub.stream('live', 'long')?.publisher).toBeDefined();
    await pub.done;
  });

  it('a pull whose remote server goes down is cleaned up', async () => {
    const doomed = await startServer({ rtmpNoauth: true });
    try {
      const pub = ffmpegPublish(rtmpUrl(doomed, '/live/src'));
      await waitFor(() => doomed.hub.stream('live', 'src')?.publisher !== undefined, 10_000, 'the publisher');
      const source = rtmpUrl(doomed, '/live/src');
      expect((await control('pull', { app: 'live', name: 'doomed', url: source })).status).toBe(200);
      await waitFor(() => (local.hub.stream('live', 'doomed')?.stats.videoPackets ?? 0) > 0, 10_000, 'media');
      await doomed.stop(200); // the connection is cut, no status message
      await waitFor(() => !local.relays.keys.includes('pull:live/doomed'), 5000, 'the pull to be cleaned up');
      expect(local.hub.stream('live', 'doomed')).toBeUndefined();
      await pub.done;
    } finally {
      await doomed.stop(200);
    }
  });

  it('a pull whose remote sends nothing for read_timeout ends', async () => {
    const quick = await startServer({ readTimeoutSec: 1 });
    try {
      const source = rtmpUrl(remote, '/live/silent'); // accepted, never published
      const res = await fetch(url(quick, 'api', `/control/pull?app=live&name=s&url=${source}`));
      expect(res.status).toBe(200);
      expect(quick.relays.keys).toEqual(['pull:live/s']);
      const t0 = Date.now();
      await waitFor(() => quick.relays.keys.length === 0, 5000, 'the silent pull to end');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
      expect(quick.hub.stream('live', 's')).toBeUndefined();
    } finally {
      await quick.stop(500);
    }
  });

  it('answers bad requests with livego texts and 4xx codes', async () => {
    const missing = await control('pull', { app: 'live', name: 'x' });
    expect(missing).toEqual({
      status: 400,
      body: { status: 400, data: 'control push parameter error, please check them.' },
    });
    // livego's text for both endpoints, and for a stop without app or name.
    for (const [kind, params] of [
      ['push', { app: 'live', url: rtmpUrl(remote, '/live/x') }],
      ['pull', { name: 'x', url: rtmpUrl(remote, '/live/x') }],
      ['pull', { oper: 'stop', app: 'live' }],
      ['push', { oper: 'stop', name: 'x' }],
    ] as const) {
      expect(await control(kind, params)).toEqual({
        status: 400,
        body: { status: 400, data: 'control push parameter error, please check them.' },
      });
    }
    const down = await control('pull', { app: 'live', name: 'x', url: 'rtmp://127.0.0.1:1/live/x' });
    expect(down.status).toBe(400);
    expect(down.body.data).toMatch(/^push error=/);
    const badUrl = await control('pull', { app: 'live', name: 'x', url: 'http://127.0.0.1/live/x' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.data).toMatch(/^push error=.*rtmp:\/\//);
    const badApp = await control('pull', { app: 'nope', name: 'x', url: rtmpUrl(remote, '/live/x') });
    expect(badApp.body).toEqual({ status: 400, data: 'push error=application nope is not configured' });
    expect(local.relays.keys).toEqual([]);
  });
});

describe('/control/push', () => {
  it('pushes a local stream to another instance, which plays it; the push ends with the publisher', async () => {
    const key = await channelKey(local, 'out');
    const target = rtmpUrl(remote, '/live/in');
    // Started before the publisher: it waits for it.
    const r = await control('push', { oper: 'start', app: 'live', name: 'out', url: target });
    expect(r.body).toEqual({ status: 200, data: `<h1>push url start ${target} ok</h1></br>` });
    const remoteViewer = probeFrames(rtmpUrl(remote, '/live/in'));
    const pub = ffmpegPublish(rtmpUrl(local, `/live/${key}`));
    const counts = await remoteViewer;
    expect((await pub.done).code).toBe(0);
    expect(counts.video).toBeGreaterThanOrEqual(media.videoFrames - 25);
    expect(counts.video % 25).toBe(media.videoFrames % 25);
    expect(counts.audio).toBeGreaterThan(0);
    await waitFor(() => local.relays.keys.length === 0, 10_000, 'the push to end with its publisher');
  });

  it('stop ends a push; a push whose remote goes away is cleaned up', async () => {
    const key = await channelKey(local, 'out2');
    const pub = ffmpegPublish(rtmpUrl(local, `/live/${key}`));
    await waitFor(() => local.hub.stream('live', 'out2')?.publisher !== undefined, 10_000, 'the publisher');
    const a = rtmpUrl(remote, '/live/a');
    expect((await control('push', { app: 'live', name: 'out2', url: a })).status).toBe(200);
    await waitFor(
      () => (remote.hub.stream('live', 'a')?.stats.videoPackets ?? 0) > 0,
      10_000,
      'pushed media',
    );
    const stop = await control('push', { oper: 'stop', app: 'live', name: 'out2', url: a });
    expect(stop.body).toEqual({ status: 200, data: `<h1>push url stop ${a} ok</h1></br>` });
    await waitFor(
      () => remote.hub.stream('live', 'a')?.publisher === undefined,
      5000,
      'the remote publish to end',
    );
    const again = await control('push', { oper: 'stop', app: 'live', name: 'out2', url: a });
    expect(again.body).toEqual({
      status: 404,
      data: '<h1>session key[push:live/out2] not exist, please check it again.</h1>',
    });

    // The remote drops the connection (a takeover by another publisher on its side).
    expect((await control('push', { app: 'live', name: 'out2', url: a })).status).toBe(200);
    await waitFor(() => remote.hub.stream('live', 'a')?.publisher !== undefined, 10_000, 'the push');
    const usurper = ffmpegPublish(a);
    await waitFor(() => local.relays.keys.length === 0, 10_000, 'the push to be cleaned up');
    // The local stream and its viewers go on.
    expect(local.hub.stream('live', 'out2')?.publisher).toBeDefined();
    await Promise.all([pub.done, usurper.done]);
  });
});
