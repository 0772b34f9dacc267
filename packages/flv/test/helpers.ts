import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { FlvError } from '../src/index.js';

export const fixturesDir = join(import.meta.dirname, 'fixtures');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(fixturesDir, name)));
}

/** ffmpeg-made fixtures (fixtures/README.md) that muxer.test re-muxes to ffmpeg's bytes and ffprobe-interop demuxes. */
export const REMUX_FIXTURES = [
  'h264-aac.flv',
  'h264-mp3.flv',
  'aac-only.flv',
  'h264-only.flv',
  'h264-bframes.flv',
  'h264-1080p.flv',
];

/** Asserts that `parse` throws nothing but FlvError on 3000 random inputs of up to `maxLength` bytes. */
export function expectOnlyFlvErrors(parse: (b: Uint8Array) => unknown, maxLength = 40): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength }), (bytes) => {
      try {
        parse(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(FlvError);
      }
    }),
    { numRuns: 3000 },
  );
}

export interface ProbePacket {
  codec_type: string;
  pts?: number;
  dts?: number;
  size: string;
  flags: string;
}

export interface ProbeStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  profile?: string;
  extradata_size?: number;
}

const probed = new Map<string, { packets: ProbePacket[]; streams: ProbeStream[] }>();

/** Runs ffprobe on a fixture at test time (once per file and test file) and returns packets and streams. */
export function ffprobe(name: string): { packets: ProbePacket[]; streams: ProbeStream[] } {
  const cached = probed.get(name);
  if (cached) return cached;
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_packets', '-show_streams', '-of', 'json', join(fixturesDir, name)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ffprobe failed on ${name}: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { packets?: ProbePacket[]; streams?: ProbeStream[] };
  const result = { packets: json.packets ?? [], streams: json.streams ?? [] };
  probed.set(name, result);
  return result;
}

/** Index of the first differing byte (or of the shorter end), -1 when equal; fast on large buffers. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) {
    return -1;
  }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Hex of a byte view, for cheap deep comparisons of many tags. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}
