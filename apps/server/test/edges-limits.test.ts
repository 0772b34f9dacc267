/**
 * Issue 11, every peer cut off in time: the RTMP handshake and start timeouts, the RTMP session
 * limits from the config, and the hub's viewer and stream limits. Each bad peer gets a clear error
 * and is closed, its limit is logged once, and a good stream plays on meanwhile.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LivegoServer } from '../src/index.js';
import { RtmpClient } from '../src/rtmp-client.js';
import {
  AVC_SEQUENCE_HEADER,
  frameMark,
  type LogLine,
  reasons,
  SpyPlayer,
  startServerWithLog,
  syntheticKeyframe,
} from './edges-helpers.js';
import { rtmpUrl, url, waitFor } from './helpers.js';

let server: LivegoServer;
let logs: LogLine[];
let pub: RtmpClient;
let ticker: ReturnType<typeof setInterval>;
let sent = 0;
let good: SpyPlayer;

beforeAll(async () => {
  ({ server, logs } = await startServerWithLog({
    rtmpNoauth: true,
    handshakeTimeoutSec: 1,
    startTimeoutSec: 2,
    maxChunkSize: 65_536,
    maxStreamsPerConnection: 2,
    amfMaxElements: 100,
    maxViewersPerStream: 2,
  }));
  // The good stream: 25 frames a second for the whole file, and one viewer that must get each of them.
  pub = new RtmpClient({ url: rtmpUrl(server, '/live/good'), mode: 'publish' });
  await pub.ready;
  pub.session.publishVideo(0, AVC_SEQUENCE_HEADER);
  pub.flush();
  ticker = setInterval(() => {
    sent++;
    pub.session.publishVideo(sent * 40, syntheticKeyframe(4000, 0x60, sent));
    pub.flush();
  }, 40);
  good = new SpyPlayer(server.address().rtmp!.port, '/live/good');
  await good.until(
    () => good.media.some((m) => frameMark(m.payload) !== undefined),
    15_000,
    'the good viewer',
  );
});
afterAll(async () => {
  clearInterval(ticker);
  good?.close();
  pub?.close();
  await server?.stop(500);
});

/** The good viewer got every frame from its first on, in order, up to the latest sent. */
async function expectGoodViewerWhole(): Promise<void> {
  const target = sent;
  await good.until(
    () => good.media.some((m) => frameMark(m.payload)?.seq === target),
    15_000,
    `frame ${target} at the good viewer`,
  );
  const seqs = good.media.map((m) => frameMark(m.payload)?.seq).filter((s) => s !== undefined);
  expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
  expect(good.isClosed).toBe(false);
}

/** Log lines for `re` from the session that closed (one per peer, whatever it sent after). */
function onceFor(re: RegExp): LogLine {
  const lines = reasons(logs, re);
  expect(lines.map((l) => l.reason)).toHaveLength(1);
  return lines[0]!;
}

describe('RTMP time limits', () => {
  it('closes a peer that does not complete the handshake within handshakeTimeoutSec', async () => {
    const s = connect(server.address().rtmp!.port, '127.0.0.1');
    s.on('error', () => {});
    s.write(Uint8Array.of(0x03)); // C0, then nothing
    await new Promise<void>((resolve) => s.on('close', () => resolve()));
    onceFor(/^no handshake within 1 s$/);
    await expectGoodViewerWhole();
  });

  it('closes a peer that neither publishes nor plays within startTimeoutSec', async () => {
    const idle = new SpyPlayer(server.address().rtmp!.port, '/live/good', { handshakeOnly: true });
    await idle.closed;
    onceFor(/^no publish or play within 2 s$/);
    expect(reasons(logs, /no data for/)).toEqual([]);
    await expectGoodViewerWhole();
  });
});

describe('RTMP session limits from the config', () => {
  it('closes a peer that sets a chunk size over maxChunkSize', async () => {
    const big = new SpyPlayer(server.address().rtmp!.port, '/live/good', { chunkSize: 1_000_000 });
    await big.closed;
    onceFor(/1000000.*65536/);
    await expectGoodViewerWhole();
  });

  it('refuses a createStream past maxStreamsPerConnection and closes the peer', async () => {
    const p = new SpyPlayer(server.address().rtmp!.port, '/live/good');
    await p.until(() => p.statuses().includes('1:NetStream.Play.Start'), 15_000, 'play');
    p.command(0, 'createStream', [], 50);
    p.command(0, 'createStream', [], 51);
    await p.closed;
    expect(p.commands.find((c) => c.transactionId === 50)?.name).toBe('_result');
    expect(p.commands.find((c) => c.transactionId === 51)?.name).toBe('_error');
    onceFor(/maxStreams is 2/);
    await expectGoodViewerWhole();
  });

  it('closes a peer whose command holds more AMF values than amfMaxElements', async () => {
    const p = new SpyPlayer(server.address().rtmp!.port, '/live/good');
    await p.until(() => p.statuses().includes('1:NetStream.Play.Start'), 15_000, 'play');
    p.command(0, 'flood', [Array.from({ length: 500 }, (_, i) => i)]);
    await p.closed;
    onceFor(/\b100\b/);
    await expectGoodViewerWhole();
  });
});

describe('viewers per stream (maxViewersPerStream 2)', () => {
  it('refuses a third viewer on RTMP with NetStream.Play.Failed, on HTTP-FLV with 503, on WS-FLV with 1013', async () => {
    // The good viewer is the first; an HTTP-FLV viewer is the second.
    const second = new AbortController();
    const res = await fetch(url(server, 'httpflv', '/live/good.flv'), { signal: second.signal });
    expect(res.status).toBe(200);
    try {
      await waitFor(() => server.hub.stream('live', 'good')?.subscribers.size === 2, 10_000, 'two viewers');
      const third = new SpyPlayer(server.address().rtmp!.port, '/live/good');
      await third.closed;
      const failed = third.commands.find((c) => c.name === 'onStatus' && c.streamId === 1)!;
      expect(failed.args[0]).toMatchObject({ level: 'error', code: 'NetStream.Play.Failed' });
      expect(String((failed.args[0] as { description?: unknown }).description)).toMatch(/limit is 2/);
      expect(third.media).toEqual([]);
      onceFor(/^play refused: .*limit is 2/);

      const refused = await fetch(url(server, 'httpflv', '/live/good.flv'));
      expect(refused.status).toBe(503);
      expect(await refused.text()).toMatch(/limit is 2/);

      const ws = new WebSocket(`ws://127.0.0.1:${server.address().httpflv!.port}/live/good.flv`);
      ws.on('error', () => {});
      let wsBytes = 0;
      ws.on('message', (m: Buffer) => {
        wsBytes += m.length;
      });
      const [code, reason] = await new Promise<[number, string]>((resolve) =>
        ws.on('close', (c: number, r: Buffer) => resolve([c, r.toString()])),
      );
      expect(code).toBe(1013);
      expect(reason).toMatch(/limit is 2/);
      expect(wsBytes).toBe(0);
      expect(server.hub.stream('live', 'good')?.subscribers.size).toBe(2);
    } finally {
      second.abort();
    }
    await expectGoodViewerWhole();
  });
});

describe('streams in total (maxStreams 2)', () => {
  it('refuses a publish of a third stream and closes the publisher; the two others go on', async () => {
    const { server: small, logs: smallLogs } = await startServerWithLog({ rtmpNoauth: true, maxStreams: 2 });
    try {
      const a = new RtmpClient({ url: rtmpUrl(small, '/live/a'), mode: 'publish' });
      const b = new RtmpClient({ url: rtmpUrl(small, '/live/b'), mode: 'publish' });
      await Promise.all([a.ready, b.ready]);
      const c = new RtmpClient({ url: rtmpUrl(small, '/live/c'), mode: 'publish' });
      await expect(c.ready).rejects.toThrow(/NetStream\.Publish\.BadName.*limit is 2/);
      await c.closed;
      expect(reasons(smallLogs, /^publish refused: .*limit is 2/)).toHaveLength(1);
      // A player of a fourth stream is refused the same way.
      const p = new SpyPlayer(small.address().rtmp!.port, '/live/d');
      await p.closed;
      expect(p.statuses()).toEqual(['1:NetStream.Play.Failed']);
      expect(
        small.hub
          .streams()
          .map((s) => s.key)
          .sort(),
      ).toEqual(['live/a', 'live/b']);
      expect(small.hub.stream('live', 'a')?.publisher).toBeDefined();
      a.close();
      b.close();
    } finally {
      await small.stop(500);
    }
  });
});
