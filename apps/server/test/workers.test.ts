/**
 * workers: 2 — viewers are handed to a worker process (RTMP at its first play, with its session;
 * HTTP-FLV and WebSocket-FLV as accepted) and play from a mirror of the stream there. A worker's
 * viewers get the same bytes as this process's; the API counts them; a dead worker is replaced.
 */
import { readFileSync } from 'node:fs';
import { demuxFlv } from '@livego/flv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LivegoServer } from '../src/index.js';
import { type SeenMedia, SpyPlayer } from './edges-helpers.js';
import { killAll, publishFlv, rtmpUrl, startServer, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let server: LivegoServer;
let media: TestMedia;

beforeAll(async () => {
  media = await makeFlv(4);
  // worker_load_pct 0: viewers are spread from the first one on.
  server = await startServer({
    workers: 2,
    workerLoadPct: 0,
    rtmpNoauth: true,
    unpublishGraceMs: 300,
    level: 'silent',
  });
});
afterAll(async () => {
  killAll();
  await server?.stop(1000);
  media?.cleanup();
});

interface WorkerInfo {
  worker: number;
  pid: number;
  connections: number;
  streams: number;
  ready: boolean;
}

async function workers(): Promise<WorkerInfo[]> {
  const res = await fetch(url(server, 'api', '/stat/workers'));
  return ((await res.json()) as { data: { workers: WorkerInfo[] } }).data.workers;
}

async function players(): Promise<{ type: string; key: string }[]> {
  const res = await fetch(url(server, 'api', '/stat/livestat'));
  return (
    ((await res.json()) as { data: { players: { type: string; key: string }[] | null } }).data.players ?? []
  );
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a viewer got, comparable with toEqual: [kind, timestamp, payload hex]. */
function av(list: { kind: string; timestampMs: number; payload: Uint8Array }[]): string[][] {
  return list
    .filter((m) => m.kind !== 'data')
    .map((m) => [m.kind, String(m.timestampMs), Buffer.from(m.payload).toString('hex')]);
}

function fromSpy(m: SeenMedia[]): string[][] {
  return av(m);
}

function fromFlv(bytes: Uint8Array) {
  return av(
    demuxFlv(bytes).map((t) => ({
      kind: t.type === 8 ? 'audio' : t.type === 9 ? 'video' : 'data',
      timestampMs: t.timestampMs,
      payload: t.data,
    })),
  );
}

/** What a player that joins before the publisher gets: sequence headers, then from the first keyframe on. */
function startAtKeyframe(tags: string[][]): string[][] {
  const first = tags.findIndex((t) => t[0] === 'video' && t[2]!.startsWith('1701'));
  return tags.filter((t, i) => i >= first || isSequenceHeader(t));
}

/** FLV audio/video tag body: byte 1 is the AAC/AVC packet type, 0 for a sequence header. */
function isSequenceHeader(t: string[]): boolean {
  return t[2]!.slice(2, 4) === '00';
}

function httpCapture(address: string): Promise<Uint8Array> {
  return fetch(address).then(async (res) => new Uint8Array(await res.arrayBuffer()));
}

function wsCapture(address: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address);
    const parts: Buffer[] = [];
    ws.on('message', (d: Buffer) => parts.push(d));
    ws.on('error', reject);
    ws.on('close', () => resolve(Buffer.concat(parts)));
  });
}

describe('workers: 2', () => {
  it('hands viewers to the worker, which plays them the same bytes as this process', async () => {
    const fixture = fromFlv(readFileSync(media.file));
    // Two RTMP players waiting for the publisher: one is handed over, one stays.
    const rtmpPort = server.address().rtmp!.port;
    const early = [new SpyPlayer(rtmpPort, '/live/same'), new SpyPlayer(rtmpPort, '/live/same')];
    await until(
      async () => (await workers()).every((w) => w.connections === 1),
      'one player in each process',
    );

    const pub = publishFlv(media.file, rtmpUrl(server, '/live/same'), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'same')?.publisher !== undefined, 10_000, 'the publisher');
    const flvUrl = url(server, 'httpflv', '/live/same.flv');
    const wsUrl = `ws://127.0.0.1:${server.address().httpflv!.port}/live/same.flv`;
    const late = [httpCapture(flvUrl), httpCapture(flvUrl), wsCapture(wsUrl), wsCapture(wsUrl)];
    const probed = [probeFrames(rtmpUrl(server, '/live/same')), probeFrames(flvUrl)];

    await until(async () => (await players()).length === 8, 'eight players listed');
    const listed = await players();
    expect(listed.filter((p) => p.type === 'rtmp')).toHaveLength(3);
    expect(listed.filter((p) => p.type === 'http-flv')).toHaveLength(3);
    expect(listed.filter((p) => p.type === 'ws-flv')).toHaveLength(2);
    const spread = await workers();
    expect(spread.map((w) => w.connections)).toEqual([4, 4]);
    expect(spread[1]!.streams).toBe(1);

    expect((await pub.done).code).toBe(0);
    const captures = await Promise.all(late);
    const frames = await Promise.all(probed);

    // The players that waited got the file from its first keyframe (with its sequence headers), byte
    // for byte, the same in either process.
    const fromKeyframe = startAtKeyframe(fixture);
    await waitFor(
      () => early.every((p) => fromSpy(p.media).length >= fromKeyframe.length),
      10_000,
      'every frame',
    );
    for (const p of early) expect(fromSpy(p.media)).toEqual(fromKeyframe);
    // The late ones get the sequence headers, then from a cached keyframe to the end of the file.
    const headers = fixture.filter(isSequenceHeader);
    for (const c of captures) {
      const got = fromFlv(c);
      expect(got.slice(0, headers.length)).toEqual(headers);
      const rest = got.slice(headers.length);
      expect(rest.length).toBeGreaterThan(fixture.length / 3);
      expect(rest).toEqual(fixture.slice(fixture.length - rest.length));
    }
    for (const f of frames) expect(f.video).toBeGreaterThanOrEqual(media.videoFrames - 2 * 25);
    for (const p of early) p.socket.destroy();
    await until(async () => (await workers()).every((w) => w.connections === 0), 'every connection released');
    await waitFor(() => server.connections.total === 0, 5000, 'the limit count back to 0');
  });

  it('counts the viewers of every process against max_viewers_per_stream', async () => {
    const limited = await startServer({
      workers: 2,
      rtmpNoauth: true,
      maxViewersPerStream: 3,
      level: 'silent',
    });
    try {
      const pub = publishFlv(media.file, rtmpUrl(limited, '/live/capped'), { realtime: true });
      await waitFor(
        () => limited.hub.stream('live', 'capped')?.publisher !== undefined,
        10_000,
        'the publisher',
      );
      const flvUrl = url(limited, 'httpflv', '/live/capped.flv');
      const viewers = [0, 1, 2].map(() => new AbortController());
      const bodies = viewers.map((c) => fetch(flvUrl, { signal: c.signal }));
      expect((await Promise.all(bodies)).map((r) => r.status)).toEqual([200, 200, 200]);
      // Two in one process, one in the other: a fourth is refused in either.
      for (let i = 0; i < 2; i++) {
        const res = await fetch(flvUrl);
        expect(res.status).toBe(503);
        expect(await res.text()).toBe('stream live/capped has 3 viewers, limit is 3\n');
      }
      const rtmp = new SpyPlayer(limited.address().rtmp!.port, '/live/capped');
      await rtmp.closed;
      expect(rtmp.statuses()).toContain('1:NetStream.Play.Failed');
      for (const c of viewers) c.abort();
      pub.child.kill('SIGKILL');
    } finally {
      await limited.stop(500);
    }
  });

  it('replaces a worker that died; the new one serves viewers', async () => {
    const before = (await workers())[1]!;
    process.kill(before.pid, 'SIGKILL');
    await until(async () => {
      const w = (await workers())[1];
      return w !== undefined && w.pid !== before.pid && w.ready;
    }, 'a new worker');
    const pub = publishFlv(media.file, rtmpUrl(server, '/live/again'), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'again')?.publisher !== undefined, 10_000, 'the publisher');
    // Two viewers: one goes to the new worker; both decode the stream.
    const flvUrl = url(server, 'httpflv', '/live/again.flv');
    const probes = [probeFrames(flvUrl), probeFrames(flvUrl)];
    await until(
      async () => (await workers()).every((w) => w.connections === 1),
      'one viewer in each process',
    );
    for (const f of await Promise.all(probes)) expect(f.video).toBeGreaterThan(25);
    await pub.done;
  });
});

describe('workers: 2, worker_load_pct 50', () => {
  it('keeps viewers here while this process is not busy; once it is, starts the worker and spreads them', async () => {
    const own = await startServer({ workers: 2, rtmpNoauth: true, level: 'silent' });
    const info = async () => {
      const res = await fetch(url(own, 'api', '/stat/workers'));
      return ((await res.json()) as { data: { workers: (WorkerInfo & { load: number })[] } }).data.workers;
    };
    let burn: ReturnType<typeof setInterval> | undefined;
    try {
      const pub = publishFlv(media.file, rtmpUrl(own, '/live/load'), { realtime: true });
      await waitFor(() => own.hub.stream('live', 'load')?.publisher !== undefined, 10_000, 'the publisher');
      const flvUrl = url(own, 'httpflv', '/live/load.flv');
      const first = [new AbortController(), new AbortController()];
      await Promise.all(first.map((c) => fetch(flvUrl, { signal: c.signal })));
      // Not busy: both stay here and no worker was started.
      let w = await info();
      expect(w.map((x) => [x.worker, x.connections])).toEqual([[0, 2]]);
      // This test shares the server's event loop: keeping it ~80 % busy makes the server busy.
      burn = setInterval(() => {
        const end = Date.now() + 400;
        while (Date.now() < end) {}
      }, 500);
      await until(async () => {
        w = await info();
        // Past 50 with a margin: the load shown is rounded.
        return w.length === 2 && w[1]!.ready && w[0]!.load >= 60;
      }, 'the worker started and this process busy');
      const more = [new AbortController(), new AbortController()];
      await Promise.all(more.map((c) => fetch(flvUrl, { signal: c.signal })));
      w = await info();
      expect(w[1]!.connections).toBe(2);
      clearInterval(burn);
      burn = undefined;
      for (const c of [...first, ...more]) c.abort();
      pub.child.kill('SIGKILL');
    } finally {
      if (burn !== undefined) clearInterval(burn);
      await own.stop(500);
    }
  });
});
