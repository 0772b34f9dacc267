import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlvDemuxer } from '@livego/flv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { RtmpClient } from '../src/rtmp-client.js';
import { channelKey, killAll, publishFlv, rtmpUrl, startServer, waitFor } from './helpers.js';
import {
  type Collected,
  checkSegment,
  collect,
  describeFlv,
  type FlvFile,
  hlsUrl,
  makeStreamFile,
  probeStrict,
  type StreamKind,
  writeVod,
} from './hls-helpers.js';

const H265_FIXTURE = fileURLToPath(
  new URL('../../../packages/flv/test/fixtures/h265-aac.flv', import.meta.url),
);
const TARGET_SEC = 1;
const GOP_SEC = 1;

let server: LivegoServer;
let dir: string;
const files = new Map<StreamKind, FlvFile>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'livego-hls-'));
  server = await startServer({ hlsSegmentSec: TARGET_SEC, hlsWindow: 3, hlsKeepAfterEnd: true });
  const made = await Promise.all(
    (['h264-aac', 'h264-bframes', 'h264-mp3', 'video-only', 'audio-only'] as const).map(
      async (k) => [k, await makeStreamFile(dir, k, k === 'h264-aac' ? 6 : 4)] as const,
    ),
  );
  for (const [k, f] of made) files.set(k, f);
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts publishing `file` in real time with ffmpeg (stream copy) to live/<room>; `done` when it ends. */
async function publishFile(room: string, file: string): Promise<{ done: Promise<void> }> {
  const key = await channelKey(server, room);
  const p = publishFlv(file, rtmpUrl(server, `/live/${key}`), { realtime: true, timeoutMs: 60_000 });
  const done = p.done.then((r) => {
    if (r.code !== 0) throw new Error(`ffmpeg publish failed: ${r.stderr}`);
  });
  return { done };
}

function checkAll(c: Collected, withVideo: boolean) {
  let video = 0;
  let audio = 0;
  for (const [seq, s] of c.segments) {
    const check = checkSegment(s.data);
    expect(check.errors, `segment ${seq}`).toEqual([]);
    expect(check.pcrCount, `segment ${seq} PCRs`).toBeGreaterThan(0);
    if (withVideo)
      expect(check.startsWithPatPmtKeyframe, `segment ${seq} starts with PAT, PMT, keyframe`).toBe(true);
    else expect(check.startsWithPatPmt, `segment ${seq} starts with PAT, PMT`).toBe(true);
    video += check.video;
    audio += check.audio;
  }
  return { video, audio };
}

describe('HLS from a live RTMP publisher', () => {
  it('serves H.264+AAC live: window slides, sequence grows, ffprobe decodes every segment, republish continues after a discontinuity', async () => {
    const file = files.get('h264-aac')!;
    const url = hlsUrl(server, '/live/movie.m3u8');
    let phase = 0;
    const collecting = collect(url, () => phase === 2);
    await (await publishFile('movie', file.file)).done;
    await waitFor(() => server.hls?.stream('live', 'movie')?.segmenter.ended === true, 10_000, 'the end');
    const ended = await (await fetch(url)).text();
    expect(ended).toMatch(/#EXT-X-ENDLIST\n$/); // hls_keep_after_end: kept, and ended properly
    phase = 1;
    const second = await publishFile('movie', file.file);
    // ffprobe plays the live playlist from its live edge to the ENDLIST of the second publish.
    const segmenter = server.hls!.stream('live', 'movie')!.segmenter;
    await waitFor(
      () => !segmenter.ended && segmenter.windowSegments().some((s) => s.discontinuity),
      10_000,
      'the republish in the playlist',
    );
    const liveProbe = probeStrict(url);
    await second.done;
    phase = 2;
    const c = await collecting;
    const live = await liveProbe;

    // Playlist: window of 3, media sequence growing one by one, one discontinuity at the republish.
    const seqs = [...c.segments.keys()].sort((a, b) => a - b);
    expect(seqs.length).toBeGreaterThanOrEqual(10);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i)); // no gaps, no reuse
    for (const p of c.playlists) expect(p.segments.length).toBeLessThanOrEqual(3);
    const mediaSeqs = c.playlists.map((p) => p.mediaSequence);
    expect(mediaSeqs).toEqual([...mediaSeqs].sort((a, b) => a - b));
    expect(mediaSeqs[mediaSeqs.length - 1]!).toBeGreaterThan(mediaSeqs[0]!);
    const disc = seqs.filter((s) => c.segments.get(s)!.discontinuity);
    expect(disc.length).toBe(1);
    expect(c.playlists.some((p) => p.ended) && c.playlists.some((p) => !p.ended)).toBe(true);
    // TARGETDURATION: the configured target, raised to cover any longer segment ever listed (a publish's
    // last segment carries its trailing audio), and never below a listed segment's duration.
    let longest = 0;
    for (const p of c.playlists) {
      for (const s of p.segments) longest = Math.max(longest, s.durationSec);
      expect(p.targetDurationSec).toBeGreaterThanOrEqual(Math.max(TARGET_SEC, Math.ceil(longest - 1e-6)));
      expect(p.targetDurationSec).toBeLessThanOrEqual(TARGET_SEC + GOP_SEC);
    }

    // Durations within [target - 0.5 s, target + one GOP], except each publish's last segment.
    const lasts = new Set([disc[0]! - 1, seqs[seqs.length - 1]!]);
    for (const s of seqs) {
      if (lasts.has(s)) continue;
      const d = c.segments.get(s)!.durationSec;
      expect(d).toBeGreaterThanOrEqual(TARGET_SEC - 0.5);
      expect(d).toBeLessThanOrEqual(TARGET_SEC + GOP_SEC);
    }
    for (const s of c.segments.values()) {
      expect(s.contentType).toBe('video/mp2t');
      expect(s.cacheControl).toContain('max-age');
    }

    // Our demuxer: every segment clean and starting right; every frame of both publishes is there.
    const counts = checkAll(c, true);
    expect(counts.video).toBe(2 * file.videoFrames);
    expect(counts.audio).toBe(2 * file.audioFrames);

    // ffprobe decodes all of it (both publishes, through the discontinuity) without a warning.
    const p = await probeStrict(writeVod(join(dir, 'movie'), c.segments));
    expect(p.stderr).toBe('');
    expect(p.video).toBe(2 * file.videoFrames);
    expect(p.audio).toBe(2 * file.audioFrames);
    expect([p.width, p.height]).toEqual([320, 240]);

    // The live reader: clean, and exactly the frames of the segments from where it joined to the end.
    expect(live.stderr).toBe('');
    const perSegment = seqs.map((s) => checkSegment(c.segments.get(s)!.data));
    const joined = perSegment.findIndex(
      (_, i) =>
        perSegment.slice(i).reduce((n, x) => n + x.video, 0) === live.video &&
        perSegment.slice(i).reduce((n, x) => n + x.audio, 0) === live.audio,
    );
    expect(joined, `ffprobe read ${live.video} video and ${live.audio} audio frames`).toBeGreaterThanOrEqual(
      0,
    );
    expect(live.video).toBeGreaterThanOrEqual(3 * 25);
  }, 60_000);

  it('H.264 with B-frames, H.264+MP3, video-only and audio-only: ffprobe decodes every frame without a warning', async () => {
    const kinds = [
      ['h264-bframes', ['h264', 'aac']],
      ['h264-mp3', ['h264', 'mp3']],
      ['video-only', ['h264']],
      ['audio-only', ['aac']],
    ] as const;
    // Published at the same time, in real time.
    const results = await Promise.all(
      kinds.map(async ([kind]) => {
        const url = hlsUrl(server, `/live/r-${kind}.m3u8`);
        let done = false;
        const collecting = collect(url, () => done);
        await (await publishFile(`r-${kind}`, files.get(kind)!.file)).done;
        done = true;
        return collecting;
      }),
    );
    for (const [i, [kind, codecs]] of kinds.entries()) {
      const file = files.get(kind)!;
      const c = results[i]!;
      const counts = checkAll(c, kind !== 'audio-only');
      expect(counts.video, kind).toBe(kind === 'audio-only' ? 0 : file.videoFrames);
      expect(counts.audio, kind).toBe(kind === 'video-only' ? 0 : file.audioFrames);
      const p = await probeStrict(writeVod(join(dir, kind), c.segments));
      expect(p.stderr, kind).toBe('');
      expect(p.codecs, kind).toEqual(codecs);
      expect(p.video, kind).toBe(counts.video);
      expect(p.audio, kind).toBe(counts.audio);
      if (kind === 'audio-only') {
        // Cut by time: every segment but the last lasts the target (+ at most one AAC frame).
        const durations = [...c.segments.values()].map((s) => s.durationSec).slice(0, -1);
        for (const d of durations) expect(d).toBeGreaterThanOrEqual(TARGET_SEC);
        for (const d of durations) expect(d).toBeLessThan(TARGET_SEC + 0.05);
      }
    }
  }, 30_000);

  it('H.265+AAC published as Enhanced RTMP (hvc1) by our RtmpClient: ffprobe decodes the playlist', async () => {
    const fixture = describeFlv(H265_FIXTURE);
    const key = await channelKey(server, 'hevc');
    const pub = new RtmpClient({ url: rtmpUrl(server, `/live/${key}`), mode: 'publish' });
    await pub.ready;
    const streamId = pub.session.streamId!;
    const demuxer = new FlvDemuxer();
    for (const t of [...demuxer.push(readFileSync(H265_FIXTURE)), ...demuxer.flush()]) {
      if (t.type === 8) pub.session.sendAudio(streamId, t.timestampMs, t.data);
      else if (t.type === 9) pub.session.sendVideo(streamId, t.timestampMs, t.data);
      else pub.session.sendData(streamId, t.timestampMs, t.data);
    }
    pub.flush();
    pub.close();
    await waitFor(() => server.hls?.stream('live', 'hevc')?.segmenter.ended === true, 10_000, 'the end');
    const url = hlsUrl(server, '/live/hevc.m3u8');
    const p = await probeStrict(url);
    expect(p.stderr).toBe('');
    expect(p.codecs).toEqual(['hevc', 'aac']);
    // The fixture is ~2 s: with 1 s segments and a window of 3 the whole stream is still listed.
    expect(p.video).toBe(fixture.videoFrames);
    expect(p.audio).toBe(fixture.audioFrames);
    const c = await collect(url, () => true);
    checkAll(c, true);
  });
});
