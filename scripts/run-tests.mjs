// Runs every package's tests through turbo, one JSON report per package, then prints one closing
// line 'N passed, N failed, N skipped' over all of them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const reports = join(root, 'node_modules', '.test-reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

// One package at a time: the interop tests start ffmpeg and friends, and there are 2 cores.
const run = spawnSync('pnpm', ['turbo', 'run', 'test', '--concurrency=1', '--continue'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LIVEGO_TEST_REPORTS: reports },
});

let passed = 0;
let failed = 0;
let skipped = 0;
let suites = 0;
for (const dir of ['packages', 'apps', 'tools']) {
  for (const name of readdirSync(join(root, dir))) {
    const file = join(reports, `${name}.json`);
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    suites++;
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numFailedTestSuites ?? 0);
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  }
}
console.log(`\n${suites} packages with tests`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
