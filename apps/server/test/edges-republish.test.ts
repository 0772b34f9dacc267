/**
 * Issue 11 item 3: a publisher that leaves and comes back is invisible to its players when it is back
 * within unpublishGraceMs, and a player still draining when the publisher returns goes on to it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demuxFlv, type FlvTag } from '@livego/flv';
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
import { killAll, publishFlv, rtmpUrl, start, url, waitFor } from './helpers.js';
import { makeFlv, type TestMedia } from './media.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: LivegoServer;
let logs: LogLine[];
let first: TestMedia;
let second: TestMedia;

beforeAll(async () => {
  [first, second] = await Promise.all([makeFlv(6), makeFlv(3, 'aac', 'testsrc2')]);
  ({ server, logs } = await startServerWithLog({
    rtmpNoauth: true,
    playerWaitSec: 2,
    unpublishGraceMs: 8000,
  }));
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  first?.cleanup();
  second?.cleanup();
});

async function publisher(room: string): Promise<RtmpClient> {
  const c = new RtmpClient({ url: rtmpUrl(server, `/live/${room}`), mode: 'publish' });
  await c.ready;
  c.session.publishVideo(0, AVC_SEQUENCE_HEADER);
  c.flush();
  return c;
}

describe('a publisher that leaves and returns', () => {
  it('keeps a player that is still draining, and it goes on to the new publisher', async () => {
    const a = await publisher('drain');
    const player = new SpyPlayer(server.address().rtmp!.port, '/live/drain');
    await player.until(
      () => player.statuses().some((s) => s.endsWith('NetStream.Play.Start')),
      15_000,
      'play',
    );
    const startCount = player.statuses().length;
    // The player stops reading while A sends 12 MB: most of it is still queued when A leaves.
    player.socket.pause();
    const FRAMES = 80;
    for (let i = 1; i <= FRAMES; i++) {
      a.session.publishVideo(i * 40, syntheticKeyframe(150_000, 0xa0, i));
      a.flush();
    }
    const stream = server.hub.stream('live', 'drain')!;
    await waitFor(() => stream.stats.videoPackets === FRAMES + 1, 20_000, 'A ingested');
    const sub = [...stream.subscribers][0]!;
    a.close();
    await waitFor(() => stream.publisher === undefined, 10_000, 'A to leave');
    expect(sub.queuedPackets).toBeGreaterThan(0); // still draining

    const b = await publisher('drain');
    let seq = 0;
    const timer = setInterval(() => {
      seq++;
      b.session.publishVideo(seq * 40, syntheticKeyframe(2000, 0xb0, seq));
      b.flush();
    }, 40);
    try {
      player.socket.resume();
      const fromB = () => player.media.filter((m) => frameMark(m.payload)?.marker === 0xb0).length;
      await player.until(() => fromB() >= 25, 30_000, 'frames from B');
      // Past playerWaitSec (2 s) after the drain: a pending end would have closed it by now.
      const before = fromB();
      await sleep(4000);
      expect(player.isClosed).toBe(false);
      expect(fromB()).toBeGreaterThan(before);
      // B was back within the grace: the player was told nothing at all.
      expect(player.statuses().slice(startCount)).toEqual([]);
      expect(player.userControl).not.toContain('streamEof');
      expect(reasons(logs, /no publisher/)).toEqual([]);
      // A's queued frames came first, all of them, then B's.
      const marks = player.media.map((m) => frameMark(m.payload)).filter((m) => m !== undefined);
      const firstB = marks.findIndex((m) => m.marker === 0xb0);
      expect(marks.slice(0, firstB).map((m) => m.seq)).toEqual(
        Array.from({ length: FRAMES }, (_, i) => i + 1),
      );
      expect(marks.slice(firstB).every((m) => m.marker === 0xb0)).toBe(true);
    } finally {
      clearInterval(timer);
      b.close();
      player.close();
    }
  });

  it('keeps ffmpeg RTMP, HTTP-FLV and a WS-FLV player across a publisher killed and back 0.5 s later', async () => {
    const room = 'again';
    const pubA = publishFlv(first.file, rtmpUrl(server, `/live/${room}`), { realtime: true });
    await waitFor(() => server.hub.stream('live', room)?.publisher !== undefined, 15_000, 'publisher A');
    const rtmpOut = join(first.dir, 'rtmp-player.flv');
    const httpOut = join(first.dir, 'http-player.flv');
    const copy = (input: string, out: string) =>
      start('ffmpeg', ['-v', 'error', '-i', input, '-c', 'copy', '-f', 'flv', '-y', out], 90_000);
    const rtmpPlayer = copy(rtmpUrl(server, `/live/${room}`), rtmpOut);
    const httpPlayer = copy(url(server, 'httpflv', `/live/${room}.flv`), httpOut);
    const ws = new WebSocket(`ws://127.0.0.1:${server.address().httpflv!.port}/live/${room}.flv`);
    ws.on('error', () => {});
    const wsChunks: Buffer[] = [];
    ws.on('message', (m: Buffer) => wsChunks.push(m));
    const wsClosed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
    const stream = server.hub.stream('live', room)!;
    await waitFor(() => stream.subscribers.size === 3, 15_000, 'three players');
    const atJoin = stream.stats.videoPackets;
    await waitFor(() => stream.stats.videoPackets >= atJoin + 25, 15_000, 'a second of A');
    pubA.child.kill('SIGKILL');
    await pubA.done;
    await waitFor(() => stream.publisher === undefined, 10_000, 'A to leave');
    await sleep(500);
    const pubB = publishFlv(second.file, rtmpUrl(server, `/live/${room}`), { realtime: true });
    // Looked up again: a stream nobody holds is gone from the hub.
    await waitFor(() => server.hub.stream('live', room)?.publisher !== undefined, 15_000, 'publisher B');
    expect(rtmpPlayer.child.exitCode).toBeNull();
    expect(httpPlayer.child.exitCode).toBeNull();
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect((await pubB.done).code).toBe(0);
    // B's end is the end: after the grace both players are ended and exit.
    const [r, h] = await Promise.all([rtmpPlayer.done, httpPlayer.done]);
    expect(r.stderr).toBe('');
    expect(h.stderr).toBe('');
    expect(await wsClosed).toBe(1000);
    const wsOut = join(first.dir, 'ws-player.flv');
    writeFileSync(wsOut, Buffer.concat(wsChunks));

    const inB = new Set(videoFrames(second.tags).map(key));
    const inA = new Set(videoFrames(first.tags).map(key));
    for (const out of [rtmpOut, httpOut, wsOut]) {
      const frames = videoFrames(demuxFlv(readFileSync(out)));
      const fromA = frames.filter((t) => inA.has(key(t))).length;
      const fromB = frames.filter((t) => inB.has(key(t))).length;
      expect(fromA, out).toBeGreaterThanOrEqual(25);
      // Every frame of B (ffmpeg -re may not send its last one before it closes).
      expect(fromB, out).toBeGreaterThanOrEqual(second.videoFrames - 3);
      const ts = frames.map((t) => t.timestampMs);
      expect(
        ts.every((t, i) => i === 0 || t >= ts[i - 1]!),
        `${out}: timestamps go forward`,
      ).toBe(true);
    }
  });
});

function videoFrames(tags: FlvTag[]): FlvTag[] {
  return tags.filter((t) => t.type === 9 && t.data[1] === 1);
}

/** A frame's identity: its coded bytes after the 5-byte FLV video header. */
function key(t: FlvTag): string {
  return Buffer.from(t.data.subarray(5)).toString('base64');
}
