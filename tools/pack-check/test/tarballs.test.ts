/**
 * Every published package as a new user gets it: packed with `pnpm pack` (workspace ranges become
 * versions), installed from the tarballs alone into a fresh project, then imported as ESM, loaded with
 * require() (Node >= 20.19 loads ES modules through require), compiled against by a strict TypeScript
 * consumer, and checked by publint and @arethetypeswrong/cli.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const PACKAGES = [
  ['amf', 'packages/amf'],
  ['codecs', 'packages/codecs'],
  ['flv', 'packages/flv'],
  ['rtmp-protocol', 'packages/rtmp-protocol'],
  ['mpegts', 'packages/mpegts'],
  ['hls', 'packages/hls'],
  ['hub', 'packages/hub'],
  ['cli', 'apps/cli'],
  ['server', 'apps/server'],
] as const;

let work: string;
let consumer: string;
const tarballs = new Map<string, string>();

function sh(cmd: string, args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'livego-pack-'));
  const packs = join(work, 'packs');
  mkdirSync(packs);
  for (const [name, dir] of PACKAGES) {
    const before = new Set(readdirSync(packs));
    execFileSync('pnpm', ['pack', '--pack-destination', packs], { cwd: join(root, dir), stdio: 'pipe' });
    const made = readdirSync(packs).find((f) => !before.has(f));
    if (made === undefined) throw new Error(`pnpm pack made no tarball for ${name}`);
    tarballs.set(name, join(packs, made));
  }
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  // Each sibling range (e.g. @livego/codecs ^0.0.0 inside @livego/mpegts) is the tarball too.
  const deps = Object.fromEntries(PACKAGES.map(([n]) => [`@livego/${n}`, `file:${tarballs.get(n)}`]));
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: deps,
      pnpm: { overrides: deps },
    }),
  );
  const install = sh(
    'pnpm',
    ['install', '--prefer-offline', '--ignore-scripts', '--no-frozen-lockfile'],
    consumer,
  );
  if (install.code !== 0) throw new Error(`installing the tarballs failed:\n${install.out}`);
}, 180_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('ship their dist, README and LICENSE, and no sources or tests', () => {
    for (const [name, file] of tarballs) {
      const files = execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).trim().split('\n');
      for (const f of [
        'package/package.json',
        'package/README.md',
        'package/LICENSE',
        'package/dist/index.js',
        'package/dist/index.d.ts',
      ])
        expect(files, name).toContain(f);
      expect(
        files.filter((f) => /^package\/(src|test|fuzz|bench)\//.test(f)),
        name,
      ).toEqual([]);
    }
  });

  it('import as ES modules and load with require(), with the same exports', () => {
    for (const [name] of PACKAGES) {
      const spec = `@livego/${name}`;
      const esm = sh(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import('${spec}'); console.log(JSON.stringify(Object.keys(m).sort()))`,
        ],
        consumer,
      );
      expect(esm.code, esm.out).toBe(0);
      const cjs = sh(
        process.execPath,
        [
          '--no-warnings',
          '-e',
          `console.log(JSON.stringify(Object.keys(require('${spec}')).filter((k) => k !== '__esModule').sort()))`,
        ],
        consumer,
      );
      expect(cjs.code, cjs.out).toBe(0);
      const keys = JSON.parse(esm.out.trim().split('\n').at(-1)!) as string[];
      expect(keys.length, name).toBeGreaterThan(0);
      expect(JSON.parse(cjs.out.trim().split('\n').at(-1)!), name).toEqual(keys);
    }
  });

  it('type-check in a strict TypeScript consumer (nodenext)', () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `import { type AmfValue, encodeAmf0 } from '@livego/amf';
import { AAC_SAMPLE_RATES } from '@livego/codecs';
import { encodeAudioTagData } from '@livego/flv';
import { Hub, type MediaPacket } from '@livego/hub';
import { HlsSegmenter } from '@livego/hls';
import { PTS_HZ } from '@livego/mpegts';
import { ServerSession, type ServerSessionState } from '@livego/rtmp-protocol';
import { defaultConfig, type LivegoConfig } from '@livego/cli';
import { createServer, type LivegoServer } from '@livego/server';

const value: AmfValue = { name: 'consumer' };
const bytes: Uint8Array = encodeAmf0(value);
const hub = new Hub({ maxStreams: 10 });
const session = new ServerSession();
let state: ServerSessionState | undefined;
const config: LivegoConfig = { ...defaultConfig(), rtmpAddr: '127.0.0.1:0' };
const server: LivegoServer = createServer({ ...config, workers: 1 });
const packet: MediaPacket | undefined = undefined;
export const used = [bytes, hub, session, state, server, packet, AAC_SAMPLE_RATES, PTS_HZ, HlsSegmenter, encodeAudioTagData];
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = sh(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
      consumer,
    );
    expect(tsc.out).toBe('');
    expect(tsc.code).toBe(0);
  });

  it('pass publint and @arethetypeswrong/cli', () => {
    const bin = join(import.meta.dirname, '..', 'node_modules', '.bin');
    for (const [name, dir] of PACKAGES) {
      const lint = sh(join(bin, 'publint'), ['--strict', join(root, dir)], root);
      expect(lint.code, `${name}: ${lint.out}`).toBe(0);
      // ESM only: require() of it works from Node 20.19 (require(esm)), which attw counts as a problem.
      const types = sh(
        join(bin, 'attw'),
        [tarballs.get(name)!, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii'],
        root,
      );
      expect(types.code, `${name}: ${types.out}`).toBe(0);
    }
  });
});
