import { describe, expect, it } from 'vitest';
import { parsePlaylist } from '../src/hls-playlist.js';
import { availability, loadFixture, type RunResult, runOne } from '../src/index.js';

// Needs the built server (pnpm build) and ffmpeg once for the fixture; the peers are not started here.
const ours = availability('ours');

describe.skipIf(ours !== true)('fan-out against ours', () => {
  it('measures 5 RTMP and 5 HTTP-FLV players for a few seconds', async () => {
    const r: RunResult = await runOne({
      server: { kind: 'ours', label: 'ours', flags: [] },
      protocol: 'mixed',
      mix: ['rtmp', 'httpflv'],
      players: 10,
      seconds: 3,
      warmupSec: 1,
      rampPerSec: 100,
      threads: 2,
      fixture: loadFixture(),
    });
    expect(r.playing).toBe(10);
    expect(r.perPlayer.filter((p) => p.protocol === 'rtmp')).toHaveLength(5);
    expect(r.perPlayer.filter((p) => p.protocol === 'httpflv')).toHaveLength(5);
    for (const p of r.perPlayer) {
      expect(p.error).toBeUndefined();
      expect(p.keyframes).toBeGreaterThan(0);
      expect(Number.isFinite(p.endLagMs)).toBe(true);
      expect(p.endLagMs).toBeGreaterThanOrEqual(0);
      expect(p.maxLagMs).toBeGreaterThanOrEqual(p.endLagMs);
      expect(Number.isFinite(p.firstKeyframeMs)).toBe(true);
      expect(p.firstKeyframeMs).toBeGreaterThan(0);
      expect(p.stallMs).toBeGreaterThanOrEqual(0);
      expect(p.stallMs).toBeLessThan(2000);
    }
    expect(Number.isFinite(r.lagP50Ms) && r.lagP50Ms >= 0).toBe(true);
    expect(r.firstKeyframeP95Ms).toBeGreaterThan(0);
    expect(r.serverCpuPct).toBeGreaterThan(0);
    expect(r.serverRssMb).toBeGreaterThan(0);
    expect(r.syscwPerSec).toBeGreaterThan(0);
    expect(r.toolCpuPct).toBeGreaterThan(0);
    expect(r.utilization).toHaveLength(3);
    expect(r.serverMemMb).toBeGreaterThan(0);
    expect(r.serverMemMb).toBeLessThanOrEqual(r.serverRssMb);
    expect(r.hls).toBeUndefined();
  }, 30_000);

  it('runs HLS clients beside the players: each fetches the live segments', async () => {
    const r = await runOne({
      server: { kind: 'ours', label: 'ours', flags: [] },
      protocol: 'rtmp',
      players: 2,
      // The first segment is cut at the first keyframe past hls_segment_sec (3 s; GOP 2 s).
      warmupSec: 5,
      seconds: 5,
      rampPerSec: 100,
      threads: 1,
      fixture: loadFixture(),
      hlsClients: 3,
    });
    expect(r.playing).toBe(2);
    expect(r.hls).toBeDefined();
    const h = r.hls!;
    expect(h.asked).toBe(3);
    expect(h.reasons).toEqual({});
    expect(h.ok).toBe(3);
    expect(h.segments).toBeGreaterThanOrEqual(3);
    expect(h.segmentP95Ms).toBeGreaterThan(0);
    // Segments of a ~2.6 Mbit/s stream: what the clients fetched is that order of bits per second.
    expect(h.mbitPerSec).toBeGreaterThan(1);
    expect(r.utilization).toHaveLength(3);
  }, 40_000);
});

describe('HLS playlist', () => {
  it('numbers segments from EXT-X-MEDIA-SEQUENCE and reads their durations', () => {
    const pl = parsePlaylist(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n' +
        '#EXTINF:4.000,\nbench/7.ts\n#EXTINF:3.960,\nbench/8.ts\n',
    );
    expect(pl).toEqual({
      targetSec: 4,
      segments: [
        { seq: 7, durationSec: 4, uri: 'bench/7.ts' },
        { seq: 8, durationSec: 3.96, uri: 'bench/8.ts' },
      ],
    });
  });
});
