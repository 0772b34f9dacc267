// Replays every input that once crashed, hung or over-allocated a fuzz target (scripts/fuzz.mjs saved
// them to test/fixtures/crashers/<target>-<hash>.bin): each must now parse or give the package's error.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashersSuite } from '../../../scripts/fuzz-suites.mjs';
import { targets } from '../fuzz/targets.js';
import { TsDemuxer, type TsEvent, TsMuxer } from '../src/index.js';
import { concat } from './helpers.js';
import { ASC_LC_44100_STEREO, avcC, h264Frame } from './synth.js';

const _crashers = crashersSuite(join(import.meta.dirname, '..'), targets);

function summary(events: TsEvent[]): string[] {
  return events.map((e) =>
    e.type === 'error' ? `error ${e.packetIndex} ${e.error.code}` : `${e.type} ${e.packetIndex}`,
  );
}

function demux(parts: Uint8Array[]): string[] {
  const d = new TsDemuxer();
  return summary([...parts.flatMap((p) => d.push(p)), ...d.flush()]);
}

describe('TsDemuxer after lost sync (what the ts-demux crashers found)', () => {
  it('gives the same events wherever the input is cut', () => {
    const m = new TsMuxer({
      video: { codec: 'h264', config: avcC() },
      audio: { codec: 'aac', config: ASC_LC_44100_STEREO },
    });
    const clean = concat([
      m.writeTables(),
      m.writeVideo({ dtsMs: 0, keyframe: true, data: h264Frame([5], 400).data }),
      m.writeAudio({ ptsMs: 0, data: new Uint8Array(100) }),
    ]);
    // Garbage with a false sync byte (0x47) between packets 2 and 3.
    const at = 2 * 188;
    const bytes = concat([clean.subarray(0, at), new Uint8Array([0, 0x47, 1, 2, 3]), clean.subarray(at)]);
    const whole = demux([bytes]);
    expect(whole).toContain('error 2 TS_LOST_SYNC');
    for (let cut = at; cut < at + 200; cut++) {
      expect(demux([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at ${cut}`).toEqual(whole);
    }
  });
});
