// A short, fixed-seed run of every fuzz target (the long runs are `pnpm fuzz`, scripts/fuzz.mjs):
// mutated real inputs must parse or give the package's error, never anything else, never hang.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzTarget, loadSeedFiles } from '../../../scripts/fuzz.mjs';
import { targets } from '../fuzz/targets.js';

const dir = join(import.meta.dirname, '..');
const EXECS = 20_000;

describe('fuzz smoke run (seed 11)', () => {
  for (const target of targets) {
    const execs = target.smokeExecs ?? EXECS;
    it(`${target.name}: ${execs} mutated inputs only parse or give the package's error`, () => {
      const seedFiles = loadSeedFiles(dir, target.seedFiles);
      const result = fuzzTarget(target, { seed: 11, execs, seedFiles, minimizeMs: 0 });
      expect(result.crashes.map((c) => c.message)).toEqual([]);
      expect(result.execs).toBeGreaterThanOrEqual(execs);
    });
  }
});
