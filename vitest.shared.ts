import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// scripts/run-tests.mjs sets LIVEGO_TEST_REPORTS to collect one JSON report per package and print a
// single closing line over all of them.
export function packageConfig(dir: string) {
  const reports = process.env.LIVEGO_TEST_REPORTS;
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name.replace('@livego/', '');
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      passWithNoTests: true,
      reporters: reports ? ['default', ['json', { outputFile: join(reports, `${name}.json`) }]] : ['default'],
    },
    benchmark: { include: ['bench/**/*.bench.ts'] },
  });
}
