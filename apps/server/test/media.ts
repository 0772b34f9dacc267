import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demuxFlv, type FlvTag } from '@livego/flv';
import { run } from './helpers.js';

export interface TestMedia {
  dir: string;
  file: string;
  tags: FlvTag[];
  videoFrames: number;
  audioFrames: number;
  cleanup(): void;
}

/**
 * An FLV made by ffmpeg for the test: 320x240 H.264 at 25 fps with a keyframe every second, and AAC
 * (or MP3) audio. Counts exclude sequence headers. `video` is the lavfi source (another picture, same format).
 */
export async function makeFlv(
  seconds = 2,
  audio: 'aac' | 'mp3' | 'none' = 'aac',
  video: 'testsrc' | 'testsrc2' = 'testsrc',
): Promise<TestMedia> {
  const dir = mkdtempSync(join(tmpdir(), 'livego-test-'));
  const file = join(dir, 'in.flv');
  const args = ['-v', 'error', '-f', 'lavfi', '-i', `${video}=size=320x240:rate=25:duration=${seconds}`];
  if (audio !== 'none')
    args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p');
  if (audio === 'aac') args.push('-c:a', 'aac', '-b:a', '64k');
  if (audio === 'mp3') args.push('-c:a', 'libmp3lame', '-b:a', '64k');
  args.push('-f', 'flv', file);
  const r = await run('ffmpeg', args);
  if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const tags = demuxFlv(readFileSync(file));
  const videoFrames = tags.filter((t) => t.type === 9 && t.data[1] === 1).length;
  const audioFrames = tags.filter((t) => t.type === 8 && !(audio === 'aac' && t.data[1] === 0)).length;
  return {
    dir,
    file,
    tags,
    videoFrames,
    audioFrames,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ProbeCounts {
  video: number;
  audio: number;
  width?: number;
  height?: number;
  stderr: string;
}

export interface ProbedStream {
  codec_type: string;
  codec_name?: string;
  nb_read_frames?: string;
  width?: number;
  height?: number;
}

/**
 * `ffprobe <options> -count_frames -show_entries stream=<entries> -of json <input>`: decodes every frame
 * and returns the `streams` ffprobe printed (undefined if it printed none) and its stderr.
 */
export async function probeStreams(
  input: string,
  options: string[],
  entries: string,
  timeoutMs: number,
): Promise<{ streams: ProbedStream[] | undefined; stderr: string }> {
  const r = await run(
    'ffprobe',
    [...options, '-count_frames', '-show_entries', `stream=${entries}`, '-of', 'json', input],
    timeoutMs,
  );
  if (r.code !== 0) throw new Error(`ffprobe failed (${r.code}): ${r.stderr}`);
  return { streams: JSON.parse(r.stdout).streams, stderr: r.stderr };
}

/** Decodes every frame of `input` (a file or URL) with ffprobe and counts them per stream type. */
export async function probeFrames(input: string, timeoutMs = 60_000): Promise<ProbeCounts> {
  const { streams, stderr } = await probeStreams(
    input,
    ['-v', 'error'],
    'codec_type,nb_read_frames,width,height',
    timeoutMs,
  );
  const v = streams!.find((s) => s.codec_type === 'video');
  const a = streams!.find((s) => s.codec_type === 'audio');
  return {
    video: Number(v?.nb_read_frames ?? 0),
    audio: Number(a?.nb_read_frames ?? 0),
    width: v?.width,
    height: v?.height,
    stderr,
  };
}
