import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TsDemuxer, type TsEvent, type TsPesEvent } from '../src/index.js';

export function makeTempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'livego-mpegts-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ffmpeg with `-v error`; throws with its stderr when it fails. */
export function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

export interface ProbePacket {
  codec_type: string;
  stream_index: number;
  pts?: number;
  dts?: number;
  flags: string;
  size: string;
}
export interface ProbeStream {
  index: number;
  codec_name: string;
  codec_type: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}
export interface Probe {
  stderr: string;
  streams: ProbeStream[];
  packets: ProbePacket[];
}

export function ffprobe(file: string): Probe {
  const r = spawnSync(
    'ffprobe',
    ['-hide_banner', '-v', 'warning', '-show_packets', '-show_streams', '-of', 'json', file],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { streams?: ProbeStream[]; packets?: ProbePacket[] };
  return { stderr: r.stderr, streams: j.streams ?? [], packets: j.packets ?? [] };
}

/** `ffmpeg -v warning -i file -f null -`: returns whatever it printed (empty when it decoded cleanly). */
export function ffmpegDecodeWarnings(file: string): string {
  const r = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-v', 'warning', '-i', file, '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`ffmpeg decode failed: ${r.stderr}`);
  return r.stderr;
}

export function demuxAll(bytes: Uint8Array, chunk = 65536): TsEvent[] {
  const d = new TsDemuxer();
  const events: TsEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunk) events.push(...d.push(bytes.subarray(i, i + chunk)));
  events.push(...d.flush());
  return events;
}

export function pesOf(events: TsEvent[], pid?: number): TsPesEvent[] {
  return events.filter((e): e is TsPesEvent => e.type === 'pes' && (pid === undefined || e.pid === pid));
}

export function readBytes(file: string): Uint8Array {
  const b = readFileSync(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Concatenates chunks into one Uint8Array. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Signed distance b − a between two 33-bit timestamps, taking the wrap into account. */
export function diff33(a: number, b: number): number {
  const d = (b - a) % 2 ** 33;
  if (d > 2 ** 32) return d - 2 ** 33;
  if (d < -(2 ** 32)) return d + 2 ** 33;
  return d;
}
