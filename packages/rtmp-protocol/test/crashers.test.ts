// Replays every input that once crashed, hung or over-allocated a fuzz target (scripts/fuzz.mjs saved
// them to test/fixtures/crashers/<target>-<hash>.bin): each must now parse or give the package's error.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execute, loadCrashers } from '../../../scripts/fuzz.mjs';
import { targets } from '../fuzz/targets.js';

const crashers = loadCrashers(join(import.meta.dirname, '..'));

describe('inputs that once crashed a fuzz target', () => {
  it('each names a fuzz target of this package', () => {
    const names = new Set(targets.map((t) => t.name));
    expect(crashers.filter((c) => !names.has(c.target)).map((c) => c.name)).toEqual([]);
  });

  for (const c of crashers) {
    it(`${c.name} now parses or is refused with the package's error`, () => {
      const target = targets.find((t) => t.name === c.target)!;
      expect(execute(target, c.data).crash?.message).toBeUndefined();
    });
  }
});
