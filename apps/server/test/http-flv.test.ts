import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demuxFlv, parseVideoTagHeader } from '@livego/flv';
import type { Publisher } from '@livego/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LivegoServer } from '../src/index.js';
import { killAll, startServer, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

// The hub is fed straight from an ffmpeg-made FLV here, so these tests cover the HTTP side alone;
// the RTMP tests publish with ffmpeg end to end.
let server: LivegoServer;
let media: TestMedia;

beforeAll(async () => {
  media = await makeFlv(2);
  server = await startServer();
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  media?.cleanup();
});

const KIND = { 8: 'audio', 9: 'video', 18: 'data' } as const;

function publish(name: string): Publisher {
  return server.hub.publish('live', name, { id: `pub-${name}`, kind: 'test' }, { onEnd() {} });
}

/** Writes the tags from index `from` to `to` (exclusive). */
function feed(pub: Publisher, from: number, to = media.tags.length): void {
  for (const t of media.tags.slice(from, to)) pub.write(KIND[t.type as 8 | 9 | 18], t.timestampMs, t.data);
}

/** Tags up to the first one that is not metadata or a sequence header. */
const keyframeIndexes = () =>
  media.tags.flatMap((t, i) => (t.type === 9 && t.data[0] === 0x17 && t.data[1] === 1 ? [i] : []));

/** Audio frames from tag `from` on: what a viewer that starts at a keyframe there hears. */
const audioFramesFrom = (from: number) =>
  media.tags.slice(from).filter((t) => t.type === 8 && t.data[1] === 1).length;

const headerCount = () =>
  media.tags.findIndex((t) => !(t.type === 18 || ((t.type === 8 || t.type === 9) && t.data[1] === 0)));

describe('HTTP-FLV', () => {
  it('streams a live stream that ffprobe decodes frame for frame, and ends with the publisher', async () => {
    const pub = publish('movie');
    const first = headerCount();
    feed(pub, 0, first); // metadata and sequence headers only
    const probe = probeFrames(url(server, 'httpflv', '/live/movie.flv'));
    await waitFor(() => server.hub.stream('live', 'movie')!.subscribers.size === 1, 10_000, 'the viewer');
    feed(pub, first);
    pub.close();
    const counts = await probe;
    expect(counts.stderr).toBe('');
    expect(counts.video).toBe(media.videoFrames);
    // A viewer waiting for the first keyframe skips audio before it (here one frame at 0 ms).
    expect(counts.audio).toBe(audioFramesFrom(keyframeIndexes()[0]!));
    expect(media.audioFrames - counts.audio).toBeLessThanOrEqual(1);
    expect([counts.width, counts.height]).toEqual([320, 240]);
  });

  it('answers HEAD, CORS preflight and unknown streams', async () => {
    const pub = publish('head');
    feed(pub, 0, headerCount());
    const head = await fetch(url(server, 'httpflv', '/live/head.flv'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('video/x-flv');
    expect(head.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await fetch(url(server, 'httpflv', '/live/head.flv'), { method: 'OPTIONS' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
    expect((await fetch(url(server, 'httpflv', '/live/nobody.flv'))).status).toBe(404);
    expect((await fetch(url(server, 'httpflv', '/other/head.flv'))).status).toBe(404); // app not configured
    expect((await fetch(url(server, 'httpflv', '/live/head.mp4'))).status).toBe(404);
    pub.close();
  });

  it('frees the viewer when the client goes away', async () => {
    const pub = publish('leave');
    feed(pub, 0, headerCount());
    const ac = new AbortController();
    const res = await fetch(url(server, 'httpflv', '/live/leave.flv'), { signal: ac.signal });
    expect(res.status).toBe(200);
    const stream = server.hub.stream('live', 'leave')!;
    expect(stream.subscribers.size).toBe(1);
    ac.abort();
    await waitFor(() => stream.subscribers.size === 0, 5000, 'the viewer to be freed');
    pub.close();
    expect(server.hub.stream('live', 'leave')).toBeUndefined();
  });
});

describe('WebSocket-FLV', () => {
  it('starts a late viewer at a keyframe and delivers a stream ffprobe decodes', async () => {
    const pub = publish('ws');
    // Up to the middle of the second GOP: the viewer joins late.
    const secondKey = keyframeIndexes()[1]!;
    feed(pub, 0, secondKey + 10);
    const addr = server.address().httpflv!;
    const ws = new WebSocket(`ws://127.0.0.1:${addr.port}/live/ws.flv`);
    const parts: Buffer[] = [];
    ws.on('message', (d: Buffer) => parts.push(d));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    feed(pub, secondKey + 10);
    pub.close();
    expect(await closed).toBe(1000);
    const bytes = Buffer.concat(parts);
    const tags = demuxFlv(bytes);
    const firstFrame = tags.find((t) => t.type === 9 && !parseVideoTagHeader(t.data).isSequenceHeader)!;
    expect(parseVideoTagHeader(firstFrame.data).isKeyframe).toBe(true);
    expect(firstFrame.timestampMs).toBe(media.tags[secondKey]!.timestampMs);
    const file = join(media.dir, 'ws.flv');
    writeFileSync(file, bytes);
    const counts = await probeFrames(file);
    expect(counts.stderr).toBe('');
    expect(counts.video).toBe(media.videoFrames - 25); // the first GOP (1 s at 25 fps) was before the join
    expect(counts.audio).toBe(audioFramesFrom(secondKey));
  });

  it('refuses the upgrade for an unknown stream', async () => {
    const addr = server.address().httpflv!;
    const ws = new WebSocket(`ws://127.0.0.1:${addr.port}/live/none.flv`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('open', () => resolve(undefined));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(404);
  });
});
