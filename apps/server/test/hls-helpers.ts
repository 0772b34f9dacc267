// Shared by the HLS tests: test media, a live playlist collector, and the checks a player relies on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demuxFlv, type FlvTag } from '@livego/flv';
import { TsDemuxer, type TsEvent } from '@livego/mpegts';
import type { LivegoServer } from '../src/index.js';
import { run } from './helpers.js';
import { probeStreams } from './media.js';

export function hlsUrl(server: LivegoServer, path: string): string {
  const a = server.address().hls;
  if (a === undefined) throw new Error('hls is not listening');
  return `http://127.0.0.1:${a.port}${path}`;
}

export interface FlvFile {
  file: string;
  tags: FlvTag[];
  videoFrames: number;
  /** Audio frames from the first video keyframe on (the HLS subscriber starts there, as every viewer). */
  audioFrames: number;
}

export type StreamKind = 'h264-aac' | 'h264-bframes' | 'h264-mp3' | 'video-only' | 'audio-only';

/** An FLV made by ffmpeg: 320x240 at 25 fps with a keyframe every 25 frames, 44.1 kHz audio. */
export async function makeStreamFile(dir: string, kind: StreamKind, seconds: number): Promise<FlvFile> {
  const file = join(dir, `${kind}.flv`);
  const args = ['-v', 'error', '-y'];
  if (kind !== 'audio-only')
    args.push('-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`);
  if (kind !== 'video-only')
    args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`);
  if (kind !== 'audio-only') {
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p');
    args.push('-bf', kind === 'h264-bframes' ? '2' : '0');
  }
  if (kind === 'h264-mp3') args.push('-c:a', 'libmp3lame', '-b:a', '64k');
  else if (kind !== 'video-only') args.push('-c:a', 'aac', '-b:a', '64k');
  args.push('-f', 'flv', file);
  const r = await run('ffmpeg', args);
  if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return describeFlv(file);
}

export function describeFlv(file: string): FlvFile {
  const tags = demuxFlv(readFileSync(file));
  const isFrame = (t: FlvTag) =>
    t.type === 9 && ((t.data[0]! & 0x80) !== 0 ? [1, 3].includes(t.data[0]! & 0x0f) : t.data[1] === 1);
  const isKey = (t: FlvTag) => isFrame(t) && ((t.data[0]! >> 4) & 7) === 1;
  const firstKey = tags.findIndex(isKey);
  const isAudioFrame = (t: FlvTag) => t.type === 8 && !(t.data[0]! >> 4 === 10 && t.data[1] === 0);
  return {
    file,
    tags,
    videoFrames: tags.filter(isFrame).length,
    audioFrames: tags.slice(Math.max(0, firstKey)).filter(isAudioFrame).length,
  };
}

export interface PlaylistInfo {
  text: string;
  mediaSequence: number;
  targetDurationSec: number;
  ended: boolean;
  segments: Array<{ sequence: number; uri: string; durationSec: number; discontinuity: boolean }>;
}

export function parsePlaylist(text: string): PlaylistInfo {
  const lines = text.split('\n');
  const mediaSequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? Number.NaN);
  const info: PlaylistInfo = {
    text,
    mediaSequence,
    targetDurationSec: Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? Number.NaN),
    ended: text.includes('#EXT-X-ENDLIST'),
    segments: [],
  };
  let duration = Number.NaN;
  let discontinuity = false;
  for (const line of lines) {
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line !== '' && !line.startsWith('#')) {
      info.segments.push({
        sequence: mediaSequence + info.segments.length,
        uri: line,
        durationSec: duration,
        discontinuity,
      });
      discontinuity = false;
    }
  }
  return info;
}

export interface Collected {
  playlists: PlaylistInfo[];
  /** Every segment listed at some point, by sequence number, fetched as soon as it was listed. */
  segments: Map<
    number,
    {
      uri: string;
      durationSec: number;
      discontinuity: boolean;
      data: Uint8Array;
      contentType: string | null;
      cacheControl: string | null;
    }
  >;
}

/**
 * Polls a live playlist like a player and downloads every segment it lists, until `stop()` is true and
 * the playlist ends (EXT-X-ENDLIST) or disappears (404) after having been seen.
 */
export async function collect(
  playlistUrl: string,
  stop: () => boolean,
  timeoutMs = 40_000,
): Promise<Collected> {
  const out: Collected = { playlists: [], segments: new Map() };
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > end) throw new Error(`collecting ${playlistUrl}: timed out`);
    const res = await fetch(playlistUrl);
    if (res.status === 200) {
      const p = parsePlaylist(await res.text());
      const last = out.playlists[out.playlists.length - 1];
      if (last === undefined || last.text !== p.text) out.playlists.push(p);
      for (const s of p.segments) {
        if (out.segments.has(s.sequence)) continue;
        const r = await fetch(new URL(s.uri, playlistUrl));
        if (r.status !== 200) throw new Error(`segment ${s.uri}: HTTP ${r.status}`);
        out.segments.set(s.sequence, {
          ...s,
          data: new Uint8Array(await r.arrayBuffer()),
          contentType: r.headers.get('content-type'),
          cacheControl: r.headers.get('cache-control'),
        });
      }
      if (stop() && p.ended) return out;
    } else {
      await res.arrayBuffer();
      if (stop() && out.playlists.length > 0) return out;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes collected segments and a VOD playlist over them (in order, with their discontinuities). */
export function writeVod(dir: string, segments: Collected['segments']): string {
  mkdirSync(dir, { recursive: true });
  const seqs = [...segments.keys()].sort((a, b) => a - b);
  const target = Math.max(1, ...seqs.map((s) => Math.round(segments.get(s)!.durationSec)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-MEDIA-SEQUENCE:${seqs[0]}`,
  ];
  for (const seq of seqs) {
    const s = segments.get(seq)!;
    writeFileSync(join(dir, `${seq}.ts`), s.data);
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${s.durationSec.toFixed(3)},`, `${seq}.ts`);
  }
  lines.push('#EXT-X-ENDLIST', '');
  const file = join(dir, 'vod.m3u8');
  writeFileSync(file, lines.join('\n'));
  return file;
}

export interface TsCheck {
  errors: string[];
  startsWithPatPmtKeyframe: boolean;
  startsWithPatPmt: boolean;
  video: number;
  audio: number;
  pcrCount: number;
}

/** Our demuxer over one segment: continuity, PCR present and monotonic, DTS increasing, how it starts. */
export function checkSegment(data: Uint8Array): TsCheck {
  const d = new TsDemuxer();
  const events: TsEvent[] = [...d.push(data), ...d.flush()];
  const errors = events.flatMap((e) => (e.type === 'error' ? [`${e.error.code}: ${e.error.message}`] : []));
  if (data.length % 188 !== 0) errors.push(`length ${data.length} is not a multiple of 188`);
  const firstPes = events.find((e) => e.type === 'pes');
  const startsWithPatPmt = events[0]?.type === 'pat' && events[1]?.type === 'pmt';
  const lastDts = new Map<number, number>();
  let lastPcr = -1;
  let pcrCount = 0;
  for (const e of events) {
    if (e.type === 'pcr') {
      if (e.pcr90k < lastPcr) errors.push(`PCR went back from ${lastPcr} to ${e.pcr90k}`);
      lastPcr = e.pcr90k;
      pcrCount++;
    }
    if (e.type !== 'pes' || e.dts90k === undefined) continue;
    const prev = lastDts.get(e.pid);
    if (prev !== undefined && e.dts90k <= prev)
      errors.push(`DTS on PID ${e.pid} went from ${prev} to ${e.dts90k}`);
    lastDts.set(e.pid, e.dts90k);
  }
  return {
    errors,
    startsWithPatPmt,
    startsWithPatPmtKeyframe:
      startsWithPatPmt && firstPes?.type === 'pes' && firstPes.pid === 0x100 && firstPes.randomAccess,
    video: events.filter((e) => e.type === 'pes' && e.pid === 0x100).length,
    audio: events.filter((e) => e.type === 'pes' && e.pid === 0x101).length,
    pcrCount,
  };
}

export interface Probe {
  stderr: string;
  video: number;
  audio: number;
  width?: number;
  height?: number;
  codecs: string[];
}

/** `ffprobe -v warning -count_frames`: decodes every frame; `stderr` is empty when nothing was wrong. */
export async function probeStrict(input: string, extra: string[] = []): Promise<Probe> {
  const probed = await probeStreams(
    input,
    ['-v', 'warning', ...extra],
    'codec_type,codec_name,nb_read_frames,width,height',
    60_000,
  );
  const streams = probed.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  return {
    stderr: probed.stderr,
    video: Number(v?.nb_read_frames ?? 0),
    audio: Number(a?.nb_read_frames ?? 0),
    ...(v?.width !== undefined && { width: v.width, height: v.height }),
    codecs: streams.map((s) => s.codec_name!),
  };
}
