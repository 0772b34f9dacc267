// Interop with real peers: ffmpeg makes the input at test time, TsMuxer muxes it, ffprobe/ffmpeg must
// read the result without a single warning, and our TsDemuxer checks what players rely on.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { H264NalType, H265NalType, splitAnnexB, splitLengthPrefixed } from '@livego/codecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pid, StreamType, TS_PACKET_SIZE, TsMuxer, type TsPcrEvent, wrap33 } from '../src/index.js';
import { walkFlv } from './flv-input.js';
import {
  demuxAll,
  diff33,
  ffmpeg,
  ffmpegDecodeWarnings,
  ffprobe,
  makeTempDir,
  pesOf,
  readBytes,
} from './helpers.js';
import { hevcAccessUnits } from './hevc-input.js';
import { MuxRecording, type MuxResult, muxFlvTags } from './mux-flv.js';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

const SECONDS = '2';
const lavfiVideo = (rate: number): string[] => [
  '-f',
  'lavfi',
  '-i',
  `testsrc=size=320x240:rate=${rate}:duration=${SECONDS}`,
];
const lavfiAudio = (sampleRate: number): string[] => [
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:sample_rate=${sampleRate}:duration=${SECONDS}`,
];

/** libx264, fast, with `bf` B-frames and a key frame every `gop` frames. */
const x264 = (bf: number, gop: number): string[] => [
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-bf',
  String(bf),
  '-g',
  String(gop),
];
const audioCodec = (codec: string, bitrate: string): string[] => ['-c:a', codec, '-b:a', bitrate];

interface Case {
  name: string;
  args: string[];
  video?: { codec: string; nalType: (n: Uint8Array) => number };
  audio?: string;
}

const h264Nal = (n: Uint8Array): number => n[0]! & 0x1f;
const h265Nal = (n: Uint8Array): number => (n[0]! >>> 1) & 0x3f;

const flvCases: Case[] = [
  {
    name: 'H.264 with B-frames + AAC',
    args: [...lavfiVideo(25), ...lavfiAudio(44100), ...x264(2, 25), ...audioCodec('aac', '64k')],
    video: { codec: 'h264', nalType: h264Nal },
    audio: 'aac',
  },
  {
    name: 'H.264 + MP3',
    args: [...lavfiVideo(25), ...lavfiAudio(44100), ...x264(0, 25), ...audioCodec('libmp3lame', '64k')],
    video: { codec: 'h264', nalType: h264Nal },
    audio: 'mp3',
  },
  {
    name: 'audio-only AAC',
    args: [...lavfiAudio(48000), ...audioCodec('aac', '96k')],
    audio: 'aac',
  },
  {
    name: 'audio-only MP3 at 22.05 kHz (MPEG-2 audio)',
    args: [...lavfiAudio(22050), ...audioCodec('libmp3lame', '32k')],
    audio: 'mp3',
  },
  {
    name: 'video-only H.264',
    args: [...lavfiVideo(30), ...x264(0, 30)],
    video: { codec: 'h264', nalType: h264Nal },
  },
  {
    name: 'H.264 at 4 fps + AAC (PCR-only packets between sparse video frames)',
    args: [...lavfiVideo(4), ...lavfiAudio(44100), ...x264(0, 4), ...audioCodec('aac', '64k')],
    video: { codec: 'h264', nalType: h264Nal },
    audio: 'aac',
  },
];

/** What every muxed file must satisfy, checked with ffprobe, ffmpeg and our demuxer. */
function checkOutput(
  name: string,
  r: MuxResult,
  c: Pick<Case, 'video' | 'audio'>,
  videoSize?: [number, number],
): void {
  const file = join(tmp.dir, `${name.replace(/[^a-z0-9]+/gi, '_')}.ts`);
  writeFileSync(file, r.ts);
  expect(r.ts.length % TS_PACKET_SIZE).toBe(0);

  // ffprobe: no warnings, the right streams, every frame.
  const probe = ffprobe(file);
  expect(probe.stderr).toBe('');
  const vStream = probe.streams.find((s) => s.codec_type === 'video');
  const aStream = probe.streams.find((s) => s.codec_type === 'audio');
  if (c.video) {
    expect(vStream?.codec_name).toBe(c.video.codec === 'h264' ? 'h264' : 'hevc');
    expect([vStream?.width, vStream?.height]).toEqual(videoSize ?? [320, 240]);
    const probed = probe.packets.filter((p) => p.codec_type === 'video');
    expect(probed.length).toBe(r.videoFrames);
    // ffmpeg's parser finds a key frame exactly where the input had one.
    expect(probed.map((p) => p.flags.includes('K'))).toEqual(r.video.map((f) => f.keyframe));
  } else {
    expect(vStream).toBeUndefined();
  }
  if (c.audio) {
    expect(aStream?.codec_name).toBe(c.audio);
    expect(probe.packets.filter((p) => p.codec_type === 'audio').length).toBe(r.audioFrames);
  } else {
    expect(aStream).toBeUndefined();
  }
  expect(ffmpegDecodeWarnings(file)).toBe('');

  // Our demuxer, in odd-sized chunks.
  const events = demuxAll(r.ts, 1000);
  expect(events.filter((e) => e.type === 'error')).toEqual([]);

  // Continuity counters, checked on the raw packets: +1 mod 16 per payload packet of each PID.
  const lastCc = new Map<number, number>();
  for (let p = 0; p < r.ts.length; p += TS_PACKET_SIZE) {
    expect(r.ts[p]).toBe(0x47);
    const pid = ((r.ts[p + 1]! & 0x1f) << 8) | r.ts[p + 2]!;
    const hasPayload = (r.ts[p + 3]! & 0x10) !== 0;
    const cc = r.ts[p + 3]! & 0x0f;
    const last = lastCc.get(pid);
    if (last !== undefined) expect(cc).toBe(hasPayload ? (last + 1) & 15 : last);
    lastCc.set(pid, cc);
  }

  // PAT + PMT at every segment start, then a key frame (or audio, when audio-only).
  for (const start of r.segmentStarts) {
    expect(((r.ts[start + 1]! & 0x1f) << 8) | r.ts[start + 2]!).toBe(Pid.PAT);
    expect(((r.ts[start + 189]! & 0x1f) << 8) | r.ts[start + 190]!).toBe(Pid.PMT);
  }
  // Tables also go out on their own before the first PES and after a PMT change; every segment has them.
  const patAt = new Set(events.filter((e) => e.type === 'pat').map((e) => e.packetIndex));
  const pmts = events.filter((e) => e.type === 'pmt');
  const pmtAt = new Set(pmts.map((e) => e.packetIndex));
  for (const start of r.segmentStarts) {
    expect(patAt.has(start / TS_PACKET_SIZE)).toBe(true);
    expect(pmtAt.has(start / TS_PACKET_SIZE + 1)).toBe(true);
  }
  const pcrPid = c.video ? Pid.VIDEO : Pid.AUDIO;
  for (const pmt of pmts) expect(pmt.type === 'pmt' && pmt.pcrPid).toBe(pcrPid);

  // PCR: on the PCR PID only, monotonic, ≤ 100 ms apart, and never more than 100 ms behind a PES's DTS.
  const pcrs = events.filter((e): e is TsPcrEvent => e.type === 'pcr');
  expect(pcrs.length).toBeGreaterThan(0);
  for (const p of pcrs) expect(p.pid).toBe(pcrPid);
  for (let i = 1; i < pcrs.length; i++) {
    const d = diff33(pcrs[i - 1]!.pcr90k, pcrs[i]!.pcr90k);
    expect(d).toBeGreaterThanOrEqual(0);
    expect(d).toBeLessThanOrEqual(9000);
  }
  let lastPcr: number | undefined;
  for (const e of events) {
    if (e.type === 'pcr') lastPcr = e.pcr90k;
    if (e.type === 'pes') {
      expect(lastPcr).toBeDefined();
      expect(diff33(lastPcr!, e.dts90k!)).toBeLessThanOrEqual(9000);
    }
  }

  // Video PES: timestamps as given, DTS monotonic, AUD first, parameter sets before every IDR, NALs intact.
  if (c.video) {
    const vpes = pesOf(events, Pid.VIDEO);
    expect(vpes.length).toBe(r.videoFrames);
    const nt = c.video.nalType;
    const h264 = c.video.codec === 'h264';
    for (let i = 0; i < vpes.length; i++) {
      const pes = vpes[i]!;
      const input = r.video[i]!;
      expect(pes.streamType).toBe(h264 ? StreamType.H264 : StreamType.H265);
      expect(pes.dts90k).toBe(wrap33(input.dtsMs * 90));
      expect(pes.pts90k).toBe(wrap33(input.ptsMs * 90));
      if (i > 0) expect(diff33(vpes[i - 1]!.dts90k!, pes.dts90k!)).toBeGreaterThan(0);
      expect(pes.randomAccess).toBe(input.keyframe);
      const nals = splitAnnexB(pes.data);
      expect(nt(nals[0]!)).toBe(h264 ? H264NalType.AUD : H265NalType.AUD);
      const types = nals.map(nt);
      if (input.keyframe) {
        const firstSlice = types.findIndex((t) => (h264 ? t === H264NalType.IDR : t >= 16 && t <= 23));
        expect(firstSlice).toBeGreaterThan(0);
        const before = types.slice(0, firstSlice);
        const need = h264
          ? [H264NalType.SPS, H264NalType.PPS]
          : [H265NalType.VPS, H265NalType.SPS, H265NalType.PPS];
        for (const t of need) expect(before).toContain(t);
      }
      // The input's NAL units come through unchanged and in order (minus our AUD and parameter sets).
      const inputNals = splitLengthPrefixed(input.data, 4);
      const paramTypes = h264 ? [7, 8] : [32, 33, 34];
      const keptInput = inputNals.filter((n) => !paramTypes.includes(nt(n)));
      const keptOut = nals.slice(1).filter((n) => !paramTypes.includes(nt(n)));
      expect(keptOut.length).toBe(keptInput.length);
      for (let k = 0; k < keptOut.length; k++) expect(Buffer.compare(keptOut[k]!, keptInput[k]!)).toBe(0);
    }
  }
  // Audio PES: one frame each, PTS as given, ADTS header + the raw frame (AAC) or the frame itself (MP3).
  if (c.audio) {
    const apes = pesOf(events, Pid.AUDIO);
    expect(apes.length).toBe(r.audioFrames);
    for (let i = 0; i < apes.length; i++) {
      const pes = apes[i]!;
      const input = r.audio[i]!;
      expect(pes.pts90k).toBe(wrap33(input.ptsMs * 90));
      expect(pes.dts90k).toBe(pes.pts90k);
      if (c.audio === 'aac') {
        expect(pes.streamType).toBe(StreamType.AAC_ADTS);
        expect([pes.data[0], pes.data[1]! & 0xf6]).toEqual([0xff, 0xf0]);
        const frameLength = ((pes.data[3]! & 3) << 11) | (pes.data[4]! << 3) | (pes.data[5]! >>> 5);
        expect(frameLength).toBe(pes.data.length);
        expect(Buffer.compare(pes.data.subarray(7), input.data)).toBe(0);
      } else {
        expect([StreamType.MPEG1_AUDIO, StreamType.MPEG2_AUDIO]).toContain(pes.streamType);
        expect(Buffer.compare(pes.data, input.data)).toBe(0);
      }
    }
  }
}

describe('TsMuxer output read by ffprobe, ffmpeg and TsDemuxer', () => {
  for (const c of flvCases) {
    it(`muxes ${c.name} from FLV without a warning from ffprobe or ffmpeg`, () => {
      const flv = join(tmp.dir, `${c.name.replace(/[^a-z0-9]+/gi, '_')}.flv`);
      ffmpeg([...c.args, '-f', 'flv', flv]);
      const r = muxFlvTags(walkFlv(readBytes(flv)));
      if (c.video) expect(r.videoFrames).toBeGreaterThan(5);
      if (c.audio) expect(r.audioFrames).toBeGreaterThan(5);
      checkOutput(c.name, r, c);
      if (c.name.includes('B-frames')) {
        // The input really had B-frames: some PTS differ from their DTS.
        expect(r.video.some((f) => f.ptsMs !== f.dtsMs)).toBe(true);
      }
      if (c.name.includes('4 fps')) {
        // 250 ms between video frames: the PCR came from PCR-only packets (adaptation field, no payload).
        let pcrOnly = 0;
        for (let p = 0; p < r.ts.length; p += TS_PACKET_SIZE) {
          const pid = ((r.ts[p + 1]! & 0x1f) << 8) | r.ts[p + 2]!;
          if (pid === Pid.VIDEO && (r.ts[p + 3]! & 0x30) === 0x20 && (r.ts[p + 5]! & 0x10) !== 0) pcrOnly++;
        }
        expect(pcrOnly).toBeGreaterThan(r.videoFrames * 2);
      }
      if (c.name.includes('22.05')) {
        // The segment began with stream type 0x03 (nothing known yet); the first frame header says
        // MPEG-2 audio, so the PMT changed to 0x04 with a new version before that frame's PES.
        const pmts = demuxAll(r.ts).filter((e) => e.type === 'pmt');
        expect(pmts.map((p) => p.type === 'pmt' && [p.version, p.streams[0]?.streamType])).toEqual([
          [0, StreamType.MPEG1_AUDIO],
          [1, StreamType.MPEG2_AUDIO],
        ]);
      }
    });
  }

  // The same B-frame input shifted so that, mid-file, the 33-bit PTS wraps (~26.5 h) or the RTMP
  // 32-bit millisecond timestamps wrap (~49.7 days).
  for (const [what, offsetMs] of [
    ['the 33-bit PTS/DTS/PCR wrap', Math.floor(2 ** 33 / 90) - 1000],
    ['the 2^32 ms RTMP timestamp wrap', 2 ** 32 - 1000],
  ] as const) {
    it(`muxes across ${what} without a warning from ffprobe or ffmpeg`, () => {
      const flv = join(tmp.dir, 'wrap.flv');
      if (!existsSync(flv)) ffmpeg([...flvCases[0]!.args, '-f', 'flv', flv]);
      const r = muxFlvTags(walkFlv(readBytes(flv)), 500, offsetMs);
      checkOutput(`wrap_${offsetMs}`, r, flvCases[0]!);
      const first = r.video[0]!.dtsMs;
      const last = r.video.at(-1)!.dtsMs;
      const wrapMs = what.startsWith('the 33') ? 2 ** 33 / 90 : 2 ** 32;
      expect(first < wrapMs && last > wrapMs).toBe(true);
    });
  }

  it('muxes H.265 (Annex B from libx265, parameter sets only in the hvcC) + AAC', () => {
    const hevc = join(tmp.dir, 'in.hevc');
    const aacFlv = join(tmp.dir, 'hevc-audio.flv');
    ffmpeg([
      ...lavfiVideo(25),
      ...lavfiAudio(44100),
      '-map',
      '0:v',
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'bframes=0:keyint=25:log-level=error',
      '-f',
      'hevc',
      hevc,
      '-map',
      '1:a',
      '-c:a',
      'aac',
      '-f',
      'flv',
      aacFlv,
    ]);
    const input = hevcAccessUnits(readBytes(hevc));
    const audioTags = walkFlv(readBytes(aacFlv)).filter((t) => t.kind === 'audio');
    const muxer = new TsMuxer({ video: { codec: 'h265', config: input.config }, audio: { codec: 'aac' } });
    const rec = new MuxRecording();
    const r = rec.result;
    // Interleave by time as an RTMP publisher would: 25 fps video, audio tags at their timestamps.
    let a = 0;
    input.frames.forEach((f, i) => {
      const ms = i * 40;
      for (; a < audioTags.length && audioTags[a]!.timestampMs <= ms; a++) {
        const t = audioTags[a]!;
        if (t.kind !== 'audio') continue;
        if (t.aacPacketType === 0) {
          muxer.setAudioConfig(t.data);
          continue;
        }
        rec.emit(muxer.writeAudio({ ptsMs: t.timestampMs, data: t.data }));
        r.audio.push({ ptsMs: t.timestampMs, data: t.data });
        r.audioFrames++;
      }
      if (f.keyframe) rec.segmentStart(muxer.writeTables());
      rec.emit(muxer.writeVideo({ dtsMs: ms, ptsMs: ms, keyframe: f.keyframe, data: f.data }));
      r.video.push({ dtsMs: ms, ptsMs: ms, keyframe: f.keyframe, data: f.data });
      r.videoFrames++;
    });
    rec.finish();
    expect(r.videoFrames).toBe(50);
    checkOutput('hevc_aac', r, { video: { codec: 'h265', nalType: h265Nal }, audio: 'aac' });
  });
});

describe('TsDemuxer reading ffmpeg’s own MPEG-TS', () => {
  let file = '';
  beforeAll(() => {
    file = join(tmp.dir, 'ffmpeg.ts');
    ffmpeg([
      ...lavfiVideo(25),
      ...lavfiAudio(44100),
      ...x264(2, 25),
      '-c:a',
      'aac',
      '-pes_payload_size',
      '0',
      '-f',
      'mpegts',
      file,
    ]);
  });

  it('finds the same PES packets with the same PTS/DTS as ffprobe', () => {
    const bytes = readBytes(file);
    const events = demuxAll(bytes, 7 * 188 + 5);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    const probe = ffprobe(file);
    expect(probe.stderr).toBe('');
    const pmt = events.find((e) => e.type === 'pmt');
    expect(pmt?.type === 'pmt' && pmt.streams.map((s) => s.streamType)).toEqual([
      StreamType.H264,
      StreamType.AAC_ADTS,
    ]);
    for (const [index, type] of [
      [0, 'video'],
      [1, 'audio'],
    ] as const) {
      const stream = probe.streams[index]!;
      expect(stream.codec_type).toBe(type);
      const probed = probe.packets.filter((p) => p.stream_index === index);
      const ours = pesOf(events, type === 'video' ? 0x100 : 0x101);
      expect(ours.length).toBe(probed.length);
      expect(ours.map((p) => p.pts90k)).toEqual(probed.map((p) => p.pts));
      expect(ours.map((p) => p.dts90k)).toEqual(probed.map((p) => p.dts));
      expect(ours.map((p) => p.data.length)).toEqual(probed.map((p) => Number(p.size)));
    }
  });

  it('reads the same file identically in 1-byte and whole-file pushes', () => {
    const bytes = readBytes(file).subarray(0, 300 * 188);
    const strip = (evs: ReturnType<typeof demuxAll>) =>
      evs.map((e) => (e.type === 'pes' ? { ...e, data: Array.from(e.data) } : e));
    expect(strip(demuxAll(bytes, 1))).toEqual(strip(demuxAll(bytes, bytes.length)));
  });
});
