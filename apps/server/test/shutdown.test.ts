/**
 * SIGTERM on the real bin (dist/bin.js): it stops accepting, ends publishers and viewers, leaves a
 * complete recording and complete HLS files, and exits 0 within shutdown_timeout_sec; a viewer that
 * never reads cannot hold it past the timeout; a second signal exits at once (143).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, publishFlv, run, start, waitFor } from './helpers.js';
import { makeFlv, probeStreams, type TestMedia } from './media.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');

let media: TestMedia;
let big: string;
const dirs: string[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  media = await makeFlv(30);
  // Lossless 720p (~1.7 MB/s), so a viewer that does not read fills its socket buffers and stays behind.
  big = join(media.dir, 'big.flv');
  const r = await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=25:duration=20',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-qp',
    '0',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'flv',
    big,
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  killAll();
  media?.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'livego-shutdown-'));
  dirs.push(d);
  return d;
}

/** Starts the bin on loopback ports; resolves once every listener logged its port. */
async function livego(cwd: string, yaml: string, ...flags: string[]) {
  // rtmp_noauth and flv_archive are file keys (as in livego), not flags.
  writeFileSync(join(cwd, 'livego.yaml'), `rtmp_noauth: true\n${yaml}`);
  const { child, done } = start(
    'env',
    [
      '-i',
      '-C',
      cwd,
      `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`,
      process.execPath,
      BIN,
      '--rtmp_addr=127.0.0.1:0',
      '--httpflv_addr=127.0.0.1:0',
      '--hls_addr=127.0.0.1:0',
      '--api_addr=127.0.0.1:0',
      ...flags,
    ],
    120_000,
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const ports: Partial<Record<string, number>> = {};
  await waitFor(
    () => {
      for (const line of stderr.split('\n')) {
        if (!line.includes('"listening"')) continue;
        const e = JSON.parse(line) as { listener: string; address: { port: number } };
        ports[e.listener] = e.address.port;
      }
      return Object.keys(ports).length === 4;
    },
    20_000,
    'the listeners',
  );
  return { child, done, ports, log: () => stderr };
}

describe('shutdown', () => {
  it('on SIGTERM ends the publisher and viewers, completes the recording and HLS files, and exits 0 in time', async () => {
    const cwd = tempDir();
    const hlsDir = join(cwd, 'hls');
    const flvDir = join(cwd, 'flv');
    const srv = await livego(
      cwd,
      'flv_archive: true\n',
      `--flv_dir=${flvDir}`,
      `--hls_dir=${hlsDir}`,
      '--hls_keep_after_end',
      '--hls_segment_sec=1',
      '--shutdown_timeout_sec=5',
    );
    const pub = publishFlv(media.file, `rtmp://127.0.0.1:${srv.ports.rtmp}/live/end`, { realtime: true });
    // An HTTP-FLV viewer that reads: it must see the response end, not a reset.
    let viewerBytes = 0;
    const viewerEnd = new Promise<string>((resolve) => {
      const attempt = () =>
        httpGet(`http://127.0.0.1:${srv.ports.httpflv}/live/end.flv`, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            setTimeout(attempt, 200);
            return;
          }
          res.on('data', (d: Buffer) => {
            viewerBytes += d.length;
          });
          res.on('end', () => resolve('end'));
          res.on('aborted', () => resolve('aborted'));
          res.on('error', () => resolve('error'));
        });
      attempt();
    });
    // A few segments on disk first.
    await waitFor(
      () => {
        try {
          return readdirSync(join(hlsDir, 'live', 'end')).filter((f) => f.endsWith('.ts')).length >= 3;
        } catch {
          return false;
        }
      },
      30_000,
      'HLS segments under hls_dir',
    );
    const sent = Date.now();
    srv.child.kill('SIGTERM');
    const r = await srv.done;
    const tookMs = Date.now() - sent;
    expect(r.code).toBe(0);
    expect(tookMs).toBeLessThan(5000 + 1500);
    expect(srv.log()).toContain('"clean":true');
    expect(await viewerEnd).toBe('end');
    expect(viewerBytes).toBeGreaterThan(0);
    await pub.done; // ffmpeg sees the connection end

    // The recording: one file, read to the end without an error.
    const recorded = readdirSync(join(flvDir, 'live'));
    expect(recorded).toHaveLength(1);
    const rec = await probeStreams(
      join(flvDir, 'live', recorded[0]!),
      ['-v', 'error'],
      'codec_type,nb_read_frames',
      60_000,
    );
    expect(rec.stderr).toBe('');
    expect(Number(rec.streams!.find((s) => s.codec_type === 'video')!.nb_read_frames)).toBeGreaterThan(50);

    // HLS: an ended playlist whose every segment is on disk and decodes; nothing half-written.
    const playlist = readFileSync(join(hlsDir, 'live', 'end.m3u8'), 'utf8');
    expect(playlist).toContain('#EXT-X-ENDLIST');
    const listed = playlist.split('\n').filter((l) => l.endsWith('.ts'));
    expect(listed.length).toBeGreaterThan(0);
    for (const uri of listed) {
      const seg = await probeStreams(join(hlsDir, 'live', uri), ['-v', 'error'], 'codec_type', 30_000);
      expect(seg.stderr).toBe('');
      expect(seg.streams!.some((s) => s.codec_type === 'video')).toBe(true);
    }
    expect(readdirSync(join(hlsDir, 'live', 'end')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  /** A raw HTTP-FLV viewer that asks for the stream and never reads a byte. */
  function stuckViewer(port: number): Socket {
    const s = connect({ host: '127.0.0.1', port });
    sockets.push(s);
    s.on('error', () => {});
    s.write('GET /live/big.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    s.pause();
    return s;
  }

  async function withStuckViewer(timeoutSec: number) {
    const cwd = tempDir();
    // write_timeout long, so the stalled viewer is not closed by it before the signal.
    const srv = await livego(cwd, '', `--shutdown_timeout_sec=${timeoutSec}`, '--write_timeout=120');
    // The viewer connects once the stream is live (HTTP-FLV answers 404 before).
    const pub = publishFlv(big, `rtmp://127.0.0.1:${srv.ports.rtmp}/live/big`, { realtime: true });
    await waitFor(() => srv.log().includes('"publishing"'), 20_000, 'the publisher');
    stuckViewer(srv.ports.httpflv!);
    await waitFor(() => srv.log().includes('http-flv viewer joined'), 20_000, 'the stuck viewer');
    // ~1.7 MB/s: long enough to fill the viewer's socket buffers (a few MB on loopback).
    await new Promise((resolve) => setTimeout(resolve, 5000));
    return { srv, pub };
  }

  it('exits within shutdown_timeout_sec even when a viewer never reads', async () => {
    const { srv } = await withStuckViewer(3);
    const sent = Date.now();
    srv.child.kill('SIGTERM');
    const r = await srv.done;
    expect(Date.now() - sent).toBeLessThan(3000 + 1500);
    expect(r.code).toBe(0);
    // It had to cut the viewer, and says so.

    expect(srv.log()).toContain('"clean":false');
  });

  it('exits at once (143) on a second SIGTERM while the shutdown waits for a viewer', async () => {
    const { srv } = await withStuckViewer(30);
    srv.child.kill('SIGTERM');
    await waitFor(() => srv.log().includes('shutting down'), 10_000, 'the shutdown to start');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = Date.now();
    srv.child.kill('SIGTERM');
    const r = await srv.done;
    expect(r.code).toBe(143);
    expect(Date.now() - second).toBeLessThan(3000);
  });
});
