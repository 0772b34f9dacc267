/**
 * Issue 11, non-reading players: a viewer whose socket accepts nothing is closed write_timeout after
 * its writes stall, on RTMP, HTTP-FLV and WebSocket-FLV alike, while a good viewer gets every frame.
 * (slow-viewer.test.ts covers the other way out: the queue bound, with huge frames and a long timeout.)
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LivegoServer } from '../src/index.js';
import {
  floodPublisher,
  frameMark,
  type LogLine,
  reasons,
  SpyPlayer,
  startServerWithLog,
} from './edges-helpers.js';
import { waitFor } from './helpers.js';

let server: LivegoServer;
let logs: LogLine[];
let flood: Awaited<ReturnType<typeof floodPublisher>>;

beforeAll(async () => {
  ({ server, logs } = await startServerWithLog({
    rtmpNoauth: true,
    writeTimeoutSec: 3,
    // Bounds no test reaches: only the write timeout may close a viewer here.
    viewerQueueBytes: 512 * 1024 * 1024,
    viewerQueueMs: 600_000,
    viewerMaxLagMs: 600_000,
  }));
  flood = await floodPublisher(server, '/live/wt', 0x70);
});
afterAll(async () => {
  flood?.stop();
  flood?.client.close();
  await server?.stop(500);
});

describe('a player that stops reading', () => {
  it('is closed for its write timeout on RTMP, HTTP-FLV and WebSocket-FLV; a good viewer gets every frame', async () => {
    const port = server.address().rtmp!.port;
    const flvPort = server.address().httpflv!.port;
    const good = new SpyPlayer(port, '/live/wt');
    await good.until(
      () => good.media.some((m) => frameMark(m.payload) !== undefined),
      15_000,
      'the good viewer',
    );

    // RTMP: plays, then never reads again.
    const rtmp = new SpyPlayer(port, '/live/wt');
    await rtmp.until(() => rtmp.statuses().includes('1:NetStream.Play.Start'), 15_000, 'play');
    rtmp.socket.pause();

    // HTTP-FLV: reads the response head, then never reads again.
    const http = connect(flvPort, '127.0.0.1');
    http.on('error', () => {});
    const httpClosed = new Promise<void>((resolve) => http.on('close', () => resolve()));
    http.write('GET /live/wt.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((r) => http.once('data', r));
    http.pause();

    // WebSocket-FLV: opens, then never reads again.
    const ws = new WebSocket(`ws://127.0.0.1:${flvPort}/live/wt.flv`);
    ws.on('error', () => {});
    const wsClosed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    await new Promise((r) => ws.once('open', r));
    ws.pause();

    const stream = server.hub.stream('live', 'wt')!;
    expect(stream.subscribers.size).toBe(4);
    const timeouts = () => reasons(logs, /^write timeout: \d+ bytes unsent for 3000 ms$/);
    const kinds = () =>
      timeouts()
        .map((l) => String(l.session).split('-')[0])
        .sort();
    await waitFor(() => kinds().length === 3, 25_000, 'the three stalled viewers to be closed');
    expect(kinds()).toEqual(['http', 'rtmp', 'ws']);
    expect(new Set(timeouts().map((l) => l.session)).size).toBe(3); // once per peer
    expect(stream.subscribers.size).toBe(1);
    expect(reasons(logs, /too-slow/)).toEqual([]);

    // Each stalled client, reading again, finds its connection closed.
    rtmp.socket.resume();
    http.resume();
    ws.resume();
    await Promise.all([rtmp.closed, httpClosed, wsClosed]);

    // The good viewer got every frame from its first, in order, up to the latest sent.
    const last = flood.sent();
    await good.until(
      () => good.media.some((m) => frameMark(m.payload)?.seq === last),
      20_000,
      `frame ${last}`,
    );
    const seqs = good.media.map((m) => frameMark(m.payload)?.seq).filter((s) => s !== undefined);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    const goodSub = [...stream.subscribers][0]!;
    expect(goodSub.stats.droppedPackets).toBe(0);
    expect(good.isClosed).toBe(false);
    good.close();
  });
});
