// Our avcC and our length-prefixed samples, wrapped in a minimal FLV, must decode in ffmpeg to exactly
// the frames the original Annex B stream decodes to (framemd5 per frame).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  annexBToLengthPrefixed,
  buildAvcDecoderConfigurationRecord,
  H264NalType,
  h264NalType,
  isH264Keyframe,
  joinAnnexB,
  splitAnnexB,
} from '../src/index.js';
import { fixture, fixturePath } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'livego-codecs-flv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Access units of an Annex B stream with one slice per picture (x264's default): close at each slice. */
function accessUnits(stream: Uint8Array): Uint8Array[][] {
  const units: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  for (const nal of splitAnnexB(stream)) {
    current.push(nal);
    const t = h264NalType(nal);
    if (t === H264NalType.SLICE || t === H264NalType.IDR) {
      units.push(current);
      current = [];
    }
  }
  return units;
}

/** FLV (video only) with one AVC sequence header and one NALU tag per access unit; 40 ms apart. */
function minimalFlv(avcC: Uint8Array, samples: { data: Uint8Array; key: boolean }[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0)];
  const tag = (body: Uint8Array, timestampMs: number) => {
    const h = new Uint8Array(11);
    const v = new DataView(h.buffer);
    h[0] = 9;
    v.setUint32(0, (9 << 24) | body.length);
    v.setUint32(4, ((timestampMs & 0xffffff) << 8) | (timestampMs >>> 24));
    const prev = new Uint8Array(4);
    new DataView(prev.buffer).setUint32(0, 11 + body.length);
    parts.push(h, body, prev);
  };
  tag(Uint8Array.of(0x17, 0, 0, 0, 0, ...avcC), 0);
  samples.forEach((s, i) => {
    const body = new Uint8Array(5 + s.data.length);
    body[0] = s.key ? 0x17 : 0x27;
    body[1] = 1;
    body.set(s.data, 5);
    tag(body, i * 40);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function frameHashes(file: string): string[] {
  const out = execFileSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      file,
      '-map',
      '0:v',
      '-fps_mode',
      'passthrough',
      '-f',
      'framemd5',
      '-',
    ],
    { encoding: 'utf8', maxBuffer: 16 << 20 },
  );
  return out
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

describe('avcC + length-prefixed samples decode like the Annex B original', () => {
  for (const name of ['h264-baseline-640x360.h264', 'h264-high-1920x1080.h264', 'h264-high10-320x240.h264']) {
    it(`decodes ${name} re-framed into FLV to the same frames`, () => {
      const stream = fixture(name);
      const nals = splitAnnexB(stream);
      const avcC = buildAvcDecoderConfigurationRecord({
        sps: nals.filter((n) => h264NalType(n) === H264NalType.SPS).slice(0, 1),
        pps: nals.filter((n) => h264NalType(n) === H264NalType.PPS).slice(0, 1),
      });
      const samples = accessUnits(stream).map((au) => {
        const data = annexBToLengthPrefixed(joinAnnexB(au), 4);
        return { data, key: isH264Keyframe(data, 4) };
      });
      expect(samples[0]!.key).toBe(true);
      const flv = join(dir, `${name}.flv`);
      writeFileSync(flv, minimalFlv(avcC, samples));
      const original = frameHashes(fixturePath(name));
      expect(original.length).toBeGreaterThan(2);
      expect(frameHashes(flv)).toEqual(original);
    });
  }
});
