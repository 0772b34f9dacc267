// Interop with real peers: ffmpeg publishes to and plays from our ServerSession, our ClientSession
// publishes into `ffmpeg -listen 1`, and rtmpdump (librtmp, digest handshake) plays from us.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAmf0Sequence } from '@livego/amf';
import { demuxFlv, type FlvTag } from '@livego/flv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessageChunks } from '../src/chunk-encoder.js';
import type { ClientEvent } from '../src/client-session.js';
import { ChunkStreamId, MessageType } from '../src/constants.js';
import type { ServerEvent } from '../src/server-session.js';
import {
  type ClientRun,
  connectClient,
  countFrames,
  freePort,
  killChildren,
  run,
  type ServerContext,
  serveRtmp,
} from './harness.js';

let dir: string;
let fixture: string;
let tags: FlvTag[];
let expected: { video: number; audio: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtmp-interop-'));
  fixture = join(dir, 'in.flv');
  // 2 s of H.264 + AAC, a keyframe every second; made here so that the test needs no binary fixture.
  const make = run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25:duration=2',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100:duration=2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-f',
    'flv',
    '-y',
    fixture,
  ]);
  expect(await make.exit).toBe(0);
  tags = demuxFlv(new Uint8Array(readFileSync(fixture)));
  const counted = await countFrames(fixture);
  expected = { video: counted.video, audio: counted.audio };
  expect(expected.video).toBe(50);
  expect(expected.audio).toBeGreaterThan(80);
});

afterAll(() => {
  killChildren();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** ffmpeg arguments that send the fixture unchanged as FLV; the output (a URL) follows. */
const copyFixtureToFlv = (): string[] => [
  '-hide_banner',
  '-loglevel',
  'error',
  '-i',
  fixture,
  '-c',
  'copy',
  '-f',
  'flv',
];

/** Each audio/video message as `type@timestamp:base64 payload`, in order. */
function mediaOf(events: readonly (ServerEvent | ClientEvent)[]): string[] {
  return events.flatMap((e) =>
    e.type === 'audio' || e.type === 'video'
      ? [`${e.type}@${e.timestampMs}:${Buffer.from(e.payload).toString('base64')}`]
      : [],
  );
}

/** The fixture's audio/video tags in the form of `mediaOf`. */
function mediaOfTags(): string[] {
  return tags
    .filter((t) => t.type !== 18)
    .map(
      (t) => `${t.type === 8 ? 'audio' : 'video'}@${t.timestampMs}:${Buffer.from(t.data).toString('base64')}`,
    );
}

/** Serves the fixture to a player: metadata, then every tag, each encoded once as chunks. */
function servePlay(ctx: ServerContext, event: Extract<ServerEvent, { type: 'play' }>): void {
  const { session } = ctx;
  session.acceptPlay(event.requestId);
  for (const tag of tags) {
    const csid =
      tag.type === 8 ? ChunkStreamId.Audio : tag.type === 9 ? ChunkStreamId.Video : ChunkStreamId.Data;
    session.sendEncoded(
      encodeMessageChunks(
        {
          typeId: tag.type,
          timestampMs: tag.timestampMs,
          messageStreamId: event.streamId,
          payload: tag.data,
        },
        { chunkSize: session.chunkSize, chunkStreamId: csid },
      ),
    );
  }
  session.streamEof(event.streamId);
  session.unpublishNotify(event.streamId);
  ctx.flush();
  ctx.socket.end();
}

describe('interop with ffmpeg and rtmpdump', () => {
  it('receives every media message of an ffmpeg publish intact (payloads and timestamps)', async () => {
    const server = await serveRtmp((ctx, event) => {
      if (event.type === 'publish') ctx.session.acceptPublish(event.requestId);
    });
    try {
      const ff = run('ffmpeg', [...copyFixtureToFlv(), `rtmp://127.0.0.1:${server.port}/live/test?key=1`]);
      expect(await ff.exit, ff.stderr()).toBe(0);
      await server.contexts[0]!.closed;
      const events = server.contexts[0]!.events;
      // ffmpeg sends a digest C1 (schema 1): the complex handshake answered it.
      expect(events.find((e) => e.type === 'handshake')).toMatchObject({ mode: 'complex' });
      expect(events.find((e) => e.type === 'connect')).toMatchObject({ app: 'live' });
      expect(events.find((e) => e.type === 'publish')).toMatchObject({ streamName: 'test', query: 'key=1' });
      const data = events.find((e) => e.type === 'data');
      expect(data?.type === 'data' && data.values.slice(0, 2)).toEqual(['@setDataFrame', 'onMetaData']);
      const got = mediaOf(events);
      const want = mediaOfTags();
      expect(got.length).toBe(want.length);
      expect(got).toEqual(want);
      expect(events.some((e) => e.type === 'unpublish')).toBe(true);
      expect(events.some((e) => e.type === 'error')).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('plays to ffprobe, which decodes every frame', async () => {
    const server = await serveRtmp((ctx, event) => {
      if (event.type === 'play') servePlay(ctx, event);
    });
    try {
      const counted = await countFrames(`rtmp://127.0.0.1:${server.port}/live/test`);
      expect({ video: counted.video, audio: counted.audio }).toEqual(expected);
      expect(server.contexts[0]!.events.find((e) => e.type === 'play')).toMatchObject({ streamName: 'test' });
    } finally {
      await server.close();
    }
  });

  it('plays to ffprobe with only a video and an audio stream (no data stream from the play statuses)', async () => {
    const server = await serveRtmp((ctx, event) => {
      if (event.type === 'play') servePlay(ctx, event);
    });
    try {
      const probe = run('ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'stream=index,codec_type',
        '-of',
        'json',
        `rtmp://127.0.0.1:${server.port}/live/test`,
      ]);
      expect(await probe.exit, probe.stderr()).toBe(0);
      const streams = (JSON.parse(probe.stdout()) as { streams: { codec_type: string }[] }).streams;
      expect(streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    } finally {
      await server.close();
    }
  });

  it('publishes with ClientSession into ffmpeg -listen, which writes every frame', async () => {
    const port = await freePort();
    const out = join(dir, 'listen-out.flv');
    const ff = run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-listen',
      '1',
      '-i',
      `rtmp://127.0.0.1:${port}/live/x`,
      '-c',
      'copy',
      '-f',
      'flv',
      '-y',
      out,
    ]);
    const script = tags.find((t) => t.type === 18)!;
    const client: ClientRun = await connectClient(
      port,
      { url: `rtmp://127.0.0.1:${port}/live/x`, mode: 'publish' },
      (r, event) => {
        if (event.type !== 'publishStart') return;
        const meta = Uint8Array.from([...encodeAmf0Sequence(['@setDataFrame']), ...script.data]);
        r.session.publishData(0, meta);
        for (const tag of tags) {
          if (tag.type === MessageType.Audio) r.session.publishAudio(tag.timestampMs, tag.data);
          else if (tag.type === MessageType.Video) r.session.publishVideo(tag.timestampMs, tag.data);
        }
        r.session.stop();
        r.flush();
        r.socket.end();
      },
    );
    await client.closed;
    expect(await ff.exit, ff.stderr()).toBe(0);
    expect(client.events.map((e) => e.type)).toContain('publishStart');
    expect(client.events.some((e) => e.type === 'error')).toBe(false);
    const counted = await countFrames(out);
    expect({ video: counted.video, audio: counted.audio }).toEqual(expected);
  });

  for (const mode of ['complex', 'simple'] as const) {
    it(`completes the ${mode} handshake with rtmpdump, which plays every frame`, async () => {
      const server = await serveRtmp((ctx, event) => {
        if (event.type === 'play') servePlay(ctx, event);
      });
      try {
        const out = join(dir, `rtmpdump-${mode}.flv`);
        // A SWF hash and size (-w/-x) make rtmpdump use the digest ("FP9") handshake and check our S1/S2.
        const swf = mode === 'complex' ? ['-w', '0'.repeat(64), '-x', '1'] : [];
        const dump = run('rtmpdump', [
          '-q',
          '-r',
          `rtmp://127.0.0.1:${server.port}/live/test`,
          ...swf,
          '-o',
          out,
          '--live',
        ]);
        const code = await dump.exit;
        const events = server.contexts[0]!.events;
        expect(events.find((e) => e.type === 'handshake')).toMatchObject({ mode });
        expect(events.find((e) => e.type === 'play')).toMatchObject({ streamName: 'test' });
        // rtmpdump exits 0 or 2 ("download may be incomplete") when a live stream ends with the socket.
        expect([0, 2], dump.stderr()).toContain(code);
        const counted = await countFrames(out);
        expect({ video: counted.video, audio: counted.audio }).toEqual(expected);
      } finally {
        await server.close();
      }
    });
  }

  it('serves timestamps past 0xffffff (extended timestamps on every chunk) to ffprobe, which decodes every frame', async () => {
    const base = 0x1000000 + 12345;
    const server = await serveRtmp((ctx, event) => {
      if (event.type !== 'play') return;
      ctx.session.acceptPlay(event.requestId);
      for (const tag of tags) {
        // At chunk size 4096 the 8 KiB keyframes span continuation chunks, each repeating the timestamp.
        ctx.session.sendEncoded(
          encodeMessageChunks(
            {
              typeId: tag.type,
              timestampMs: base + tag.timestampMs,
              messageStreamId: event.streamId,
              payload: tag.data,
            },
            { chunkSize: ctx.session.chunkSize, chunkStreamId: tag.type === 8 ? 4 : 6 },
          ),
        );
      }
      ctx.flush();
      ctx.socket.end();
    });
    try {
      const probe = run('ffprobe', [
        '-v',
        'error',
        '-count_frames',
        '-show_entries',
        'stream=codec_type,nb_read_frames,start_time',
        '-of',
        'json',
        `rtmp://127.0.0.1:${server.port}/live/late`,
      ]);
      expect(await probe.exit, probe.stderr()).toBe(0);
      const streams = (
        JSON.parse(probe.stdout()) as {
          streams: { codec_type: string; nb_read_frames: string; start_time: string }[];
        }
      ).streams;
      const video = streams.find((s) => s.codec_type === 'video')!;
      const audio = streams.find((s) => s.codec_type === 'audio')!;
      expect([Number(video.nb_read_frames), Number(audio.nb_read_frames)]).toEqual([
        expected.video,
        expected.audio,
      ]);
      expect(Number(video.start_time)).toBeCloseTo(base / 1000, 0);
    } finally {
      await server.close();
    }
  });

  it('plays with ClientSession from ffmpeg -listen (ffmpeg as the serving side) and gets every media message', async () => {
    const port = await freePort();
    const ff = run('ffmpeg', [...copyFixtureToFlv(), '-listen', '1', `rtmp://127.0.0.1:${port}/live/x`]);
    const client = await connectClient(
      port,
      { url: `rtmp://127.0.0.1:${port}/live/x`, mode: 'play' },
      () => {},
    );
    await client.closed;
    await ff.exit;
    expect(client.events.some((e) => e.type === 'error')).toBe(false);
    expect(client.events.map((e) => e.type)).toContain('playStart');
    expect(mediaOf(client.events)).toEqual(mediaOfTags());
  });
});
