// Test input made by ffmpeg at test time, read with @livego/flv into the messages an RTMP publisher sends.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demuxFlv, FlvTagType } from '@livego/flv';
import { TsDemuxer, type TsEvent } from '@livego/mpegts';
import type { HlsSegment, HlsSegmenter, MediaKind } from '../src/index.js';

export interface Message {
  kind: MediaKind;
  timestampMs: number;
  payload: Uint8Array;
}

export interface Media {
  messages: Message[];
  /** Coded frames (sequence headers excluded). */
  videoFrames: number;
  audioFrames: number;
}

const KIND: Record<number, MediaKind> = {
  [FlvTagType.AUDIO]: 'audio',
  [FlvTagType.VIDEO]: 'video',
  [FlvTagType.SCRIPT]: 'data',
};

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'livego-hls-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readFlv(file: string): Media {
  const messages = demuxFlv(readFileSync(file)).map((t) => ({
    kind: KIND[t.type]!,
    timestampMs: t.timestampMs,
    payload: t.data,
  }));
  return count(messages);
}

function count(messages: Message[]): Media {
  let videoFrames = 0;
  let audioFrames = 0;
  for (const m of messages) {
    const p = m.payload;
    if (m.kind === 'video') {
      const enhanced = (p[0]! & 0x80) !== 0;
      if (enhanced ? (p[0]! & 0x0f) === 1 || (p[0]! & 0x0f) === 3 : p[1] === 1) videoFrames++;
    } else if (m.kind === 'audio') {
      if (!(p[0]! >> 4 === 10 && p[1] === 0)) audioFrames++;
    }
  }
  return { messages, videoFrames, audioFrames };
}

export interface FlvSpec {
  seconds: number;
  video?: 'h264' | 'h264-bframes' | 'none';
  audio?: 'aac' | 'mp3' | 'none';
  /** Add moving noise, for a realistic bitrate (benchmarks). */
  noise?: boolean;
  /** Picture size (default 320x240). */
  size?: string;
  /** Frames per GOP at 25 fps (default 25: one keyframe a second). */
  gop?: number;
}

/** An FLV from lavfi sources: 320x240 at 25 fps, 44.1 kHz audio. */
export function makeFlv(spec: FlvSpec): Media {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'in.flv');
    const args = ['-hide_banner', '-v', 'error', '-y'];
    const video = spec.video ?? 'h264';
    const audio = spec.audio ?? 'aac';
    if (video !== 'none')
      args.push(
        '-f',
        'lavfi',
        '-i',
        `testsrc=size=${spec.size ?? '320x240'}:rate=25:duration=${spec.seconds}`,
      );
    if (audio !== 'none')
      args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${spec.seconds}`);
    if (video !== 'none') {
      args.push(
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p',
        '-g',
        String(spec.gop ?? 25),
      );
      args.push('-bf', video === 'h264-bframes' ? '3' : '0');
      if (spec.noise)
        args.push('-vf', 'noise=alls=12:allf=t+u', '-b:v', '2M', '-maxrate', '2M', '-bufsize', '2M');
      if (video === 'h264-bframes') args.push('-x264-params', 'b-adapt=0');
    }
    if (audio === 'aac') args.push('-c:a', 'aac', '-b:a', '64k');
    if (audio === 'mp3') args.push('-c:a', 'libmp3lame', '-b:a', '64k');
    args.push('-f', 'flv', file);
    const r = spawnSync('ffmpeg', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    return readFlv(file);
  } finally {
    cleanup();
  }
}

/** Feeds every message (with `offsetMs` added to the timestamps) and collects the segments completed. */
export function feed(seg: HlsSegmenter, media: Media, offsetMs = 0, nowMs?: number): HlsSegment[] {
  const out: HlsSegment[] = [];
  for (const m of media.messages) {
    const r = seg.push(m.kind, (m.timestampMs + offsetMs) >>> 0, m.payload, nowMs);
    if (r.error) throw r.error;
    out.push(...r.segments);
  }
  return out;
}

export interface ProbeResult {
  stderr: string;
  video: number;
  audio: number;
  width?: number;
  height?: number;
  codecs: string[];
}

/** ffprobe -v warning -count_frames on `input`: frames decoded per type and everything it complained about. */
export function probe(input: string, extra: string[] = []): ProbeResult {
  const r = spawnSync(
    'ffprobe',
    [
      '-hide_banner',
      '-v',
      'warning',
      ...extra,
      '-count_frames',
      '-show_entries',
      'stream=codec_type,codec_name,nb_read_frames,width,height',
      '-of',
      'json',
      input,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  const streams = (JSON.parse(r.stdout).streams ?? []) as Array<{
    codec_type: string;
    codec_name: string;
    nb_read_frames?: string;
    width?: number;
    height?: number;
  }>;
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  return {
    stderr: r.stderr,
    video: Number(v?.nb_read_frames ?? 0),
    audio: Number(a?.nb_read_frames ?? 0),
    ...(v?.width !== undefined && { width: v.width, height: v.height }),
    codecs: streams.map((s) => s.codec_name),
  };
}

/** Writes the held segments and a playlist listing all of them (as a VOD copy) for ffprobe. */
export function writeAll(dir: string, segments: HlsSegment[], playlist: string): string {
  for (const s of segments) writeFileSync(join(dir, s.uri), s.data);
  const file = join(dir, 'index.m3u8');
  writeFileSync(file, playlist);
  return file;
}

export interface SegmentCheck {
  events: TsEvent[];
  errors: string[];
  /** PAT, PMT, then (with video) a keyframe as the first PES. */
  startsRight: boolean;
  videoFrames: number;
  audioFrames: number;
  pcrs: number[];
}

/** Our demuxer over one segment (or a run of them): continuity, PCR, PTS/DTS order, how it starts. */
export function checkTs(data: Uint8Array, expectVideo: boolean): SegmentCheck {
  const d = new TsDemuxer();
  const events = [...d.push(data), ...d.flush()];
  const errors = events.flatMap((e) =>
    e.type === 'error' ? [`${e.error.code} at packet ${e.packetIndex}`] : [],
  );
  const firstPes = events.find((e) => e.type === 'pes');
  const startsRight =
    events[0]?.type === 'pat' &&
    events[1]?.type === 'pmt' &&
    firstPes?.type === 'pes' &&
    (!expectVideo || (firstPes.pid === 0x100 && firstPes.randomAccess));
  const lastDts = new Map<number, number>();
  for (const e of events) {
    if (e.type !== 'pes' || e.dts90k === undefined) continue;
    const prev = lastDts.get(e.pid);
    if (prev !== undefined && e.dts90k <= prev)
      errors.push(`DTS not increasing on PID ${e.pid}: ${prev} then ${e.dts90k}`);
    lastDts.set(e.pid, e.dts90k);
  }
  const pcrs = events.flatMap((e) => (e.type === 'pcr' ? [e.pcr90k] : []));
  for (let i = 1; i < pcrs.length; i++)
    if (pcrs[i]! < pcrs[i - 1]!) errors.push(`PCR decreased: ${pcrs[i - 1]} then ${pcrs[i]}`);
  return {
    events,
    errors,
    startsRight,
    videoFrames: events.filter((e) => e.type === 'pes' && e.pid === 0x100).length,
    audioFrames: events.filter((e) => e.type === 'pes' && e.pid === 0x101).length,
    pcrs,
  };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
