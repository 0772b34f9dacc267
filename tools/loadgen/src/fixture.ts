/**
 * The fixture: 30 s of 720p30 H.264 (~2.5 Mbit/s, keyframe every 2 s) + AAC 128 kbit/s in FLV, made
 * once with ffmpeg into the cache.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { demuxFlv, type FlvTag } from '@livego/flv';
import { cacheDir } from './paths.js';

// biome-ignore format: the ffmpeg command line reads best in pairs
export const FIXTURE_ARGS = [
  '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
  '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
  '-t', '30', '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '2500k', '-maxrate', '2500k',
  '-bufsize', '5000k', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv',
];

/** The fixture's path, made with ffmpeg if missing. Throws when ffmpeg is not installed. */
export function ensureFixture(): string {
  const file = join(cacheDir, 'fixture.flv');
  if (existsSync(file)) return file;
  mkdirSync(cacheDir, { recursive: true });
  const probe = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error('ffmpeg is needed once to make the fixture (apt-get install ffmpeg)');
  }
  const tmp = `${file}.tmp`;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...FIXTURE_ARGS, tmp], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`ffmpeg failed to make ${file} (exit ${r.status})`);
  renameSync(tmp, file);
  return file;
}

export interface Fixture {
  tags: FlvTag[];
  /** Duration of one loop: last tag timestamp minus the first, plus one frame. */
  loopMs: number;
}

export function loadFixture(file = ensureFixture()): Fixture {
  const tags = demuxFlv(new Uint8Array(readFileSync(file)));
  const first = tags[0]?.timestampMs ?? 0;
  const last = tags[tags.length - 1]?.timestampMs ?? 0;
  return { tags, loopMs: last - first + 33 };
}
