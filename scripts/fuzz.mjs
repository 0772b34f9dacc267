// Fuzzing for every livego parser (issue 11). Jazzer.js 4 (the only npm release with its native part in
// the tarball) needs glibc 2.38 and this Debian has 2.36; 2.1 fetches its prebuild from GitHub or builds
// from source. So this is our own mutation engine: seeds from the real fixtures, stacked byte-level and
// length-field-aware mutations, splices, and a corpus that keeps inputs reaching new behaviour. In
// `pnpm fuzz` runs the signal is V8 block coverage (inspector precise coverage, sampled per batch);
// in the vitest smoke runs it is the targets' outcome features, so a fixed seed gives a fixed run.
//
//   pnpm fuzz                         every target, 60 s each
//   pnpm fuzz amf0 flv-demux --seconds 300 [--seed N] [--no-coverage]
//   pnpm fuzz --list
//
// A target module (packages/*/fuzz/targets.ts, apps/server/fuzz/targets.ts) exports `targets`:
// { name, seedFiles?, fromSeedFile?, seeds?, maxLen?, dictionary?, run(bytes), expected(error) } — see fuzz.d.mts.
// An input that makes run() throw what expected() refuses, hang over 1 s, or allocate wildly is saved
// as <package>/test/fixtures/crashers/<target>-<hash>.bin, which test/crashers.test.ts replays.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGE_DIRS = [
  'packages/amf',
  'packages/codecs',
  'packages/flv',
  'packages/mpegts',
  'packages/rtmp-protocol',
  'apps/server',
];
export const HANG_MS = 1000;
/** ArrayBuffer growth over one exec counted as a wild allocation (inputs are at most a few KiB). */
export const ALLOC_LIMIT_BYTES = 256 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Random numbers: a small seeded generator, so a smoke run is the same run every time.

export class Rng {
  constructor(seed) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32 */
  u32() {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n) {
    return n <= 0 ? 0 : this.u32() % n;
  }
  chance(p) {
    return this.u32() / 0x1_0000_0000 < p;
  }
  pick(a) {
    return a[this.int(a.length)];
  }
  bytes(n) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// Mutations. Each takes and returns a Uint8Array (never mutating its input).

const INTERESTING8 = [0, 1, 2, 3, 0x7f, 0x80, 0xfe, 0xff, 0x10, 0x20, 0x40, 0x47, 0x64];
const INTERESTING32 = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffff, 0x800000, 0xffffff, 0x1000000,
  0x7fffffff, 0x80000000, 0xffffffff,
];

function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function writeUint(buf, at, width, value, littleEndian) {
  for (let i = 0; i < width; i++) {
    const shift = littleEndian ? i * 8 : (width - 1 - i) * 8;
    buf[at + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
}

function readUint(buf, at, width, littleEndian) {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + buf[littleEndian ? at + width - 1 - i : at + i];
  return v;
}

/** A value a length field at `at` could plausibly be confused by: sizes of what follows, off by one. */
function lengthValue(rng, len, at, width) {
  const rest = len - at - width;
  const max = 2 ** (width * 8) - 1;
  const choices = [rest, rest + 1, rest - 1, len, 0, max, max >>> 1, rest * 2, rng.int(rest + 64)];
  return Math.max(0, Math.min(max, rng.pick(choices)));
}

const MUTATORS = [
  function flipBit(rng, b) {
    if (b.length === 0) return b;
    const out = b.slice();
    out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  function randomByte(rng, b) {
    if (b.length === 0) return b;
    const out = b.slice();
    out[rng.int(out.length)] = rng.u32() & 0xff;
    return out;
  },
  function interestingByte(rng, b) {
    if (b.length === 0) return b;
    const out = b.slice();
    out[rng.int(out.length)] = rng.pick(INTERESTING8);
    return out;
  },
  function arithmetic(rng, b) {
    const width = rng.pick([1, 2, 3, 4]);
    if (b.length < width) return b;
    const out = b.slice();
    const at = rng.int(out.length - width + 1);
    const le = rng.chance(0.2);
    const max = 2 ** (width * 8);
    const delta = (rng.int(35) + 1) * (rng.chance(0.5) ? 1 : -1);
    writeUint(out, at, width, (readUint(out, at, width, le) + delta + max) % max, le);
    return out;
  },
  function interestingWord(rng, b) {
    const width = rng.pick([2, 3, 4]);
    if (b.length < width) return b;
    const out = b.slice();
    const at = rng.int(out.length - width + 1);
    writeUint(out, at, width, rng.pick(INTERESTING32) % 2 ** (width * 8), rng.chance(0.2));
    return out;
  },
  function lengthField(rng, b) {
    const width = rng.pick([1, 2, 3, 4]);
    if (b.length < width) return b;
    const out = b.slice();
    const at = rng.int(out.length - width + 1);
    writeUint(out, at, width, lengthValue(rng, out.length, at, width), rng.chance(0.1));
    return out;
  },
  function insertRandom(rng, b) {
    const at = rng.int(b.length + 1);
    return concat([b.subarray(0, at), rng.bytes(rng.int(32) + 1), b.subarray(at)]);
  },
  function insertRepeated(rng, b) {
    const at = rng.int(b.length + 1);
    const fill = new Uint8Array(rng.int(64) + 1).fill(rng.chance(0.5) ? rng.pick(INTERESTING8) : rng.u32());
    return concat([b.subarray(0, at), fill, b.subarray(at)]);
  },
  function deleteRange(rng, b) {
    if (b.length < 2) return b;
    const at = rng.int(b.length);
    const n = Math.min(b.length - at, rng.chance(0.7) ? rng.int(16) + 1 : rng.int(b.length) + 1);
    return concat([b.subarray(0, at), b.subarray(at + n)]);
  },
  function duplicateRange(rng, b) {
    if (b.length === 0) return b;
    const from = rng.int(b.length);
    const n = Math.min(b.length - from, rng.int(256) + 1);
    const to = rng.int(b.length + 1);
    return concat([b.subarray(0, to), b.subarray(from, from + n), b.subarray(to)]);
  },
  function overwriteRange(rng, b) {
    if (b.length < 2) return b;
    const out = b.slice();
    const from = rng.int(b.length);
    const to = rng.int(b.length);
    const n = Math.min(b.length - from, b.length - to, rng.int(64) + 1);
    out.set(b.subarray(from, from + n), to);
    return out;
  },
  function truncate(rng, b) {
    if (b.length < 2) return b;
    return b.subarray(0, rng.int(b.length));
  },
];

function splice(rng, b, other) {
  const cutA = rng.int(b.length + 1);
  const cutB = rng.int(other.length + 1);
  return concat([b.subarray(0, cutA), other.subarray(cutB)]);
}

function insertToken(rng, b, dictionary) {
  const token = rng.pick(dictionary);
  const at = rng.int(b.length + 1);
  if (rng.chance(0.5)) return concat([b.subarray(0, at), token, b.subarray(at)]);
  const out = b.slice();
  out.set(token.subarray(0, Math.max(0, out.length - at)), at);
  return out;
}

/** One child of `parent`: 1 to 16 stacked mutations, sometimes a splice with another corpus entry. */
export function mutate(rng, parent, corpus, dictionary, maxLen) {
  let b = parent;
  const stack = 1 << rng.int(5);
  for (let i = 0; i < stack; i++) {
    const r = rng.int(20);
    if (r === 0 && corpus.length > 1) b = splice(rng, b, rng.pick(corpus).data);
    else if (r === 1 && dictionary.length > 0) b = insertToken(rng, b, dictionary);
    else b = rng.pick(MUTATORS)(rng, b);
  }
  if (b.length > maxLen) b = b.subarray(0, maxLen);
  return b === parent ? MUTATORS[0](rng, parent) : b;
}

// ---------------------------------------------------------------------------------------------------
// Running one input.

function errorFeature(e) {
  const code = e !== null && typeof e === 'object' && 'code' in e ? e.code : '';
  const name = e instanceof Error ? e.constructor.name : typeof e;
  return `throw:${name}:${code}`;
}

function describeError(e) {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}

/** Same bug, same signature: the error class, its message with numbers blanked, the first frame. */
export function crashSignature(e) {
  if (!(e instanceof Error)) return `non-Error:${typeof e}`;
  const frame = (e.stack ?? '').split('\n').find((l) => l.trim().startsWith('at ')) ?? '';
  const where = frame.replace(/:\d+:\d+\)?$/, '').replace(/^.*[/\\]/, '');
  // Targets' own checks say "what: details"; the details (the input's text) are not part of the bug.
  const head = e.message.split(': ')[0];
  const message = head.replace(/\b[0-9a-f]{6,}\b/g, 'H').replace(/\d+/g, 'N');
  return `${e.constructor.name}: ${message.slice(0, 120)} @ ${where}`;
}

/**
 * Runs `target` on `data`. Returns { crash: undefined | { error, signature, message, stack }, features,
 * ms }. A hang is only seen after the fact here; the `pnpm fuzz` runner also kills a worker stuck > 1 s.
 */
export function execute(target, data, options = {}) {
  const memBefore = options.checkAlloc ? process.memoryUsage().arrayBuffers : 0;
  const t0 = performance.now();
  let features;
  let crash;
  try {
    const r = target.run(data);
    features = r === undefined ? ['ok'] : Array.isArray(r) ? r : [r];
  } catch (e) {
    if (target.expected(e)) {
      features = [errorFeature(e)];
    } else {
      crash = { signature: crashSignature(e), message: describeError(e), stack: e?.stack ?? '' };
    }
  }
  const ms = performance.now() - t0;
  if (crash === undefined && ms > HANG_MS) {
    crash = { signature: 'hang', message: `took ${Math.round(ms)} ms (limit ${HANG_MS} ms)`, stack: '' };
  }
  if (crash === undefined && options.checkAlloc) {
    const grown = process.memoryUsage().arrayBuffers - memBefore;
    if (grown > ALLOC_LIMIT_BYTES) {
      crash = {
        signature: 'alloc',
        message: `ArrayBuffers grew by ${grown} bytes on a ${data.length}-byte input`,
        stack: '',
      };
    }
  }
  return { crash, features: features ?? [], ms };
}

/** Shrinks a crashing input while it keeps the same signature (chunk deletion, then byte zeroing). */
export function minimize(target, data, signature, budgetMs = 3000, onBefore = () => {}) {
  const start = performance.now();
  const same = (d) => {
    onBefore(d);
    return execute(target, d).crash?.signature === signature;
  };
  let best = data;
  for (let chunk = best.length >> 1; chunk >= 1; chunk >>= 1) {
    for (let at = 0; at + chunk <= best.length; ) {
      if (performance.now() - start > budgetMs) return best;
      const cand = concat([best.subarray(0, at), best.subarray(at + chunk)]);
      if (same(cand)) best = cand;
      else at += chunk;
    }
  }
  return best;
}

export function crasherName(targetName, data) {
  return `${targetName}-${createHash('sha256').update(data).digest('hex').slice(0, 12)}.bin`;
}

// ---------------------------------------------------------------------------------------------------
// Seeds and the fuzz loop.

function matchGlob(pattern, name) {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(name);
}

/** Reads a target's seed files (paths relative to its package, `*` allowed in the file name). */
export function loadSeedFiles(packageDir, patterns = []) {
  const out = [];
  for (const pattern of patterns) {
    const dir = join(packageDir, dirname(pattern));
    const base = pattern.slice(pattern.lastIndexOf('/') + 1);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (matchGlob(base, name)) out.push(new Uint8Array(readFileSync(join(dir, name))));
    }
  }
  return out;
}

/** The crashers saved for a package: [{ name, target, data }]. */
export function loadCrashers(packageDir) {
  const dir = join(packageDir, 'test', 'fixtures', 'crashers');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.bin'))
    .sort()
    .map((name) => ({
      name,
      target: name.replace(/-[0-9a-f]{12}\.bin$/, ''),
      data: new Uint8Array(readFileSync(join(dir, name))),
    }));
}

/** A seed longer than maxLen gives its head and a slice from its middle, so big files still help. */
function seedSlices(seed, maxLen) {
  if (seed.length <= maxLen) return [seed];
  const mid = Math.floor(seed.length / 2);
  return [seed.subarray(0, maxLen), seed.subarray(mid, mid + maxLen)];
}

/**
 * The fuzz loop for one target. Stops after `execs` runs or `seconds`, whichever comes first. The
 * corpus keeps every input that showed a new feature (outcome features from run(), plus coverage
 * features when `coverage` is given: a function returning the features seen since its last call).
 * Returns { execs, ms, corpus, features, crashes: [{ data, signature, message, stack }] }.
 */
export function fuzzTarget(target, options) {
  const rng = new Rng(options.seed ?? 1);
  const maxLen = target.maxLen ?? 4096;
  const dictionary = target.dictionary ?? [];
  const deadline = performance.now() + (options.seconds ?? Number.POSITIVE_INFINITY) * 1000;
  const maxExecs = options.execs ?? Number.POSITIVE_INFINITY;
  const coverage = options.coverage;
  const batchSize = options.batchSize ?? 64;
  const features = new Set();
  const corpus = [];
  const crashes = [];
  const signatures = new Set();
  const onBefore = options.onBefore ?? (() => {});
  let execs = 0;
  const t0 = performance.now();

  const record = (data, crash) => {
    if (signatures.has(crash.signature)) return;
    signatures.add(crash.signature);
    const small =
      crash.signature === 'hang' || crash.signature === 'alloc'
        ? data
        : minimize(target, data, crash.signature, options.minimizeMs ?? 3000, onBefore);
    const entry = { data: small.slice(), ...crash };
    crashes.push(entry);
    options.onCrash?.(entry);
  };
  const learn = (data, newFeatures) => {
    let fresh = false;
    for (const f of newFeatures) {
      if (!features.has(f)) {
        features.add(f);
        fresh = true;
      }
    }
    if (fresh) {
      const entry = { data: data.slice() };
      corpus.push(entry);
      options.onCorpus?.(entry.data);
    }
    return fresh;
  };
  const runOne = (data) => {
    onBefore(data);
    const r = execute(target, data, { checkAlloc: options.checkAlloc });
    execs++;
    if (r.crash !== undefined) record(data, r.crash);
    return r;
  };

  const files = options.seedFiles ?? [];
  const fromFiles = target.fromSeedFile === undefined ? files : files.flatMap((f) => target.fromSeedFile(f));
  const seeds = [...(options.corpus ?? []), ...(target.seeds?.() ?? []), ...fromFiles];
  if (seeds.length === 0) seeds.push(new Uint8Array(0));
  coverage?.();
  for (const seed of seeds) {
    for (const s of seedSlices(seed, maxLen)) {
      const r = runOne(s);
      if (r.crash === undefined) learn(s, [...r.features, ...(coverage?.() ?? [])]);
    }
  }
  if (corpus.length === 0) corpus.push({ data: seeds[0].subarray(0, maxLen) });

  let batch = [];
  while (execs < maxExecs && (execs & 63 || performance.now() < deadline)) {
    const parent = rng.pick(corpus).data;
    const child = mutate(rng, parent, corpus, dictionary, maxLen);
    const r = runOne(child);
    if (r.crash !== undefined) continue;
    if (coverage === undefined) {
      learn(child, r.features);
      continue;
    }
    // Coverage per batch: only when the batch as a whole reached something new is each input re-run.
    const outcomeNew = learn(child, r.features);
    if (!outcomeNew) batch.push(child);
    if (batch.length >= batchSize) {
      const seen = coverage();
      if (seen.some((f) => !features.has(f))) {
        coverage();
        for (const b of batch) {
          runOne(b);
          learn(b, coverage());
        }
        for (const f of seen) features.add(f);
      }
      batch = [];
    }
    options.onProgress?.(execs, corpus.length, features.size);
  }
  return { execs, ms: performance.now() - t0, corpus, features: features.size, crashes };
}

// ---------------------------------------------------------------------------------------------------
// V8 block coverage as features (for `pnpm fuzz`): the blocks hit. Hit counts are left out: summed
// over a batch they say nothing about one input, and as features they flood the corpus.

async function startCoverage(scriptUrl) {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params) => {
    let out;
    let err;
    session.post(method, params, (e, r) => {
      err = e;
      out = r;
    });
    if (err) throw err;
    return out;
  };
  post('Profiler.enable');
  post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  return () => {
    const features = [];
    for (const script of post('Profiler.takePreciseCoverage').result) {
      if (script.url !== scriptUrl) continue;
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          if (r.count > 0) features.push(`${r.startOffset}-${r.endOffset}`);
        }
      }
    }
    return features;
  };
}

// ---------------------------------------------------------------------------------------------------
// `pnpm fuzz`: bundle each package's fuzz/targets.ts (sources of every @livego package, not dist),
// run each target in a worker thread with a watchdog for hangs and a heap limit for runaway memory.

async function bundle(packageDir) {
  const requireFromTsup = createRequire(createRequire(join(ROOT, 'package.json')).resolve('tsup'));
  const esbuild = requireFromTsup('esbuild');
  // One bundle per run, so runs at the same time never load each other's build.
  const outfile = join(
    ROOT,
    packageDir,
    'node_modules',
    '.cache',
    'livego-fuzz',
    String(process.pid),
    'targets.mjs',
  );
  const workspace = {
    name: 'livego-src',
    setup(build) {
      build.onResolve({ filter: /^@livego\/[a-z-]+$/ }, (args) => {
        const name = args.path.slice('@livego/'.length);
        const dir = ['server', 'cli'].includes(name) ? `apps/${name}` : `packages/${name}`;
        return { path: join(ROOT, dir, 'src', 'index.ts') };
      });
    },
  };
  await esbuild.build({
    entryPoints: [join(ROOT, packageDir, 'fuzz', 'targets.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    packages: 'external',
    plugins: [workspace],
    logLevel: 'warning',
  });
  return outfile;
}

const SHARED_INPUT_MAX = 1 << 20;

async function workerMain() {
  const { bundlePath, packageDir, targetName, seconds, seed, useCoverage, corpus } = workerData;
  const url = pathToFileURL(bundlePath).href;
  const coverage = useCoverage ? await startCoverage(url) : undefined;
  const { targets } = await import(url);
  const target = targets.find((t) => t.name === targetName);
  const heartbeat = new Int32Array(workerData.shared, 0, 2);
  const inputBytes = new Uint8Array(workerData.shared, 8);
  let lastReport = performance.now();
  const result = fuzzTarget(target, {
    seed,
    seconds,
    coverage,
    checkAlloc: true,
    corpus: corpus.map((b) => new Uint8Array(b)),
    seedFiles: loadSeedFiles(join(ROOT, packageDir), target.seedFiles),
    onBefore(data) {
      const n = Math.min(data.length, SHARED_INPUT_MAX - 8);
      inputBytes.set(data.subarray(0, n));
      Atomics.store(heartbeat, 1, n);
      Atomics.add(heartbeat, 0, 1);
    },
    onCrash: (c) => parentPort.postMessage({ type: 'crash', crash: c }),
    onCorpus: (data) => parentPort.postMessage({ type: 'corpus', data }),
    onProgress(execs, corpusSize, featureCount) {
      Atomics.add(heartbeat, 0, 1);
      if ((execs & 255) !== 0) return;
      const now = performance.now();
      if (now - lastReport < 10_000) return;
      lastReport = now;
      parentPort.postMessage({ type: 'progress', execs, corpus: corpusSize, features: featureCount });
    },
  });
  parentPort.postMessage({
    type: 'done',
    execs: result.execs,
    corpus: result.corpus.length,
    features: result.features,
  });
}

function saveCrasher(packageDir, targetName, data) {
  const dir = join(ROOT, packageDir, 'test', 'fixtures', 'crashers');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, crasherName(targetName, data));
  if (!existsSync(file)) writeFileSync(file, data);
  return relative(ROOT, file);
}

/** Runs one target for `seconds` (restarting its worker after a hang or out-of-memory). */
async function runTarget(bundlePath, packageDir, targetName, seconds, seed, useCoverage) {
  const stats = { target: targetName, execs: 0, seconds, crashes: [], corpus: 0, features: 0 };
  const corpus = [];
  const end = Date.now() + seconds * 1000;
  let run = 0;
  while (Date.now() < end - 500) {
    const shared = new SharedArrayBuffer(SHARED_INPUT_MAX);
    const heartbeat = new Int32Array(shared, 0, 2);
    const remaining = (end - Date.now()) / 1000;
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: {
        bundlePath,
        packageDir,
        targetName,
        seconds: remaining,
        seed: seed + run++,
        useCoverage,
        corpus,
        shared,
      },
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
      stdout: true,
      stderr: true,
    });
    const current = () => new Uint8Array(shared, 8, Atomics.load(heartbeat, 1)).slice();
    const outcome = await new Promise((done) => {
      let last = -1;
      let lastChange = Date.now();
      let finished = false;
      const watch = setInterval(() => {
        const beat = Atomics.load(heartbeat, 0);
        if (beat !== last) {
          last = beat;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > HANG_MS + 500 && last > 0) {
          finished = true;
          clearInterval(watch);
          const data = current();
          worker.terminate().then(() => done({ kind: 'hang', data }));
        }
      }, 100);
      worker.on('message', (m) => {
        if (m.type === 'crash') {
          stats.crashes.push({ ...m.crash, file: saveCrasher(packageDir, targetName, m.crash.data) });
          console.log(`  ${targetName}: CRASH ${m.crash.message}`);
        } else if (m.type === 'corpus') {
          corpus.push(m.data);
        } else if (m.type === 'progress') {
          console.log(
            `  ${targetName}: ${stats.execs + m.execs} execs, corpus ${m.corpus}, ${m.features} features`,
          );
        } else if (m.type === 'done') {
          stats.execs += m.execs;
          stats.features = m.features;
        }
      });
      worker.on('error', (e) => {
        if (finished) return;
        finished = true;
        clearInterval(watch);
        done({ kind: e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : 'error', data: current(), error: e });
      });
      worker.on('exit', () => {
        if (finished) return;
        finished = true;
        clearInterval(watch);
        done({ kind: 'exit' });
      });
    });
    if (outcome.kind === 'exit') break;
    if (outcome.kind === 'error') throw outcome.error;
    stats.execs += Atomics.load(heartbeat, 0) >> 1;
    const message = outcome.kind === 'hang' ? `hung over ${HANG_MS} ms` : 'ran out of heap (1 GiB)';
    // The same hang is usually met again and again; a few inputs of each kind are enough to keep.
    const seen = stats.crashes.filter((c) => c.signature === outcome.kind).length;
    const file = seen < 3 ? saveCrasher(packageDir, targetName, outcome.data) : '(not saved: 3 kept)';
    stats.crashes.push({ signature: outcome.kind, message, file });
    console.log(`  ${targetName}: CRASH ${message} (${file}); restarting`);
  }
  stats.corpus = corpus.length;
  return stats;
}

async function cliMain(argv) {
  const names = [];
  let seconds = 60;
  let seed = Date.now() >>> 0;
  let useCoverage = true;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') seconds = Number(argv[++i]);
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--no-coverage') useCoverage = false;
    else if (a === '--list') list = true;
    else if (a === '--') continue;
    else names.push(a);
  }
  if (!(seconds > 0)) throw new TypeError('--seconds needs a positive number');
  const plan = [];
  for (const packageDir of PACKAGE_DIRS) {
    if (!existsSync(join(ROOT, packageDir, 'fuzz', 'targets.ts'))) continue;
    const bundlePath = await bundle(packageDir);
    const { targets } = await import(`${pathToFileURL(bundlePath).href}?t=${Date.now()}`);
    for (const t of targets) {
      if (names.length === 0 || names.includes(t.name)) plan.push({ packageDir, bundlePath, name: t.name });
    }
  }
  if (list) {
    for (const p of plan) console.log(`${p.name.padEnd(20)} ${p.packageDir}`);
    return 0;
  }
  const unknown = names.filter((n) => !plan.some((p) => p.name === n));
  if (unknown.length > 0) throw new TypeError(`unknown fuzz target(s): ${unknown.join(', ')} (see --list)`);
  console.log(`fuzzing ${plan.length} target(s), ${seconds} s each, seed ${seed}, coverage ${useCoverage}`);
  const results = [];
  for (const p of plan) {
    console.log(`${p.name} (${p.packageDir})`);
    results.push(await runTarget(p.bundlePath, p.packageDir, p.name, seconds, seed, useCoverage));
  }
  console.log('\ntarget               execs      exec/s  corpus  features  crashes');
  for (const r of results) {
    console.log(
      `${r.target.padEnd(20)} ${String(r.execs).padStart(9)} ${String(Math.round(r.execs / r.seconds)).padStart(9)}` +
        `  ${String(r.corpus).padStart(6)}  ${String(r.features).padStart(8)}  ${r.crashes.length}`,
    );
    for (const c of r.crashes) console.log(`    ${c.file}: ${c.message}`);
  }
  return results.some((r) => r.crashes.length > 0) ? 1 : 0;
}

if (!isMainThread && workerData?.targetName !== undefined && parentPort !== null) {
  await workerMain();
} else if (
  isMainThread &&
  process.argv[1] !== undefined &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  process.exitCode = await cliMain(process.argv.slice(2));
}
