// A short, fixed-seed run of every fuzz target (the long runs are `pnpm fuzz`, scripts/fuzz.mjs).
import { join } from 'node:path';
import { fuzzSmokeSuite } from '../../../scripts/fuzz-suites.mjs';
import { targets } from '../fuzz/targets.js';

fuzzSmokeSuite(join(import.meta.dirname, '..'), targets, 20_000);
