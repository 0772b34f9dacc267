/**
 * The real `livego` bin (dist/bin.js, built by `pnpm build`): help, version, exit code 2 with one
 * line for a bad flag or config, and a run that listens and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@livego/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, run, start, waitFor } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');
const VERSION = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** argv for `env`: the bin in `cwd` with only PATH in its environment (no stray LEVEL or GOP_NUM). */
function livego(cwd: string, ...args: string[]): [string, string[]] {
  return [
    'env',
    ['-i', '-C', cwd, `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, process.execPath, BIN, ...args],
  ];
}

const emptyDir = () => mkdtempSync(join(tmpdir(), 'livego-bin-'));

afterAll(killAll);

describe('the livego bin', () => {
  it("prints --help with livego's flags and exits 0", async () => {
    const r = await run(...livego(emptyDir(), '--help'), 10_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(loadConfig({ argv: ['--help'], env: {} }).help);
    for (const flag of [
      '--rtmp_addr string',
      '--gop_num int',
      '--enable_tls_verify',
      '--config_file string',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('prints the package version', async () => {
    const r = await run(...livego(emptyDir(), '--version'), 10_000);
    expect([r.code, r.stdout]).toEqual([0, `livego ${VERSION}\n`]);
  });

  it('prints the version of the installed package it runs from, read at run time (not the cli’s)', async () => {
    // The published layout after `changeset version`: <pkg>/package.json with the released version,
    // <pkg>/dist, and a .bin symlink to dist/bin.js. The dependencies resolve through <pkg>/node_modules.
    const root = emptyDir();
    const pkg = join(root, 'node_modules', '@livego', 'server');
    mkdirSync(pkg, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ ...manifest, version: '9.8.7-release' }));
    cpSync(join(import.meta.dirname, '..', 'dist'), join(pkg, 'dist'), { recursive: true });
    symlinkSync(join(import.meta.dirname, '..', 'node_modules'), join(pkg, 'node_modules'));
    mkdirSync(join(root, 'node_modules', '.bin'));
    const bin = join(root, 'node_modules', '.bin', 'livego');
    symlinkSync(join(pkg, 'dist', 'bin.js'), bin);
    try {
      const r = await run(
        'env',
        ['-i', '-C', root, `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, process.execPath, bin, '--version'],
        10_000,
      );
      expect([r.code, r.stdout]).toEqual([0, 'livego 9.8.7-release\n']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('exits 2 with one line for a bad flag', async () => {
    const r = await run(...livego(emptyDir(), '--gop_num', 'abc'), 10_000);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      'livego: --gop_num: expected a whole number >= 0, got "abc"\n',
    ]);
  });

  it('exits 2 with one line naming the file and the key for a bad livego.yaml', async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, 'livego.yaml'), 'rtmp_adr: ":1935"\n');
    const r = await run(...livego(cwd), 10_000);
    expect([r.code, r.stderr]).toEqual([
      2,
      'livego: livego.yaml: rtmp_adr: unknown key (did you mean rtmp_addr?)\n',
    ]);
  });

  it('listens on the configured addresses, serves the API and exits 0 on SIGTERM', async () => {
    const cwd = emptyDir();
    // The file sets one listener, flags the rest: both sources reach the server.
    writeFileSync(
      join(cwd, 'livego.yaml'),
      'api_addr: "127.0.0.1:0"\nserver:\n  - appname: live\n    live: true\n',
    );
    const flags = ['--rtmp_addr=127.0.0.1:0', '--httpflv_addr', '127.0.0.1:0', '--hls_addr=127.0.0.1:0'];
    const { child, done } = start(...livego(cwd, ...flags), 30_000);
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const apiPort = (): number | undefined => {
      for (const line of stderr.split('\n')) {
        if (!line.includes('"listening"')) continue;
        const entry = JSON.parse(line) as { listener: string; address: { port: number } };
        if (entry.listener === 'api') return entry.address.port;
      }
      return undefined;
    };
    await waitFor(() => apiPort() !== undefined, 10_000, 'the API listener');
    expect(stderr).toMatch(/"configFile":"livego.yaml"/);
    const res = await fetch(`http://127.0.0.1:${apiPort()}/control/get?room=bin`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: string }).data).toMatch(/^[0-9a-zA-Z]{48}$/);

    const sent = Date.now();
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(Date.now() - sent).toBeLessThan(5000);
  });

  it('`npm start` takes livego.yaml from the directory it is run in, not the repository root', async () => {
    const cwd = emptyDir();
    writeFileSync(
      join(cwd, 'livego.yaml'),
      'rtmp_addr: "127.0.0.1:0"\nhttpflv_addr: ""\nhls_addr: ""\napi_addr: "127.0.0.1:0"\nlevel: info\n',
    );
    const repo = join(import.meta.dirname, '..', '..', '..');
    // Its own process group: npm, the script and the server are stopped together.
    const child = spawn('npm', ['--prefix', repo, 'start'], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    try {
      await waitFor(() => out.includes('"listener":"api"'), 60_000, 'the server started by npm start');
      expect(out).toMatch(/"configFile":"livego.yaml"/);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  }, 90_000);

  it('exits 1 with one line when an address is taken', async () => {
    const cwd = emptyDir();
    const first = start(
      ...livego(cwd, '--rtmp_addr=127.0.0.1:0', '--httpflv_addr=', '--hls_addr=', '--api_addr=127.0.0.1:0'),
    );
    let stderr = '';
    first.child.stderr!.on('data', (d) => {
      stderr += d;
    });
    await waitFor(() => /"listener":"api".*"port":(\d+)/.test(stderr), 10_000, 'the first server');
    const port = Number(/"listener":"api".*?"port":(\d+)/.exec(stderr)?.[1]);
    const r = await run(
      ...livego(cwd, '--rtmp_addr=', '--httpflv_addr=', '--hls_addr=', `--api_addr=127.0.0.1:${port}`),
      10_000,
    );
    first.child.kill('SIGTERM');
    await first.done;
    expect(r.code).toBe(1);
    // One line for the user; the JSON log lines written before it (at info) may or may not be out.
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^livego: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+$/);
  });
});
