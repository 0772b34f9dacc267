/**
 * The servers under test, each started on free loopback ports and stopped after its run:
 * ours (apps/server/dist/bin.js), nginx-rtmp (Debian nginx + libnginx-mod-rtmp), node-media-server 4
 * (npm, installed on demand into the cache) and SRS (when SRS_BIN is set).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, repoRoot } from './paths.js';

export type ServerKind = 'ours' | 'nginx' | 'nms' | 'srs';
export const SERVER_KINDS: readonly ServerKind[] = ['ours', 'nginx', 'nms', 'srs'];

export const NGINX_BIN = '/usr/sbin/nginx';
export const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
export const OURS_BIN = join(repoRoot, 'apps/server/dist/bin.js');

export interface ServerSpec {
  kind: ServerKind;
  /** How the tables name it, e.g. `ours merge_write_ms=350`. */
  label: string;
  /** Extra flags (ours only). */
  flags: string[];
  /** Serve HLS too (ours only: its hls_addr on a free port). */
  hls?: boolean;
}

export interface RunningServer {
  spec: ServerSpec;
  pid: number;
  host: string;
  rtmpPort: number;
  /** 0: no HTTP-FLV. */
  httpPort: number;
  /** 0: no HLS. */
  hlsPort: number;
  app: string;
  /** Streams go to rtmp://host:rtmpPort/app/<name>. */
  stop(): Promise<void>;
  logFile: string;
}

/** Whether the server can run here; a string says why not. */
export function availability(kind: ServerKind): true | string {
  if (kind === 'ours')
    return existsSync(OURS_BIN) ? true : `${OURS_BIN} is missing: run \`pnpm build\` first`;
  if (kind === 'nginx') {
    if (!existsSync(NGINX_BIN)) return `${NGINX_BIN} is missing (apt-get install nginx libnginx-mod-rtmp)`;
    if (!existsSync(NGINX_RTMP_MODULE))
      return `${NGINX_RTMP_MODULE} is missing (apt-get install libnginx-mod-rtmp)`;
    return true;
  }
  if (kind === 'nms') {
    const npm = spawnSync('npm', ['--version'], { stdio: 'ignore' });
    return npm.status === 0 || existsSync(nmsEntry()) ? true : 'npm is missing';
  }
  const bin = process.env.SRS_BIN;
  if (bin === undefined || bin === '') return 'SRS_BIN is not set';
  return existsSync(bin) ? true : `SRS_BIN=${bin} does not exist`;
}

export function supportsHttpFlv(kind: ServerKind): boolean {
  return kind !== 'nginx';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

async function launch(
  spec: ServerSpec,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  dir: string,
  ports: { rtmp: number; http: number; hls?: number },
  cleanup: () => void,
): Promise<RunningServer> {
  const logFile = join(dir, 'server.log');
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(cmd, args, { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.once('error', () => {
    exited = true;
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    }
    log.end();
    cleanup();
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up =
      (await canConnect('127.0.0.1', ports.rtmp)) &&
      (ports.http === 0 || (await canConnect('127.0.0.1', ports.http)));
    if (up) break;
    if (exited || Date.now() > deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const why = exited ? `exited (${child.exitCode ?? child.signalCode})` : 'did not listen within 15 s';
      const text = tail(logFile);
      await stop();
      throw new Error(`${spec.label}: ${cmd} ${args.join(' ')} ${why}\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    spec,
    pid: child.pid!,
    host: '127.0.0.1',
    rtmpPort: ports.rtmp,
    httpPort: ports.http,
    hlsPort: ports.hls ?? 0,
    app: 'live',
    stop,
    logFile,
  };
}

function nmsEntry(): string {
  return join(cacheDir, 'nms', 'node_modules', 'node-media-server', 'src', 'index.js');
}

/** node-media-server 4 into the cache (never a dependency of the repository). */
function ensureNms(): string {
  const entry = nmsEntry();
  if (existsSync(entry)) return entry;
  const prefix = join(cacheDir, 'nms');
  mkdirSync(prefix, { recursive: true });
  process.stderr.write(`installing node-media-server@4 into ${prefix}\n`);
  const r = spawnSync(
    'npm',
    ['install', '--prefix', prefix, 'node-media-server@4', '--no-audit', '--no-fund'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (r.status !== 0 || !existsSync(entry)) throw new Error('npm install node-media-server@4 failed');
  return entry;
}

export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const ok = availability(spec.kind);
  if (ok !== true) throw new Error(`${spec.label}: ${ok}`);
  const dir = mkdtempSync(join(tmpdir(), `loadgen-${spec.kind}-`));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const [rtmp, http, api, hls] = (await freePorts(4)) as [number, number, number, number];
  if (spec.kind === 'ours') {
    const args = [
      OURS_BIN,
      '--rtmp_addr',
      `127.0.0.1:${rtmp}`,
      '--httpflv_addr',
      `127.0.0.1:${http}`,
      spec.hls === true ? `--hls_addr=127.0.0.1:${hls}` : '--hls_addr=',
      '--api_addr',
      `127.0.0.1:${api}`,
      '--level=error',
      ...spec.flags,
    ];
    return launch(
      spec,
      process.execPath,
      args,
      { ...process.env, RTMP_NOAUTH: 'true' },
      dir,
      { rtmp, http, hls: spec.hls === true ? hls : 0 },
      cleanup,
    );
  }
  if (spec.kind === 'nginx') {
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(dir, d));
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `load_module ${NGINX_RTMP_MODULE};
daemon off;
master_process on;
worker_processes 1;
error_log ${join(dir, 'logs/error.log')} error;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
}
rtmp {
  server {
    listen 127.0.0.1:${rtmp};
    chunk_size 4096;
    application live { live on; }
  }
}
`,
    );
    return launch(spec, NGINX_BIN, ['-c', conf, '-p', dir], process.env, dir, { rtmp, http: 0 }, cleanup);
  }
  if (spec.kind === 'nms') {
    const entry = ensureNms();
    const script = join(dir, 'nms.cjs');
    const config = {
      bind: '127.0.0.1',
      rtmp: { port: rtmp },
      http: { port: http },
      store: { path: join(dir, 'data') },
      auth: { play: false, publish: false },
      webadmin: { enable: false },
      record: { auto: false, path: join(dir, 'record') },
    };
    writeFileSync(
      script,
      `const NodeMediaServer = require(${JSON.stringify(entry)});
const logger = require(${JSON.stringify(join(entry, '..', 'core', 'logger.js'))});
const nms = new NodeMediaServer(${JSON.stringify(config)});
logger.level = 'error';
nms.run();
process.on('SIGTERM', () => process.exit(0));
`,
    );
    return launch(spec, process.execPath, [script], process.env, dir, { rtmp, http }, cleanup);
  }
  // SRS: a minimal conf with HTTP-FLV remux.
  const conf = join(dir, 'srs.conf');
  writeFileSync(
    conf,
    `listen ${rtmp};
max_connections 4000;
daemon off;
srs_log_tank console;
srs_log_level error;
pid ${join(dir, 'srs.pid')};
http_server { enabled on; listen ${http}; dir ${dir}; }
vhost __defaultVhost__ {
  http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
}
`,
  );
  return launch(spec, process.env.SRS_BIN!, ['-c', conf], process.env, dir, { rtmp, http }, cleanup);
}
