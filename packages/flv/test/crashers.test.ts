// Replays every input that once crashed, hung or over-allocated a fuzz target (scripts/fuzz.mjs saved
// them to test/fixtures/crashers/<target>-<hash>.bin): each must now parse or give the package's error.
import { join } from 'node:path';
import { crashersSuite } from '../../../scripts/fuzz-suites.mjs';
import { targets } from '../fuzz/targets.js';

crashersSuite(join(import.meta.dirname, '..'), targets);
