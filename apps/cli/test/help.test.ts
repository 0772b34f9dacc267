import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LivegoConfig, loadConfig } from '../src/index.js';

interface FlagRow {
  name: string;
  type: 'string' | 'bool' | 'int';
  default: string | number | boolean;
  help: string;
}

/** livego's flag table, copied from the reference (test/fixtures/README.md). */
function livegoFlags(): FlagRow[] {
  const text = readFileSync(join(import.meta.dirname, 'fixtures', 'livego-flags.md'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('| `--'))
    .map((l) => {
      const [name, type, def, help] = l
        .split('|')
        .slice(1, 5)
        .map((c) => c.trim());
      const t = type as FlagRow['type'];
      const raw = (def ?? '').replaceAll('`', '');
      return {
        name: (name ?? '').replaceAll('`', '').replace(/^--/, ''),
        type: t,
        default: t === 'bool' ? raw === 'true' : t === 'int' ? Number(raw) : raw,
        help: (help ?? '').replace(/ \(\*\*.*$/, ''), // the reference's note is not livego's text
      };
    });
}

/** Where each livego flag lands in the config (config_file chooses the file, it is no field). */
const FIELD: Record<string, keyof LivegoConfig | undefined> = {
  rtmp_addr: 'rtmpAddr',
  enable_rtmps: 'enableRtmps',
  rtmps_cert: 'rtmpsCert',
  rtmps_key: 'rtmpsKey',
  httpflv_addr: 'httpflvAddr',
  hls_addr: 'hlsAddr',
  api_addr: 'apiAddr',
  config_file: undefined,
  level: 'level',
  hls_keep_after_end: 'hlsKeepAfterEnd',
  flv_dir: 'flvDir',
  read_timeout: 'readTimeoutSec',
  write_timeout: 'writeTimeoutSec',
  gop_num: 'gopNum',
  enable_tls_verify: 'enableTlsVerify',
};

/** `--name type   help (default x)` lines of one --help section, pflag's layout. */
function helpSection(help: string, heading: string) {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const m = /^ {6}--(\S+)(?: (string|int|float))? {3,}(.*?)(?: \(default (.*)\))?$/.exec(line);
    if (m === null) continue;
    rows.push({ name: m[1] as string, type: m[2] ?? 'bool', help: m[3] as string, default: m[4] });
  }
  return rows;
}

const emptyDir = () => mkdtempSync(join(tmpdir(), 'livego-cli-'));

describe('--help', () => {
  const flags = livegoFlags();
  const help = loadConfig({ argv: ['--help'], env: {} }).help ?? '';

  it("lists livego's 15 flags one to one, with livego's types, help texts and defaults", () => {
    expect(flags).toHaveLength(15);
    const rows = helpSection(help, "livego's flags");
    expect(rows.map((r) => r.name).sort()).toEqual(flags.map((f) => f.name).sort());
    for (const f of flags) {
      const r = rows.find((x) => x.name === f.name);
      expect(r, f.name).toBeDefined();
      expect(r?.type, f.name).toBe(f.type);
      expect(r?.help, f.name).toBe(f.help);
      // pflag prints no default for false, quotes strings.
      const shown =
        f.default === false
          ? undefined
          : typeof f.default === 'string'
            ? JSON.stringify(f.default)
            : String(f.default);
      expect(r?.default, f.name).toBe(shown);
    }
  });

  it('lists the added flags in their own section, none of them a livego flag', () => {
    const added = helpSection(help, 'Flags added here');
    expect(added.map((r) => r.name)).toContain('rtmps_addr');
    expect(added.map((r) => r.name)).toContain('hls_segment_sec');
    const livego = new Set(flags.map((f) => f.name));
    for (const r of added) expect(livego.has(r.name), r.name).toBe(false);
    expect(help).toMatch(/^ {2}-h, --help +show this help$/m);
    expect(help).toMatch(/^ {6}--version +print the version$/m);
  });

  it("starts with livego's defaults for every livego flag when nothing is given", () => {
    const { config, configFile } = loadConfig({ argv: [], env: {}, cwd: emptyDir() });
    expect(configFile).toBeUndefined();
    for (const f of flags) {
      const field = FIELD[f.name];
      expect(f.name in FIELD, f.name).toBe(true);
      if (field !== undefined) expect(config[field], f.name).toBe(f.default);
    }
    expect(config.apps).toEqual([
      { appname: 'live', live: true, hls: true, flv: true, api: true, staticPush: [] },
    ]);
  });

  it('takes every livego flag as --flag value and as --flag=value', () => {
    const samples: Record<string, [string, unknown]> = {
      rtmp_addr: ['127.0.0.1:1936', '127.0.0.1:1936'],
      rtmps_cert: ['a.crt', 'a.crt'],
      rtmps_key: ['a.key', 'a.key'],
      httpflv_addr: [':7101', ':7101'],
      hls_addr: ['[::1]:7102', '[::1]:7102'],
      api_addr: ['', ''],
      level: ['debug', 'debug'],
      flv_dir: ['/var/flv', '/var/flv'],
      read_timeout: ['20', 20],
      write_timeout: ['30', 30],
      gop_num: ['0', 0],
    };
    const cwd = emptyDir();
    for (const [name, [text, value]] of Object.entries(samples)) {
      const field = FIELD[name] as keyof LivegoConfig;
      expect(loadConfig({ argv: [`--${name}`, text], env: {}, cwd }).config[field], name).toEqual(value);
      expect(loadConfig({ argv: [`--${name}=${text}`], env: {}, cwd }).config[field], name).toEqual(value);
    }
  });

  it('reads bools as pflag does: --flag is true, --flag=false, strconv spellings', () => {
    const cwd = emptyDir();
    const get = (...argv: string[]) => loadConfig({ argv, env: {}, cwd }).config.hlsKeepAfterEnd;
    expect(get('--hls_keep_after_end')).toBe(true);
    expect(get('--hls_keep_after_end=false')).toBe(false);
    expect(get('--hls_keep_after_end=1')).toBe(true);
    expect(get('--hls_keep_after_end=F')).toBe(false);
    expect(get('--hls_keep_after_end', '--hls_keep_after_end=FALSE')).toBe(false); // the last one wins
    expect(loadConfig({ argv: ['--enable_tls_verify=false'], env: {}, cwd }).config.enableTlsVerify).toBe(
      false,
    );
    expect(loadConfig({ argv: ['--enable_rtmps=false'], env: {}, cwd }).config.enableRtmps).toBe(false);
    // pflag would keep "false" as a stray argument and turn the flag on; here it is an error.
    expect(() => get('--hls_keep_after_end', 'false')).toThrow(
      'unexpected argument "false" after --hls_keep_after_end (a bool flag takes its value as --hls_keep_after_end=false)',
    );
  });

  it("skips pnpm's leading -- separator and reports --version", () => {
    expect(loadConfig({ argv: ['--', '--version'], env: {} }).version).toBe(true);
    expect(loadConfig({ argv: ['-h'], env: {} }).help).toContain('Usage: livego');
  });
});
