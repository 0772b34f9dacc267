import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { channelKey, killAll, publishFlv, rtmpUrl, run, startServer, waitFor } from './helpers.js';
import { probeFrames } from './media.js';

// Incompressible video (~9 MB/s) so that a viewer that stops reading fills the kernel's socket
// buffers within a fraction of a second and the server's own bound is what is tested.
// Big enough that the good viewer never overflows on a loaded machine (a 0.9 s hiccup), small enough that
// the stalled one is dropped while the 6 s stream is still live.
const QUEUE_BYTES = 8 * 1024 * 1024;
let server: LivegoServer;
let dir: string;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'livego-slow-'));
  file = join(dir, 'noise.flv');
  const r = await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'nullsrc=s=640x360:r=25,geq=random(1)*255:128:128',
    '-t',
    '6',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-qp',
    '0',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'flv',
    file,
  ]);
  expect(r.code).toBe(0);
  server = await startServer({ viewerQueueBytes: QUEUE_BYTES, viewerQueueMs: 3000, viewerMaxLagMs: 2000 });
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  rmSync(dir, { recursive: true, force: true });
});

describe('a viewer that stops reading', () => {
  it('stays under its bound, is dropped in time, and the other viewers keep every frame', async () => {
    const key = await channelKey(server, 'noise');
    const good = probeFrames(rtmpUrl(server, '/live/noise'));
    await waitFor(
      () => (server.hub.stream('live', 'noise')?.subscribers.size ?? 0) === 1,
      10_000,
      'the good viewer',
    );
    // Counts the coded video frames the server ingests (an in-process consumer, like the HLS segmenter).
    let framesIngested = 0;
    const counter = server.hub.subscribe(
      'live',
      'noise',
      { id: 'frame-counter', kind: 'test', internal: true },
      {
        form: { id: 'none', encode: (p) => p.payload },
        onData: () => {
          for (const p of counter.takePackets()) {
            if (p.kind === 'video' && !p.sequenceHeader && p.payload[1] === 1) framesIngested++;
          }
        },
        onEnd() {},
      },
    );
    const pub = publishFlv(file, rtmpUrl(server, `/live/${key}`), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'noise')?.publisher !== undefined, 10_000, 'the publisher');

    // An HTTP-FLV client that reads the response headers, then never reads again.
    const port = server.address().httpflv!.port;
    const stalled = connect(port, '127.0.0.1');
    stalled.write('GET /live/noise.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((r) => stalled.once('data', r));
    stalled.pause();
    const stalledClosed = new Promise<void>((resolve) => stalled.on('close', () => resolve()));
    stalled.on('error', () => {});

    const stream = server.hub.stream('live', 'noise')!;
    const sub = [...stream.subscribers].find((s) => s.kind === 'http-flv')!;
    const goodSub = [...stream.subscribers].find((s) => s.kind === 'rtmp')!;
    let maxQueued = 0;
    const sampler = setInterval(() => {
      maxQueued = Math.max(maxQueued, sub.queuedByteCount);
    }, 5);
    const startedAt = Date.now();
    await waitFor(() => sub.closed, 10_000, 'the stalled viewer to be dropped');
    const closedAt = Date.now();
    clearInterval(sampler);
    expect(server.address().httpflv).toBeDefined();
    // The server closed the connection: once the client reads again it sees the end.
    stalled.resume();
    await stalledClosed;
    expect(sub.closed).toBe(true);
    expect(sub.stats.overflows).toBeGreaterThan(0);
    // The bound, plus the largest single frame that may tip it over.
    expect(maxQueued).toBeLessThanOrEqual(QUEUE_BYTES + 1024 * 1024);
    // Dropped while the stream is still live (6 s), not at its end.
    expect(closedAt - startedAt).toBeLessThan(5500);
    expect(pub.child.exitCode).toBeNull();

    expect((await pub.done).code).toBe(0);
    const counts = await good;
    // The server handed the good viewer every video byte it ingested, nothing skipped, and ffprobe decoded
    // every frame of it.
    expect(goodSub.stats.overflows).toBe(0);
    expect(goodSub.stats.droppedPackets).toBe(0);
    expect(goodSub.stats.videoPayloadBytesOut).toBe(stream.stats.videoBytes);
    expect(counts.stderr).toBe('');
    expect(counts.video).toBe(framesIngested);
    // ffmpeg -re does not always send its last 360 KB frame before it closes on a loaded machine (seen once
    // in seven loaded runs: the server never received it), and never sends the file's end-of-sequence tag.
    expect(framesIngested).toBeGreaterThanOrEqual(149);
  });
});
