import { demuxFlv, type FlvTag } from '@livego/flv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { RtmpClient } from '../src/rtmp-client.js';
import { channelKey, rtmpUrl, startServer, url, waitFor } from './helpers.js';
import { makeFlv, type TestMedia } from './media.js';

const STREAMS = Number(process.env.SCALE_STREAMS ?? 50);
const RTMP_VIEWERS = 5;
const HTTP_VIEWERS = 5;

let server: LivegoServer;
let media: TestMedia;

beforeAll(async () => {
  media = await makeFlv(2);
  server = await startServer();
});
afterAll(async () => {
  await server?.stop(500);
  media?.cleanup();
});

const isHeader = (t: FlvTag) => t.type === 18 || t.data[1] === 0;
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** Publishes one stream to viewers that all joined first; returns what each viewer received. */
async function runStream(i: number): Promise<{ expected: string[]; received: string[][] }> {
  const room = `room${i}`;
  const key = await channelKey(server, room);
  const rtmpViewers = Array.from({ length: RTMP_VIEWERS }, () => {
    const got: string[] = [];
    const client = new RtmpClient({
      url: rtmpUrl(server, `/live/${room}`),
      mode: 'play',
      onEvent: (e) => {
        if (e.type === 'audio' || e.type === 'video')
          got.push(`${e.type}:${e.timestampMs}:${hex(e.payload)}`);
        if (e.type === 'status' && (e.info as { code?: string }).code === 'NetStream.Play.UnpublishNotify')
          client.close();
      },
    });
    return { client, got };
  });
  await Promise.all(rtmpViewers.map((v) => v.client.ready));
  const pub = new RtmpClient({ url: rtmpUrl(server, `/live/${key}`), mode: 'publish' });
  await pub.ready;
  const streamId = pub.session.streamId!;
  const send = (t: FlvTag) => {
    if (t.type === 8) pub.session.sendAudio(streamId, t.timestampMs, t.data);
    else if (t.type === 9) pub.session.sendVideo(streamId, t.timestampMs, t.data);
    else pub.session.sendData(streamId, t.timestampMs, t.data);
  };
  const firstMedia = media.tags.findIndex((t) => !isHeader(t));
  for (const t of media.tags.slice(0, firstMedia)) send(t);
  pub.flush();
  await waitFor(() => server.hub.stream('live', room)?.publisher !== undefined, 10_000, 'publisher');
  const httpViewers = await Promise.all(
    Array.from({ length: HTTP_VIEWERS }, async () => {
      const res = await fetch(url(server, 'httpflv', `/live/${room}.flv`));
      expect(res.status).toBe(200);
      const body = res.arrayBuffer().then((b) =>
        demuxFlv(new Uint8Array(b))
          .filter((t) => t.type !== 18 && !isHeader(t))
          .map((t) => `${t.type === 8 ? 'audio' : 'video'}:${t.timestampMs}:${hex(t.data)}`),
      );
      return { body };
    }),
  );
  await waitFor(
    () => server.hub.stream('live', room)!.subscribers.size === RTMP_VIEWERS + HTTP_VIEWERS,
    10_000,
    'viewers',
  );
  for (const t of media.tags.slice(firstMedia)) send(t);
  pub.flush();
  pub.close();
  await Promise.all(rtmpViewers.map((v) => v.client.closed));
  const http = await Promise.all(httpViewers.map((v) => v.body));
  // Every viewer waits for the first keyframe: audio ahead of it is not theirs.
  const firstKey = media.tags.findIndex((t) => t.type === 9 && t.data[0] === 0x17 && t.data[1] === 1);
  const expected = media.tags
    .slice(firstKey)
    .filter((t) => t.type !== 18 && !isHeader(t))
    .map((t) => `${t.type === 8 ? 'audio' : 'video'}:${t.timestampMs}:${hex(t.data)}`);
  return {
    expected,
    received: [...rtmpViewers.map((v) => v.got.filter((g) => !isHeaderLine(g))), ...http],
  };
}

// Sequence headers repeat in the start-up burst; compare coded frames only.
const isHeaderLine = (line: string) => {
  const body = Buffer.from(line.split(':')[2]!, 'base64');
  return body[1] === 0;
};

describe('scale', () => {
  it(`${STREAMS} concurrent streams with ${RTMP_VIEWERS + HTTP_VIEWERS} viewers each deliver every frame`, async () => {
    const results = await Promise.all(Array.from({ length: STREAMS }, (_, i) => runStream(i)));
    let viewers = 0;
    for (const r of results) {
      expect(r.expected.length).toBeGreaterThan(100);
      for (const got of r.received) {
        expect(got).toEqual(r.expected);
        viewers++;
      }
    }
    expect(viewers).toBe(STREAMS * (RTMP_VIEWERS + HTTP_VIEWERS));
  }, 120_000);
});
