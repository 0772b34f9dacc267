// Types of scripts/fuzz.mjs for the fuzz targets and the per-package smoke and crasher tests.

/** One fuzz target: a parser run on arbitrary bytes. */
export interface FuzzTarget {
  /** Unique over the repo; crasher files are named `<name>-<hash>.bin`. */
  name: string;
  /** Seed files relative to the package directory; `*` allowed in the file name. */
  seedFiles?: string[];
  /** Turns one seed file into seeds (e.g. the SPS NAL units of an Annex B stream); default: the file. */
  fromSeedFile?: (file: Uint8Array) => Uint8Array[];
  /** Seeds built in code (valid messages made with the package's own encoders). */
  seeds?: () => Uint8Array[];
  /** Longest input tried (default 4096). */
  maxLen?: number;
  /** Runs in the CI smoke test, when the package's default is too slow for this target. */
  smokeExecs?: number;
  /** Byte strings inserted whole: markers, names, magic numbers. */
  dictionary?: Uint8Array[];
  /** Runs the parser; returns outcome features (e.g. event types) for the corpus. Throws on a bug. */
  run(data: Uint8Array): string | string[] | undefined;
  /** Whether a thrown value is the parser's documented way to refuse the input. */
  expected(error: unknown): boolean;
}

export interface FuzzCrash {
  data: Uint8Array;
  signature: string;
  message: string;
  stack: string;
}

export interface FuzzResult {
  execs: number;
  ms: number;
  corpus: { data: Uint8Array }[];
  features: number;
  crashes: FuzzCrash[];
}

export interface FuzzOptions {
  seed?: number;
  execs?: number;
  seconds?: number;
  seedFiles?: Uint8Array[];
  corpus?: Uint8Array[];
  minimizeMs?: number;
  checkAlloc?: boolean;
  onCrash?: (crash: FuzzCrash) => void;
}

export declare const PACKAGE_DIRS: string[];
export declare const HANG_MS: number;
export declare function fuzzTarget(target: FuzzTarget, options: FuzzOptions): FuzzResult;
export declare function execute(
  target: FuzzTarget,
  data: Uint8Array,
  options?: { checkAlloc?: boolean },
): { crash: Omit<FuzzCrash, 'data'> | undefined; features: string[]; ms: number };
export declare function loadSeedFiles(packageDir: string, patterns?: string[]): Uint8Array[];
export declare function loadCrashers(
  packageDir: string,
): { name: string; target: string; data: Uint8Array }[];
export declare function crasherName(targetName: string, data: Uint8Array): string;
