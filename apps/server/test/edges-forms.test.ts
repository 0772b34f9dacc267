/**
 * Issue 11 item 2 (server part): RTMP output forms are held only while a viewer uses them, and a client
 * playing on many stream ids (or on one it never created) does not hold up a good viewer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldFormCount } from '../src/forms.js';
import type { LivegoServer } from '../src/index.js';
import { RtmpClient } from '../src/rtmp-client.js';
import { AVC_SEQUENCE_HEADER, SpyPlayer, startServerWithLog, syntheticKeyframe } from './edges-helpers.js';
import { killAll, publishFlv, rtmpUrl, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let server: LivegoServer;
let media: TestMedia;

beforeAll(async () => {
  media = await makeFlv(4);
  ({ server } = await startServerWithLog({ rtmpNoauth: true, playerWaitSec: 30 }));
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  media?.cleanup();
});

/** The stream ids `createStream` answered, in order of the requests with transaction ids `txns`. */
function created(p: SpyPlayer, txns: number[]): number[] {
  return txns.map((t) => {
    const r = p.commands.find((c) => c.name === '_result' && c.transactionId === t);
    return typeof r?.args[0] === 'number' ? r.args[0] : Number.NaN;
  });
}

/** Creates `n` more streams on the player's connection and plays `name` on each; returns their ids. */
async function playOnMore(p: SpyPlayer, n: number, name: string): Promise<number[]> {
  const txns = Array.from({ length: n }, (_, i) => 100 + i);
  for (const t of txns) p.command(0, 'createStream', [], t);
  await p.until(() => created(p, txns).every((id) => !Number.isNaN(id)), 15_000, 'createStream results');
  const ids = created(p, txns);
  for (const id of ids) p.command(id, 'play', [name, -2, -1, true]);
  return ids;
}

const playing = (p: SpyPlayer, id: number) => p.statuses().includes(`${id}:NetStream.Play.Start`);

describe('RTMP output forms', () => {
  it('are freed when the viewers that used them stop or leave', async () => {
    const pub = new RtmpClient({ url: rtmpUrl(server, '/live/forms'), mode: 'publish' });
    await pub.ready;
    pub.session.publishVideo(0, AVC_SEQUENCE_HEADER);
    pub.session.publishVideo(40, syntheticKeyframe(3000, 1, 1));
    pub.flush();
    await waitFor(() => server.hub.stream('live', 'forms')?.stats.videoPackets === 2, 10_000, 'the GOP');
    expect(heldFormCount()).toBe(0);
    const port = server.address().rtmp!.port;
    for (let round = 0; round < 4; round++) {
      const p = new SpyPlayer(port, '/live/forms');
      await p.until(() => playing(p, 1), 15_000, 'play on stream 1');
      const ids = [1, ...(await playOnMore(p, 7, 'forms'))];
      expect(new Set(ids).size).toBe(8);
      // Each of its streams gets the cached keyframe, in its own form.
      await p.until(
        () => ids.every((id) => p.media.some((m) => m.streamId === id && m.kind === 'video')),
        15_000,
        'media on every stream',
      );
      expect(heldFormCount()).toBe(8);
      // deleteStream on two of them frees their forms; closing the connection frees the rest.
      p.command(0, 'deleteStream', [ids[2]!]);
      p.command(0, 'deleteStream', [ids[5]!]);
      await waitFor(() => heldFormCount() === 6, 10_000, 'two forms freed by deleteStream');
      p.close();
      await waitFor(() => heldFormCount() === 0, 10_000, 'every form freed');
    }
    pub.close();
  });

  it('keeps a good viewer whole while a client plays on 16 streams and one plays on an uncreated id', async () => {
    const good = probeFrames(rtmpUrl(server, '/live/flood'));
    await waitFor(
      () => (server.hub.stream('live', 'flood')?.subscribers.size ?? 0) === 1,
      15_000,
      'the viewer',
    );
    const port = server.address().rtmp!.port;
    const flooder = new SpyPlayer(port, '/live/flood');
    await flooder.until(() => playing(flooder, 1), 15_000, 'play on stream 1');
    const ids = [1, ...(await playOnMore(flooder, 15, 'flood'))];
    expect(new Set(ids).size).toBe(16);
    await flooder.until(() => ids.every((id) => playing(flooder, id)), 15_000, 'play on 16 streams');

    // Play on stream id 7 of a connection that created only stream 1.
    const guesser = new SpyPlayer(port, '/live/flood');
    await guesser.until(() => playing(guesser, 1), 15_000, 'play on stream 1');
    guesser.command(7, 'play', ['flood', -2, -1, true]);
    await guesser.until(
      () => guesser.commands.some((c) => c.streamId === 7 && c.name === 'onStatus'),
      15_000,
      'an answer on stream 7',
    );
    const answer = guesser.commands.find((c) => c.streamId === 7 && c.name === 'onStatus')!;
    expect((answer.args[0] as { level?: unknown }).level).toBe('error');
    expect(guesser.statuses()).not.toContain('7:NetStream.Play.Start');

    const pub = publishFlv(media.file, rtmpUrl(server, '/live/flood'), { realtime: true });
    expect((await pub.done).code).toBe(0);
    const counts = await good;
    expect(counts.stderr).toBe('');
    expect(counts.video).toBe(media.videoFrames);
    // The flooder was served on every stream it created; stream 7 of the guesser got nothing.
    for (const id of ids)
      expect(flooder.media.some((m) => m.streamId === id && m.kind === 'video')).toBe(true);
    expect(guesser.media.some((m) => m.streamId === 7)).toBe(false);
    expect(guesser.media.some((m) => m.streamId === 1 && m.kind === 'video')).toBe(true);
    flooder.close();
    guesser.close();
    await waitFor(() => heldFormCount() === 0, 10_000, 'every form freed');
  });
});
