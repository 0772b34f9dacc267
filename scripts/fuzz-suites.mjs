/**
 * The two vitest suites every package with fuzz targets runs (its test/fuzz-smoke.test.ts and
 * test/crashers.test.ts call these): a short fixed-seed run of each target, and a replay of every
 * input that once crashed, hung or over-allocated one (saved by `pnpm fuzz` to test/fixtures/crashers/).
 */
import { describe, expect, it } from 'vitest';
import { execute, fuzzTarget, loadCrashers, loadSeedFiles } from './fuzz.mjs';

/** Mutated real inputs must parse or give the package's error, never anything else, never hang. */
export function fuzzSmokeSuite(packageDir, targets, execsPerTarget) {
  describe('fuzz smoke run (seed 11)', () => {
    for (const target of targets) {
      const execs = target.smokeExecs ?? execsPerTarget;
      it(`${target.name}: ${execs} mutated inputs only parse or give the package's error`, () => {
        const seedFiles = loadSeedFiles(packageDir, target.seedFiles);
        const result = fuzzTarget(target, { seed: 11, execs, seedFiles, minimizeMs: 0 });
        expect(result.crashes.map((c) => c.message)).toEqual([]);
        expect(result.execs).toBeGreaterThanOrEqual(execs);
      });
    }
  });
}

/** Each saved crasher names a target of the package and now parses or is refused; returns them. */
export function crashersSuite(packageDir, targets) {
  const crashers = loadCrashers(packageDir);
  describe('inputs that once crashed a fuzz target', () => {
    it('each names a fuzz target of this package', () => {
      const names = new Set(targets.map((t) => t.name));
      expect(crashers.filter((c) => !names.has(c.target)).map((c) => c.name)).toEqual([]);
    });
    for (const c of crashers) {
      it(`${c.name} now parses or is refused with the package's error`, () => {
        const target = targets.find((t) => t.name === c.target);
        expect(execute(target, c.data).crash?.message).toBeUndefined();
      });
    }
  });
  return crashers;
}
