// Test helpers: fixtures on disk and ffmpeg/ffprobe spawned at test time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

export interface ProbeStream {
  codec_name: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  coded_width?: number;
  coded_height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  sample_aspect_ratio?: string;
  field_order?: string;
  sample_rate?: string;
  channels?: number;
  bit_rate?: string;
}

export interface ProbePacket {
  size: string;
  pts?: number;
}

function probe(file: string, extra: string[]): unknown {
  const out = execFileSync('ffprobe', ['-v', 'error', ...extra, '-of', 'json', file], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out);
}

/** First stream and every packet, from one ffprobe run. */
export function probeStreamAndPackets(file: string): { stream: ProbeStream; packets: ProbePacket[] } {
  const j = probe(file, ['-show_streams', '-show_packets']) as {
    streams: ProbeStream[];
    packets: ProbePacket[];
  };
  const stream = j.streams[0];
  if (stream === undefined) throw new Error(`ffprobe found no stream in ${file}`);
  return { stream, packets: j.packets };
}

export function probeStream(file: string): ProbeStream {
  const j = probe(file, ['-show_streams']) as { streams: ProbeStream[] };
  const s = j.streams[0];
  if (s === undefined) throw new Error(`ffprobe found no stream in ${file}`);
  return s;
}

export function probePackets(file: string): ProbePacket[] {
  return (probe(file, ['-show_packets']) as { packets: ProbePacket[] }).packets;
}

/** "30000/1001" -> 29.97... */
export function ratio(s: string): number {
  const [a, b] = s.split(/[/:]/).map(Number);
  return a! / b!;
}

/**
 * Remuxes every input to `<name>.mp4` with `-c copy` in ONE ffmpeg run (process start-up dominates)
 * and returns the mp4 bytes by input name; the temp dir is removed before returning.
 */
export function remuxAllToMp4(names: readonly string[]): Map<string, Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'livego-codecs-'));
  try {
    const args = ['-hide_banner', '-loglevel', 'error', '-y'];
    for (const name of names) args.push('-i', fixturePath(name));
    names.forEach((name, i) => {
      args.push('-map', `${i}`, '-c', 'copy', '-f', 'mp4', join(dir, `${name}.mp4`));
    });
    execFileSync('ffmpeg', args, { stdio: 'pipe' });
    return new Map(names.map((name) => [name, new Uint8Array(readFileSync(join(dir, `${name}.mp4`)))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `remuxAllToMp4(names)`, run once on the first call (so a filtered test run spawns no ffmpeg). */
export function lazyRemuxToMp4(names: readonly string[]): () => Map<string, Uint8Array> {
  let mp4s: Map<string, Uint8Array> | undefined;
  return () => {
    mp4s ??= remuxAllToMp4(names);
    return mp4s;
  };
}

/** Body of the first ISO-BMFF box of type `fourcc` found anywhere in `file` (a byte search for its 4CC). */
export function findBoxBody(file: Uint8Array, fourcc: string): Uint8Array {
  const code = [...fourcc].map((c) => c.charCodeAt(0));
  for (let i = 4; i + 4 <= file.length; i++) {
    if (
      file[i] === code[0] &&
      file[i + 1] === code[1] &&
      file[i + 2] === code[2] &&
      file[i + 3] === code[3]
    ) {
      const size = new DataView(file.buffer, file.byteOffset + i - 4, 4).getUint32(0);
      if (size >= 8 && i - 4 + size <= file.length) return file.subarray(i + 4, i - 4 + size);
    }
  }
  throw new Error(`no ${fourcc} box`);
}

/** The pix_fmt ffmpeg 5.1 reports for a decoded stream with these parameters. */
export function expectedPixFmt(chromaFormatIdc: number, bitDepth: number, fullRange: boolean): string {
  // ffmpeg's H.264/HEVC decoders output 4:0:0 as yuv(j)420p unless asked for gray.
  const sub = ['420', '420', '422', '444'][chromaFormatIdc]!;
  if (bitDepth > 8) return `yuv${sub}p${bitDepth}le`;
  return `${fullRange ? 'yuvj' : 'yuv'}${sub}p`;
}
