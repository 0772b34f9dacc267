import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, envName, KEYS, loadConfig } from '../src/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'livego-cli-prop-'));

/** loadConfig either returns a config or throws a ConfigError, never anything else. */
function onlyConfigErrors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.message).not.toContain('\n');
  }
}

const names = [...KEYS.map((k) => k.key), 'config_file', 'help', 'version', 'server', 'jwt', 'nope'];
const token = fc.oneof(
  fc.string(),
  fc.constantFrom(...names).map((n) => `--${n}`),
  fc.tuple(fc.constantFrom(...names), fc.string()).map(([n, v]) => `--${n}=${v}`),
  fc.constantFrom('--', '-', '-h', 'true', 'false', ':0', '127.0.0.1:0', '-1', '1e3', '0x10'),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom('appname', 'live', 'hls', 'static_push', 'secret', 'algorithm', 'x'),
      tie('v'),
      {
        maxKeys: 3,
      },
    ),
  ),
})).v;

describe('random input', () => {
  it('random argv gives a config or a one-line ConfigError', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), (argv) => {
        onlyConfigErrors(() => loadConfig({ argv, env: {}, cwd }));
      }),
      { numRuns: 500 },
    );
  });

  it('random environment values give a config or a one-line ConfigError', () => {
    const envNames = KEYS.map((k) => envName(k.key));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...envNames), fc.string(), { maxKeys: 4 }), (env) => {
        onlyConfigErrors(() => loadConfig({ argv: [], env, cwd }));
      }),
      { numRuns: 300 },
    );
  });

  it('random YAML documents of livego keys give a config or a one-line ConfigError', () => {
    const keys = [
      ...KEYS.filter((k) => !k.key.includes('.')).map((k) => k.key),
      'server',
      'jwt',
      'config_file',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 5 }), (doc) => {
        const dir = mkdtempSync(join(cwd, 'y-'));
        writeFileSync(join(dir, 'livego.yaml'), stringify(doc));
        onlyConfigErrors(() => loadConfig({ argv: [], env: {}, cwd: dir }));
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes as livego.yaml or a .json file give a config or a one-line ConfigError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), fc.boolean(), (text, json) => {
        const dir = mkdtempSync(join(cwd, 'b-'));
        const file = json ? 'c.json' : 'livego.yaml';
        writeFileSync(join(dir, file), text);
        onlyConfigErrors(() => loadConfig({ argv: json ? ['--config_file', file] : [], env: {}, cwd: dir }));
      }),
      { numRuns: 300 },
    );
  });

  it('keys and arguments with any characters still give one-line errors', () => {
    const any = fc.string({ unit: 'binary', maxLength: 8 });
    fc.assert(
      fc.property(fc.dictionary(any, fc.constant(1), { minKeys: 1, maxKeys: 2 }), any, (doc, arg) => {
        const dir = mkdtempSync(join(cwd, 'k-'));
        writeFileSync(join(dir, 'livego.yaml'), stringify(doc));
        onlyConfigErrors(() => loadConfig({ argv: [], env: {}, cwd: dir }));
        onlyConfigErrors(() => loadConfig({ argv: [`--${arg}`], env: {}, cwd }));
        onlyConfigErrors(() => loadConfig({ argv: [arg], env: {}, cwd }));
      }),
      { numRuns: 300 },
    );
  });

  it('a config that loads keeps its value through YAML: file and flags agree', () => {
    // Every flag value that loads from argv loads to the same config from a file.
    const flagKeys = KEYS.filter((k) => k.flag !== undefined && k.type !== 'bool');
    fc.assert(
      fc.property(fc.constantFrom(...flagKeys), fc.oneof(fc.string(), fc.nat().map(String)), (spec, text) => {
        let fromFlag: unknown;
        try {
          fromFlag = loadConfig({ argv: [`--${spec.key}=${text}`], env: {}, cwd }).config;
        } catch {
          return;
        }
        const dir = mkdtempSync(join(cwd, 'r-'));
        writeFileSync(join(dir, 'livego.yaml'), stringify({ [spec.key]: text }));
        expect(loadConfig({ argv: [], env: {}, cwd: dir }).config).toEqual(fromFlag);
      }),
      { numRuns: 300 },
    );
  });
});
