import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FlvTagType } from '@livego/flv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HlsError, type HlsSegment, HlsSegmenter } from '../src/index.js';
import { checkTs, concat, feed, type Media, makeFlv, probe, readFlv, tempDir, writeAll } from './media.js';

const H265_FIXTURE = fileURLToPath(new URL('../../flv/test/fixtures/h265-aac.flv', import.meta.url));

let av: Media; // 8 s H.264 + AAC, keyframe every second
let bframes: Media;
const tmp = tempDir();
afterAll(() => tmp.cleanup());
beforeAll(() => {
  av = makeFlv({ seconds: 8 });
  bframes = makeFlv({ seconds: 6, video: 'h264-bframes' });
});

let dirCount = 0;
function dirFor(): string {
  const dir = `${tmp.dir}/${++dirCount}`;
  mkdirSync(dir);
  return dir;
}

/** Segments every message of `media` with a window that keeps them all, and checks them like a player would. */
function segmentAll(media: Media, targetDurationSec: number, expectVideo: boolean) {
  const seg = new HlsSegmenter({ targetDurationSec, windowSize: 1000 });
  const segments = [...feed(seg, media), ...seg.end()];
  const file = writeAll(dirFor(), segments, seg.playlist());
  return { seg, segments, probe: probe(file), checks: segments.map((s) => checkTs(s.data, expectVideo)) };
}

function expectCleanSegments(checks: ReturnType<typeof checkTs>[]): void {
  for (const [i, c] of checks.entries()) {
    expect(c.errors, `segment ${i}`).toEqual([]);
    expect(c.startsRight, `segment ${i} starts with PAT, PMT and a keyframe`).toBe(true);
    expect(c.pcrs.length, `segment ${i} has PCRs`).toBeGreaterThan(0);
  }
}

describe('HlsSegmenter', () => {
  it('cuts H.264+AAC at the first keyframe after the target; ffprobe decodes every frame without a warning', () => {
    const { seg, segments, probe: p, checks } = segmentAll(av, 2, true);
    expect(p.stderr).toBe('');
    expect(p.video).toBe(av.videoFrames);
    expect(p.audio).toBe(av.audioFrames);
    expect([p.width, p.height]).toEqual([320, 240]);
    expectCleanSegments(checks);
    expect(checks.reduce((n, c) => n + c.videoFrames, 0)).toBe(av.videoFrames);
    expect(checks.reduce((n, c) => n + c.audioFrames, 0)).toBe(av.audioFrames);
    // Played back to back, the segments are one TS: continuity counters, PCR and DTS run on unbroken.
    const whole = checkTs(concat(segments.map((s) => s.data)), true);
    expect(whole.errors).toEqual([]);
    expect(whole.events.filter((e) => e.type === 'pat')).toHaveLength(segments.length);
    // 1 s GOPs and a 2 s target: every segment but the last is 2 s (within [target - 0.5, target + GOP]).
    expect(segments.length).toBe(4);
    for (const s of segments.slice(0, -1)) {
      expect(s.durationSec).toBeGreaterThanOrEqual(1.5);
      expect(s.durationSec).toBeLessThanOrEqual(3);
    }
    expect(segments.map((s) => s.sequence)).toEqual([0, 1, 2, 3]);
    // The last segment carries the trailing audio (2.028 s): TARGETDURATION never under-states a segment.
    expect(segments.at(-1)!.durationSec).toBeGreaterThan(2);
    expect(seg.targetDurationSec).toBe(3);
    const total = segments.reduce((n, s) => n + s.durationSec, 0);
    expect(Math.abs(total - 8)).toBeLessThan(0.1);
  });

  it('keeps B-frame PTS/DTS order and every segment starts at an IDR', () => {
    const { probe: p, checks, segments } = segmentAll(bframes, 1, true);
    expect(p.stderr).toBe('');
    expect(p.video).toBe(bframes.videoFrames);
    expect(p.audio).toBe(bframes.audioFrames);
    expectCleanSegments(checks);
    const withDts = checks
      .flatMap((c) => c.events)
      .filter((e) => e.type === 'pes' && e.pid === 0x100 && e.pts90k !== e.dts90k);
    expect(withDts.length).toBeGreaterThan(0); // B-frames really were there
    expect(segments.length).toBe(6);
  });

  it('segments audio-only AAC by time', () => {
    const audio = makeFlv({ seconds: 7, video: 'none' });
    const { probe: p, checks, segments } = segmentAll(audio, 2, false);
    expect(p.stderr).toBe('');
    expect(p.audio).toBe(audio.audioFrames);
    expect(p.codecs).toEqual(['aac']);
    expectCleanSegments(checks);
    for (const s of segments.slice(0, -1)) {
      expect(s.durationSec).toBeGreaterThanOrEqual(2);
      expect(s.durationSec).toBeLessThan(2.1); // one AAC frame is 23 ms
      expect(s.startsWithKeyframe).toBe(false);
    }
    expect(segments.length).toBe(4);
  });

  it('segments video-only, H.264+MP3 and H.265+AAC (Enhanced RTMP) streams that ffprobe decodes', () => {
    const videoOnly = makeFlv({ seconds: 4, audio: 'none' });
    const a = segmentAll(videoOnly, 1, true);
    expect(a.probe.stderr).toBe('');
    expect(a.probe.video).toBe(videoOnly.videoFrames);
    expect(a.probe.codecs).toEqual(['h264']);
    expectCleanSegments(a.checks);

    const mp3 = makeFlv({ seconds: 4, audio: 'mp3' });
    const b = segmentAll(mp3, 1, true);
    expect(b.probe.stderr).toBe('');
    expect(b.probe.video).toBe(mp3.videoFrames);
    expect(b.probe.audio).toBe(mp3.audioFrames);
    expect(b.probe.codecs).toEqual(['h264', 'mp3']);
    expectCleanSegments(b.checks);

    const hevc = readFlv(H265_FIXTURE);
    const c = segmentAll(hevc, 1, true);
    expect(c.probe.stderr).toBe('');
    expect(c.probe.video).toBe(hevc.videoFrames);
    expect(c.probe.audio).toBe(hevc.audioFrames);
    expect(c.probe.codecs).toEqual(['hevc', 'aac']);
    expectCleanSegments(c.checks);
  });

  it('slides the window, grows the media sequence and frees segments after the grace', () => {
    const seg = new HlsSegmenter({
      targetDurationSec: 1,
      windowSize: 3,
      graceSegments: 2,
      segmentUri: (n) => `room/${n}.ts`,
    });
    const done = feed(seg, av);
    expect(done.map((s) => s.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6]); // the 8th is still open
    expect(seg.windowSegments().map((s) => s.sequence)).toEqual([4, 5, 6]);
    expect(seg.mediaSequence).toBe(4);
    expect(seg.storedSegments().map((s) => s.sequence)).toEqual([2, 3, 4, 5, 6]);
    expect(seg.segment('room/2.ts')?.sequence).toBe(2); // grace: a player may still be downloading it
    expect(seg.segment('room/1.ts')).toBeUndefined();
    expect(seg.segmentBySequence(6)?.uri).toBe('room/6.ts');
    expect(seg.segmentBySequence(0)).toBeUndefined();
    const text = seg.playlist();
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:1',
        '#EXT-X-MEDIA-SEQUENCE:4',
        '#EXTINF:1.000,',
        'room/4.ts',
        '#EXTINF:1.000,',
        'room/5.ts',
        '#EXTINF:1.000,',
        'room/6.ts',
        '',
      ].join('\n'),
    );
    seg.end();
    expect(seg.playlist()).toMatch(/room\/7\.ts\n#EXT-X-ENDLIST\n$/);
    expect(seg.storedBytes).toBe(seg.storedSegments().reduce((n, s) => n + s.data.length, 0));
  });

  it('before the first segment the playlist is empty and valid', () => {
    const seg = new HlsSegmenter({ firstSequence: 7 });
    expect(seg.playlist()).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:7\n',
    );
  });

  it('marks a republish as a discontinuity, counts it in DISCONTINUITY-SEQUENCE once it slides out, and playback goes on', () => {
    const seg = new HlsSegmenter({ targetDurationSec: 2, windowSize: 1000 });
    const all: HlsSegment[] = [...feed(seg, av)];
    all.push(...seg.end());
    expect(seg.playlist()).toContain('#EXT-X-ENDLIST');
    all.push(...seg.discontinuity()); // the publisher is back: timestamps restart at 0
    expect(seg.ended).toBe(false);
    all.push(...feed(seg, av), ...seg.end());
    expect(all.length).toBe(8);
    expect(all.map((s) => s.discontinuity)).toEqual([false, false, false, false, true, false, false, false]);
    expect(all.map((s) => s.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const text = seg.playlist();
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)?.length).toBe(1);
    expect(text.indexOf('#EXT-X-DISCONTINUITY\n')).toBeLessThan(text.indexOf('\n4.ts'));
    const p = probe(writeAll(dirFor(), all, text));
    expect(p.video).toBe(2 * av.videoFrames);
    expect(p.audio).toBe(2 * av.audioFrames);
    for (const c of all.map((s) => checkTs(s.data, true))) expect(c.errors).toEqual([]);

    // With a window of 4, the first discontinuity leaves the playlist after the second and is counted.
    const small = new HlsSegmenter({ targetDurationSec: 2, windowSize: 4 });
    feed(small, av);
    small.discontinuity(); // closes 3
    feed(small, av); // 4 (discontinuity), 5, 6
    expect(small.playlist()).not.toContain('DISCONTINUITY-SEQUENCE');
    expect(small.playlist()).toContain('#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n4.ts');
    small.discontinuity(); // closes 7
    feed(small, av); // 8 (discontinuity), 9, 10
    const late = small.playlist();
    expect(late).toContain('#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n');
    expect(late.match(/#EXT-X-DISCONTINUITY\n/g)?.length).toBe(1);
    expect(late).toContain('#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n8.ts');
  });

  it('starts a discontinuity at a timestamp jump', () => {
    const seg = new HlsSegmenter({ targetDurationSec: 2, windowSize: 1000 });
    const first = feed(seg, av);
    const second = feed(seg, av, 60_000); // 52 s forward
    const after = [...first, ...second, ...seg.end()];
    // The output timeline goes on where the first run ended: no jump for players to cope with.
    const i = after.findIndex((s) => s.discontinuity);
    expect(i).toBe(first.length + 1); // the open segment was closed by the jump, then the new one
    expect(after.filter((s) => s.discontinuity)).toHaveLength(1);
    const before = after[i - 1]!;
    const gapMs = after[i]!.startMs - (before.startMs + before.durationSec * 1000);
    expect(gapMs).toBeGreaterThanOrEqual(0);
    expect(gapMs).toBeLessThanOrEqual(40); // the audio just before the new keyframe (23 ms here)
    expect(checkTs(concat(after.map((s) => s.data)), true).errors.filter((e) => e.includes('DTS'))).toEqual(
      [],
    );
    for (const s of after) expect(checkTs(s.data, true).errors).toEqual([]);
    expect(seg.stats.discontinuities).toBe(1);
  });

  it('continues across the 2^32 ms RTMP timestamp wrap without a discontinuity', () => {
    const seg = new HlsSegmenter({ targetDurationSec: 2, windowSize: 1000 });
    const all = [...feed(seg, av, 2 ** 32 - 3000), ...seg.end()];
    expect(all.some((s) => s.discontinuity)).toBe(false);
    expect(all.length).toBe(4);
    for (const s of all.slice(0, -1)) expect(s.durationSec).toBe(2);
    const p = probe(writeAll(dirFor(), all, seg.playlist()));
    expect(p.stderr).toBe('');
    expect(p.video).toBe(av.videoFrames);
  });

  it('dates segments from the wall clock passed in', () => {
    const seg = new HlsSegmenter({ targetDurationSec: 2, windowSize: 10 });
    const t0 = Date.UTC(2026, 0, 2, 3, 4, 5, 600);
    const segments = feed(seg, av, 0, t0);
    expect(segments.map((s) => s.programDateTimeMs! - t0)).toEqual([0, 2000, 4000]);
    expect(seg.playlist()).toContain(
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:07.600Z\n#EXTINF:2.000,\n1.ts',
    );
  });

  it('raises TARGETDURATION to cover a GOP longer than the target', () => {
    const longGop = makeFlv({ seconds: 9, gop: 100, audio: 'none' }); // a keyframe every 4 s
    const seg = new HlsSegmenter({ targetDurationSec: 1, windowSize: 10 });
    const segments = [...feed(seg, longGop), ...seg.end()];
    expect(segments.map((s) => s.durationSec)).toEqual([4, 4, 1]);
    expect(seg.targetDurationSec).toBe(4);
    expect(seg.playlist()).toContain('#EXT-X-TARGETDURATION:4\n');
  });

  it('drops what HLS cannot carry and reports it, without throwing', () => {
    const seg = new HlsSegmenter();
    const vp6 = seg.push('video', 0, Uint8Array.of(0x14, 0, 1, 2));
    expect(vp6.error).toBeInstanceOf(HlsError);
    expect(vp6.error?.code).toBe('HLS_UNSUPPORTED_CODEC');
    expect(vp6.error?.message).toContain('CodecID 4');
    const opus = seg.push('audio', 0, Uint8Array.of(0x91, 0x4f, 0x70, 0x75, 0x73, 1)); // enhanced 'Opus' coded frames
    expect(opus.error?.code).toBe('HLS_UNSUPPORTED_CODEC');
    expect(seg.push('video', 0, Uint8Array.of()).error?.code).toBe('HLS_BAD_TAG');
    const badAvcc = seg.push('video', 0, Uint8Array.of(0x17, 0, 0, 0, 0, 1, 2));
    expect(badAvcc.error?.code).toBe('HLS_BAD_MEDIA');
    expect(seg.stats.droppedMessages).toBe(4);
  });

  it('rejects options that make no sense', () => {
    expect(() => new HlsSegmenter({ targetDurationSec: 0 })).toThrow(TypeError);
    expect(() => new HlsSegmenter({ windowSize: 0 })).toThrow(TypeError);
    expect(() => new HlsSegmenter({ graceSegments: -1 })).toThrow(TypeError);
  });

  it('bounds segment size: a huge GOP is cut at the byte limit', () => {
    const seg = new HlsSegmenter({ targetDurationSec: 100, maxSegmentBytes: 64 * 1024, windowSize: 1000 });
    const segments = [...feed(seg, av), ...seg.end()];
    expect(segments.length).toBeGreaterThan(2);
    for (const s of segments) expect(s.data.length).toBeLessThan(64 * 1024 + 32 * 1024);
  });
});

describe('HlsSegmenter with odd publishers', () => {
  it('goes on audio-only when onMetaData promises video that never comes', () => {
    const withVideo = makeFlv({ seconds: 4, audio: 'aac' });
    // Keep the metadata (videocodecid 7) and the audio; drop every video message.
    const audioOnly = { ...withVideo, messages: withVideo.messages.filter((m) => m.kind !== 'video') };
    expect(audioOnly.messages[0]!.kind).toBe('data');
    const seg = new HlsSegmenter({ targetDurationSec: 1, windowSize: 100 });
    const segments = [...feed(seg, audioOnly), ...seg.end()];
    expect(segments.length).toBeGreaterThanOrEqual(2);
    const audio = segments.reduce((n, s) => n + checkTs(s.data, false).audioFrames, 0);
    // What arrived in the first target duration was waiting for the promised video; the rest is there.
    expect(audio).toBeGreaterThan(withVideo.audioFrames - 50);
    for (const s of segments) expect(checkTs(s.data, false).errors).toEqual([]);
  });
});

describe('pushTag', () => {
  it('takes FLV tags (type 8, 9, 18, as @livego/flv demuxes them) and makes the segments push makes', () => {
    const byKind = new HlsSegmenter({ targetDurationSec: 2, windowSize: 1000 });
    const byTag = new HlsSegmenter({ targetDurationSec: 2, windowSize: 1000 });
    const fromKinds = [...feed(byKind, av), ...byKind.end()];
    const type = { audio: FlvTagType.AUDIO, video: FlvTagType.VIDEO, data: FlvTagType.SCRIPT } as const;
    const fromTags: HlsSegment[] = [];
    for (const m of av.messages) {
      const r = byTag.pushTag({ type: type[m.kind], timestampMs: m.timestampMs, data: m.payload });
      expect(r.error).toBeUndefined();
      fromTags.push(...r.segments);
    }
    fromTags.push(...byTag.end());
    expect(fromTags.length).toBeGreaterThan(2);
    expect(fromTags.map((s) => Buffer.from(s.data).toString('hex'))).toEqual(
      fromKinds.map((s) => Buffer.from(s.data).toString('hex')),
    );
  });
});
