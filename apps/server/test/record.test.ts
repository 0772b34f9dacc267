import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type LivegoServer } from '../src/index.js';
import { recordingPath } from '../src/record.js';
import { channelKey, killAll, publishFlv, rtmpUrl, run, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let media: TestMedia;
let dir: string;
const servers: LivegoServer[] = [];

/** A server whose log lines the test can read. */
async function serverWithLog(flvDir: string): Promise<{ server: LivegoServer; lines: () => string[] }> {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const server = createServer(
    {
      workers: 1,
      rtmpAddr: '127.0.0.1:0',
      httpflvAddr: '127.0.0.1:0',
      hlsAddr: '127.0.0.1:0',
      apiAddr: '127.0.0.1:0',
      flvArchive: true,
      flvDir,
    },
    { logger: pino({ level: 'info' }, sink) },
  );
  servers.push(server);
  await server.start();
  return { server, lines: () => out };
}

beforeAll(async () => {
  media = await makeFlv(3);
  dir = mkdtempSync(join(tmpdir(), 'livego-record-'));
});
afterAll(async () => {
  killAll();
  await Promise.all(servers.map((s) => s.stop(500)));
  media?.cleanup();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('FLV recording (flv_archive)', () => {
  it('names files as livego does, inside flv_dir/APP even for odd room names', () => {
    expect(recordingPath('tmp', 'live', 'movie', 1700000000)).toBe('tmp/live/movie_1700000000.flv');
    expect(recordingPath('/r', 'live', '../../etc/x', 1)).toBe('/r/live/..%2F..%2Fetc%2Fx_1.flv');
  });

  it('writes each publish to flv_dir/APP/ROOM_TIME.flv as it comes, closed at the end, with every frame', async () => {
    const flvDir = join(dir, 'ok');
    const { server, lines } = await serverWithLog(flvDir);
    const key = await channelKey(server, 'movie');
    const before = Math.floor(Date.now() / 1000);
    const first = publishFlv(media.file, rtmpUrl(server, `/live/${key}`), { realtime: true });
    await waitFor(() => server.recorder!.recordings.size === 1, 10_000, 'the recording');
    const firstPath = server.recorder!.recordings.get('live/movie')!.path;
    // Streamed: the file grows while the publisher is live.
    await waitFor(
      () => (statSync(firstPath, { throwIfNoEntry: false })?.size ?? 0) > 50_000,
      10_000,
      'bytes on disk',
    );
    await new Promise((r) => setTimeout(r, 500));
    // A second publisher takes the room over: a new publish, a new file; the first one is closed.
    const second = publishFlv(media.file, rtmpUrl(server, `/live/${key}`));
    expect((await first.done).code).not.toBe(0);
    expect((await second.done).code).toBe(0);
    await waitFor(() => server.recorder!.recordings.size === 0, 10_000, 'the recordings to close');
    const after = Math.floor(Date.now() / 1000);
    const files = readdirSync(join(flvDir, 'live')).sort();
    expect(files).toHaveLength(2); // a suffix when both started in the same second
    const counts = [];
    for (const f of files) {
      const m = /^movie_(\d+)(_1)?\.flv$/.exec(f);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(before);
      expect(Number(m![1])).toBeLessThanOrEqual(after);
      const c = await probeFrames(join(flvDir, 'live', f));
      expect(c.stderr).toBe('');
      expect([c.width, c.height]).toEqual([320, 240]);
      counts.push({ path: join(flvDir, 'live', f), ...c });
    }
    const firstCounts = counts.find((c) => c.path === firstPath)!;
    const secondCounts = counts.find((c) => c.path !== firstPath)!;
    expect(firstCounts.video).toBeGreaterThan(0);
    expect(firstCounts.video).toBeLessThan(media.videoFrames);
    expect(secondCounts.video).toBe(media.videoFrames);
    expect(media.audioFrames - secondCounts.audio).toBeLessThanOrEqual(1); // audio before the first keyframe
    expect(lines().filter((l) => l.includes('"recording closed"'))).toHaveLength(2);
    expect(lines().join('\n')).not.toContain(key); // the secret key never names a file or a log line
  });

  it('a disk error stops the recording, not the stream or its viewers', async () => {
    const flvDir = join(dir, 'not-a-dir');
    writeFileSync(flvDir, 'a file where the directory should be');
    const { server, lines } = await serverWithLog(flvDir);
    const key = await channelKey(server, 'broken');
    const pub = publishFlv(media.file, rtmpUrl(server, `/live/${key}`), { realtime: true });
    await waitFor(
      () => server.hub.stream('live', 'broken')?.publisher !== undefined,
      10_000,
      'the publisher',
    );
    const viewer = probeFrames(url(server, 'httpflv', '/live/broken.flv'));
    await waitFor(
      () => lines().some((l) => l.includes('recording failed')),
      10_000,
      'the recording error to be logged',
    );
    const failure = JSON.parse(lines().find((l) => l.includes('recording failed'))!) as { code?: string };
    expect(['ENOTDIR', 'EEXIST']).toContain(failure.code);
    expect(server.recorder!.recordings.size).toBe(0);
    expect(server.hub.stream('live', 'broken')?.publisher).toBeDefined(); // the stream goes on
    expect((await pub.done).code).toBe(0);
    const counts = await viewer;
    expect(counts.video).toBeGreaterThanOrEqual(media.videoFrames - 2 * 25);
    expect(counts.video % 25).toBe(media.videoFrames % 25);
    expect(statSync(flvDir).isFile()).toBe(true);
  });

  it('a disk that fills up mid-stream ends the recording with ENOSPC; the stream goes on', async (ctx) => {
    const flvDir = join(dir, 'small');
    mkdirSync(flvDir);
    // A 64 KiB disk: needs root (as CI runs); skipped where mounting is not allowed.
    const mount = await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', flvDir]);
    if (mount.code !== 0) ctx.skip();
    try {
      const { server, lines } = await serverWithLog(flvDir);
      const key = await channelKey(server, 'full');
      const pub = publishFlv(media.file, rtmpUrl(server, `/live/${key}`), { realtime: true });
      await waitFor(
        () => server.hub.stream('live', 'full')?.publisher !== undefined,
        10_000,
        'the publisher',
      );
      const viewer = probeFrames(url(server, 'httpflv', '/live/full.flv'));
      await waitFor(() => lines().some((l) => l.includes('recording failed')), 10_000, 'the disk error');
      const failure = JSON.parse(lines().find((l) => l.includes('recording failed'))!) as { code?: string };
      expect(failure.code).toBe('ENOSPC');
      expect(server.recorder!.recordings.size).toBe(0);
      expect((await pub.done).code).toBe(0);
      const counts = await viewer;
      expect(counts.video).toBeGreaterThanOrEqual(media.videoFrames - 2 * 25);
      expect(counts.video % 25).toBe(media.videoFrames % 25);
      await server.stop(500);
    } finally {
      await run('umount', [flvDir]);
    }
  });
});
