// Types of scripts/fuzz-suites.mjs.
import type { FuzzTarget } from './fuzz.mjs';

export declare function fuzzSmokeSuite(
  packageDir: string,
  targets: FuzzTarget[],
  execsPerTarget: number,
): void;
export declare function crashersSuite(
  packageDir: string,
  targets: FuzzTarget[],
): { name: string; target: string; data: Uint8Array }[];
