import { describe, expect, it } from 'vitest';
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
    }
    expect(Number.isFinite(r.lagP50Ms) && r.lagP50Ms >= 0).toBe(true);
    expect(r.firstKeyframeP95Ms).toBeGreaterThan(0);
    expect(r.serverCpuPct).toBeGreaterThan(0);
    expect(r.serverRssMb).toBeGreaterThan(0);
    expect(r.syscwPerSec).toBeGreaterThan(0);
    expect(r.toolCpuPct).toBeGreaterThan(0);
    expect(r.utilization).toHaveLength(3);
  }, 30_000);
});
