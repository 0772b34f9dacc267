/**
 * Issue 11 item 7, end to end: an RTMP player sees the streams the publisher sent and nothing else
 * (no `Data: none` from a NetStream.Data.Start sent as a data message), so `-map 0` copies cleanly.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { killAll, publishFlv, rtmpUrl, run, startServer, waitFor } from './helpers.js';
import { makeFlv, type TestMedia } from './media.js';

let server: LivegoServer;
let media: TestMedia;

beforeAll(async () => {
  media = await makeFlv(12);
  server = await startServer({ rtmpNoauth: true });
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  media?.cleanup();
});

describe('an RTMP player of a live stream', () => {
  it('lists only video and audio in ffprobe and copies every stream with ffmpeg -map 0', async () => {
    const pub = publishFlv(media.file, rtmpUrl(server, '/live/room'), { realtime: true, timeoutMs: 90_000 });
    await waitFor(() => server.hub.stream('live', 'room')?.hasVideo === true, 15_000, 'the publisher');
    const probe = await run(
      'ffprobe',
      [
        '-v',
        'error',
        '-show_entries',
        'stream=index,codec_type',
        '-of',
        'json',
        rtmpUrl(server, '/live/room'),
      ],
      30_000,
    );
    expect(probe.code, probe.stderr).toBe(0);
    const streams = (JSON.parse(probe.stdout) as { streams: { codec_type: string }[] }).streams;
    expect(streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);

    const out = join(media.dir, 'x.mp4');
    const copy = await run(
      'ffmpeg',
      ['-v', 'error', '-i', rtmpUrl(server, '/live/room'), '-map', '0', '-c', 'copy', '-t', '2', '-y', out],
      30_000,
    );
    expect(copy.stderr).toBe('');
    expect(copy.code).toBe(0);
    expect(existsSync(out) && statSync(out).size > 0).toBe(true);
    pub.child.kill('SIGKILL');
  });
});
