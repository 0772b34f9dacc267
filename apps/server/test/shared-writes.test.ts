/**
 * The shared path over real sockets: caught-up RTMP, HTTP-FLV and WebSocket-FLV viewers get each
 * window of the stream in one write; a viewer that stops reading falls off the path, drains its own
 * queue when it reads again and comes back; every viewer gets every frame once, in order.
 */
import { demuxFlv } from '@livego/flv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LivegoServer } from '../src/index.js';
import { floodPublisher, frameMark, SpyPlayer, startServerWithLog } from './edges-helpers.js';
import { url, waitFor } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: LivegoServer;
let flood: Awaited<ReturnType<typeof floodPublisher>>;

beforeAll(async () => {
  ({ server } = await startServerWithLog({
    rtmpNoauth: true,
    mergeWriteMs: 50,
    // Bounds no test reaches: a stalled viewer must come back whole, not skip.
    viewerQueueBytes: 512 * 1024 * 1024,
    viewerQueueMs: 600_000,
    viewerMaxLagMs: 600_000,
  }));
  flood = await floodPublisher(server, '/live/shared', 0x53);
});
afterAll(async () => {
  flood?.stop();
  flood?.client.close();
  await server?.stop(500);
});

/** Frame numbers in arrival order; each must follow the one before. */
function expectContiguous(seqs: number[], who: string): void {
  expect(seqs.length, who).toBeGreaterThan(50);
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] !== seqs[i - 1]! + 1) expect.fail(`${who}: frame ${seqs[i]} after ${seqs[i - 1]}`);
  }
}

describe('shared windowed writes', () => {
  it('delivers every frame in order on the shared path; a stalled viewer falls off and comes back', async () => {
    const rtmpPort = server.address().rtmp!.port;
    const stream = server.hub.stream('live', 'shared')!;
    const players = [0, 1, 2].map(() => new SpyPlayer(rtmpPort, '/live/shared'));
    const slow = new SpyPlayer(rtmpPort, '/live/shared');

    const http = new AbortController();
    const httpChunks: Uint8Array[] = [];
    const httpDone = fetch(url(server, 'httpflv', '/live/shared.flv'), { signal: http.signal })
      .then(async (res) => {
        for await (const c of res.body!) httpChunks.push(c);
      })
      .catch(() => {});

    const ws = new WebSocket(`ws://127.0.0.1:${server.address().httpflv!.port}/live/shared.flv`);
    ws.on('error', () => {});
    const wsChunks: Buffer[] = [];
    ws.on('message', (m: Buffer) => wsChunks.push(m));

    await waitFor(() => stream.subscribers.size === 6, 15_000, 'six viewers');
    await waitFor(() => stream.sharedViewers === 6, 15_000, 'all six on the shared path');

    slow.socket.pause();
    await waitFor(() => stream.sharedViewers === 5, 20_000, 'the stalled viewer off the path');
    const pausedAt = slow.media.length;
    await sleep(500);
    expect(stream.sharedViewers).toBe(5);
    slow.socket.resume();
    await waitFor(() => stream.sharedViewers === 6, 20_000, 'the stalled viewer back on the path');
    expect(slow.media.length).toBeGreaterThan(pausedAt);
    await sleep(1000);

    flood.stop();
    const last = flood.sent();
    const seqsOf = (payloads: Uint8Array[]) =>
      payloads.map((p) => frameMark(p)).flatMap((m) => (m?.marker === 0x53 ? [m.seq] : []));
    for (const p of [...players, slow]) {
      await p.until(() => seqsOf(p.media.map((m) => m.payload)).at(-1) === last, 15_000, `frame ${last}`);
    }
    await waitFor(
      () => seqsOf(demuxFlv(concat(httpChunks)).map((t) => t.data)).at(-1) === last,
      15_000,
      'HTTP-FLV',
    );
    await waitFor(
      () => seqsOf(demuxFlv(concat(wsChunks)).map((t) => t.data)).at(-1) === last,
      15_000,
      'WS-FLV',
    );

    players.forEach((p, i) => {
      expectContiguous(seqsOf(p.media.map((m) => m.payload)), `rtmp ${i}`);
    });
    expectContiguous(seqsOf(slow.media.map((m) => m.payload)), 'stalled rtmp');
    expectContiguous(seqsOf(demuxFlv(concat(httpChunks)).map((t) => t.data)), 'http-flv');
    expectContiguous(seqsOf(demuxFlv(concat(wsChunks)).map((t) => t.data)), 'ws-flv');
    // Nobody skipped: the stalled viewer came back through its own queue, whole.
    for (const sub of stream.subscribers) expect(sub.stats.overflows).toBe(0);

    for (const p of [...players, slow]) p.close();
    http.abort();
    ws.close();
    await httpDone;
  });
});

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}
