import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ServerConfig } from '../src/config.js';
import { createServer, type LivegoServer } from '../src/index.js';

/** A server on loopback, every listener on port 0. */
export async function startServer(config: Partial<ServerConfig> = {}): Promise<LivegoServer> {
  const server = createServer(
    {
      workers: 1,
      rtmpAddr: '127.0.0.1:0',
      httpflvAddr: '127.0.0.1:0',
      hlsAddr: '127.0.0.1:0',
      apiAddr: '127.0.0.1:0',
      ...config,
    },
    { logger: pino({ level: process.env.LIVEGO_TEST_LOG ?? 'silent' }) },
  );
  await server.start();
  return server;
}

export function url(server: LivegoServer, listener: 'api' | 'httpflv', path: string): string {
  const a = server.address()[listener];
  if (a === undefined) throw new Error(`${listener} is not listening`);
  return `http://127.0.0.1:${a.port}${path}`;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** Runs a program to its end (killed after `timeoutMs`). */
export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return start(cmd, args, timeoutMs).done;
}

/** Kills every program `run` started that is still running (for afterAll). */
export function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a program and returns it with a promise of its end (for players that run alongside). */
export function start(
  cmd: string,
  args: string[],
  timeoutMs = 60_000,
): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

/**
 * Publishes an FLV file with ffmpeg (stream copy) to `target`: `realtime` reads it at its own pace
 * (`-re`), `extra` are output options before the target (e.g. `-tls_verify 0`).
 */
export function publishFlv(
  file: string,
  target: string,
  {
    realtime = false,
    extra = [],
    timeoutMs = 60_000,
  }: { realtime?: boolean; extra?: string[]; timeoutMs?: number } = {},
): { child: ChildProcess; done: Promise<RunResult> } {
  return start(
    'ffmpeg',
    ['-v', 'error', ...(realtime ? ['-re'] : []), '-i', file, '-c', 'copy', '-f', 'flv', ...extra, target],
    timeoutMs,
  );
}

/** A self-signed certificate for 127.0.0.1 made by openssl: `dir`/server.crt and `dir`/server.key. */
export async function selfSignedCert(dir: string): Promise<RunResult & { cert: string; key: string }> {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  const r = await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-days',
    '1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { ...r, cert, key };
}

export async function channelKey(
  server: import('../src/index.js').LivegoServer,
  room: string,
): Promise<string> {
  const res = await fetch(url(server, 'api', `/control/get?room=${encodeURIComponent(room)}`));
  return ((await res.json()) as { data: string }).data;
}

export function rtmpUrl(server: import('../src/index.js').LivegoServer, path: string): string {
  return `rtmp://127.0.0.1:${server.address().rtmp!.port}${path}`;
}
