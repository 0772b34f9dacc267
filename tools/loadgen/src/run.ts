/**
 * One run: start a server, publish the fixture, ramp N players over K worker threads, wait for the
 * warm-up, then measure a steady window — the players' lag and first keyframes, the server's CPU,
 * RSS and write syscalls from /proc, and the tool's own CPU and per-thread busyness.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { nowMs } from './clock.js';
import type { Fixture } from './fixture.js';
import { createSendLogBuffer } from './identity.js';
import { type ProcSample, sampleTree } from './proc.js';
import { Publisher } from './publisher.js';
import { type RunningServer, type ServerSpec, startServer } from './servers.js';
import {
  type FromHls,
  type FromWorker,
  type HlsClientResult,
  type PlayerResult,
  PROTOCOLS,
  type Protocol,
  type ToHls,
  type ToWorker,
} from './types.js';

export type ProtocolChoice = Protocol | 'mixed';

export interface RunOptions {
  server: ServerSpec;
  protocol: ProtocolChoice;
  players: number;
  seconds: number;
  warmupSec: number;
  rampPerSec: number;
  /** Player threads; 0 = auto. */
  threads: number;
  fixture: Fixture;
  /** With protocol 'mixed': the protocols players take in turn (default all three). */
  mix?: Protocol[];
  stream?: string;
  /** Bytes of each player's static read buffer. */
  readBufferBytes?: number;
  /** HLS clients beside the players (ours only; 0: none). */
  hlsClients?: number;
  log?: (line: string) => void;
}

export interface RunResult {
  server: string;
  kind: string;
  protocol: ProtocolChoice;
  asked: number;
  playing: number;
  fellBehind: number;
  lagP50Ms: number;
  lagP95Ms: number;
  lagMaxMs: number;
  firstKeyframeP50Ms: number;
  firstKeyframeP95Ms: number;
  /** Server CPU over the window, % of one core (whole process tree). */
  serverCpuPct: number;
  serverRssMb: number;
  /** RSS at the start of the window (to see it stay flat). */
  serverRssStartMb: number;
  /** Memory with shared pages (the node binary and libraries) counted once: private pages + shared once. */
  serverMemMb: number;
  serverMemStartMb: number;
  /** RSS and memory (shared once) every 10 s of the window. */
  memory: MemorySample[];
  syscwPerSec: number;
  serverProcesses: number;
  /** The tool's process CPU over the window, % of one core. */
  toolCpuPct: number;
  threads: number;
  /** Event-loop utilization over the window: main thread (publisher) first, then each player thread. */
  utilization: number[];
  valid: boolean;
  invalidReason: string | undefined;
  windowSec: number;
  publisherMaxLateMs: number;
  /** Video frames the players received that were not in the publisher's log. */
  unmatchedFrames: number;
  framesReceived: number;
  /** A few player errors, with counts. */
  errors: Record<string, number>;
  /** Every player's numbers (for --json and tests). */
  perPlayer: PlayerResult[];
  /** With HLS clients: their numbers. */
  hls: HlsSummary | undefined;
}

export interface MemorySample {
  atSec: number;
  rssMb: number;
  memMb: number;
}

export interface HlsSummary {
  asked: number;
  /** Clients that fetched segments in the window and did not fall behind. */
  ok: number;
  fellBehind: number;
  segmentP50Ms: number;
  segmentP95Ms: number;
  playlistP95Ms: number;
  segments: number;
  mbitPerSec: number;
  /** A few reasons, with counts. */
  reasons: Record<string, number>;
  utilization: number;
}

/** Busy threshold: a tool thread at or above it makes the run INVALID. */
export const BUSY_LIMIT = 0.9;

export function autoThreads(players: number): number {
  return Math.max(1, Math.min(Math.ceil(players / 500), availableParallelism() - 1));
}

/** Nearest-rank percentile of finite values; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const distUrl = (file: string) =>
  new URL(import.meta.url.endsWith('.ts') ? `../dist/${file}` : `./${file}`, import.meta.url);
const workerUrl = distUrl('worker.js');
const hlsWorkerUrl = distUrl('hls-worker.js');

function summarizeHls(clients: HlsClientResult[], utilization: number, windowMs: number): HlsSummary {
  const reasons: Record<string, number> = {};
  for (const c of clients) if (c.error !== undefined) reasons[c.error] = (reasons[c.error] ?? 0) + 1;
  const seg = clients.flatMap((c) => c.segmentMs);
  const bytes = clients.reduce((n, c) => n + c.bytes, 0);
  return {
    asked: clients.length,
    ok: clients.filter((c) => c.ok && !c.fellBehind && c.segments > 0).length,
    fellBehind: clients.filter((c) => c.fellBehind || c.segments === 0).length,
    segmentP50Ms: percentile(seg, 50),
    segmentP95Ms: percentile(seg, 95),
    playlistP95Ms: percentile(
      clients.flatMap((c) => c.playlistMs),
      95,
    ),
    segments: seg.length,
    mbitPerSec: (bytes * 8) / 1e6 / (windowMs / 1000),
    reasons,
    utilization,
  };
}

class WorkerHandle {
  readonly worker: Worker;
  progress = { started: 0, playing: 0, failed: 0 };
  error: Error | undefined;
  private waiting: ((m: FromWorker) => void) | undefined;

  constructor() {
    this.worker = new Worker(workerUrl);
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'progress') this.progress = m;
      else this.waiting?.(m);
    });
    this.worker.on('error', (e) => {
      this.error = e;
      this.waiting?.({ type: 'stopped' });
    });
  }

  post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  next<T extends FromWorker['type']>(type: T, timeoutMs = 30_000): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`worker: no ${type} after ${timeoutMs} ms`)), timeoutMs);
      this.waiting = (m) => {
        if (this.error !== undefined) {
          clearTimeout(t);
          reject(this.error);
          return;
        }
        if (m.type !== type) return;
        clearTimeout(t);
        this.waiting = undefined;
        resolve(m as Extract<FromWorker, { type: T }>);
      };
    });
  }
}

export async function runOne(o: RunOptions): Promise<RunResult> {
  const log = o.log ?? (() => {});
  const stream = o.stream ?? 'bench';
  const threads = o.threads > 0 ? o.threads : autoThreads(o.players);
  const protocols: Protocol[] = o.protocol === 'mixed' ? (o.mix ?? [...PROTOCOLS]) : [o.protocol];
  let server: RunningServer | undefined;
  let publisher: Publisher | undefined;
  const workers: WorkerHandle[] = [];
  const hlsClients = o.hlsClients ?? 0;
  let hlsWorker: Worker | undefined;
  try {
    server = await startServer({ ...o.server, hls: hlsClients > 0 });
    log(`${o.server.label}: pid ${server.pid}, rtmp ${server.rtmpPort}, http ${server.httpPort || '-'}`);
    const sendLog = createSendLogBuffer();
    publisher = new Publisher(
      `rtmp://${server.host}:${server.rtmpPort}/${server.app}/${stream}`,
      o.fixture,
      sendLog,
    );
    await publisher.start();
    await sleep(500);

    for (let k = 0; k < threads; k++) workers.push(new WorkerHandle());
    const perWorker: { index: number; protocol: Protocol }[][] = workers.map(() => []);
    for (let i = 0; i < o.players; i++) {
      // Protocols in turn; each thread gets a run of all of them.
      const n = protocols.length;
      perWorker[Math.floor(i / n) % threads]!.push({ index: i, protocol: protocols[i % n]! });
    }
    const target = {
      host: server.host,
      rtmpPort: server.rtmpPort,
      httpPort: server.httpPort,
      app: server.app,
      stream,
    };
    const t0Ms = nowMs() + 50;
    for (const [k, w] of workers.entries()) {
      w.post({
        type: 'start',
        target,
        players: perWorker[k]!,
        rampPerSec: o.rampPerSec,
        t0Ms,
        sendLog,
        readBufferBytes: o.readBufferBytes ?? 32 * 1024,
      });
    }

    if (hlsClients > 0) {
      if (server.hlsPort === 0) throw new Error(`${o.server.label} serves no HLS here`);
      hlsWorker = new Worker(hlsWorkerUrl);
      const start: ToHls = {
        type: 'start',
        url: `http://${server.host}:${server.hlsPort}/${server.app}/${stream}.m3u8`,
        clients: hlsClients,
        rampPerSec: o.rampPerSec,
        t0Ms,
      };
      hlsWorker.postMessage(start);
    }

    // Ramp: until every player is playing or has failed, or the ramp's time + 15 s.
    const rampDeadline = t0Ms + (o.players * 1000) / o.rampPerSec + 15_000;
    let lastLog = 0;
    for (;;) {
      await sleep(200);
      const playing = workers.reduce((n, w) => n + w.progress.playing, 0);
      const failed = workers.reduce((n, w) => n + w.progress.failed, 0);
      if (nowMs() - lastLog > 1000) {
        lastLog = nowMs();
        log(`  ramp: ${playing} playing, ${failed} failed of ${o.players}`);
      }
      if (playing + failed >= o.players || nowMs() > rampDeadline) break;
    }
    await sleep(o.warmupSec * 1000);

    // The window.
    for (const w of workers) w.post({ type: 'window' });
    hlsWorker?.postMessage({ type: 'window' } satisfies ToHls);
    const startSample: ProcSample = sampleTree(server.pid, nowMs());
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    // Memory every 10 s of the window, to see whether it stays flat.
    const memory: MemorySample[] = [];
    const memoryTimer = setInterval(() => {
      const s = sampleTree(server!.pid, nowMs());
      memory.push({
        atSec: (s.atMs - startSample.atMs) / 1000,
        rssMb: s.rssBytes / 2 ** 20,
        memMb: (s.privateBytes + s.sharedBytes) / 2 ** 20,
      });
    }, 10_000);
    await sleep(o.seconds * 1000);
    clearInterval(memoryTimer);
    const endMs = nowMs();
    const endSample = sampleTree(server.pid, endMs);
    const cpu = process.cpuUsage(cpu0);
    const mainUtil = performance.eventLoopUtilization(elu0).utilization;
    const hlsResult =
      hlsWorker === undefined
        ? undefined
        : new Promise<Extract<FromHls, { type: 'result' }>>((resolve) => {
            hlsWorker!.on('message', (m: FromHls) => {
              if (m.type === 'result') resolve(m);
            });
            hlsWorker!.postMessage({ type: 'end' } satisfies ToHls);
          });
    const results = await Promise.all(
      workers.map((w) => {
        const r = w.next('result');
        w.post({ type: 'end', endMs });
        return r;
      }),
    );
    const hls = await hlsResult;
    const windowMs = endMs - startSample.atMs;
    const perPlayer = results.flatMap((r) => r.players);
    const utilization = [mainUtil, ...results.map((r) => r.utilization), ...(hls ? [hls.utilization] : [])];
    const toolCpuPct = ((cpu.user + cpu.system) / 1000 / windowMs) * 100;
    const busiest = Math.max(...utilization);
    const reasons: string[] = [];
    if (busiest >= BUSY_LIMIT) {
      const k = utilization.indexOf(busiest);
      reasons.push(`${k === 0 ? 'main thread' : `player thread ${k}`} ${(busiest * 100).toFixed(0)} % busy`);
    }
    if (toolCpuPct / (threads + 1) >= BUSY_LIMIT * 100) {
      reasons.push(`tool CPU ${toolCpuPct.toFixed(0)} % over ${threads + 1} threads`);
    }
    if (publisher.error !== undefined) reasons.push(`publisher: ${publisher.error}`);
    const errors: Record<string, number> = {};
    for (const p of perPlayer) if (p.error !== undefined) errors[p.error] = (errors[p.error] ?? 0) + 1;
    const ok = perPlayer.filter((p) => p.playing);
    return {
      server: o.server.label,
      kind: o.server.kind,
      protocol: o.protocol,
      asked: o.players,
      playing: ok.length,
      fellBehind: perPlayer.filter((p) => p.fellBehind).length,
      lagP50Ms: percentile(
        ok.map((p) => p.endLagMs),
        50,
      ),
      lagP95Ms: percentile(
        ok.map((p) => p.endLagMs),
        95,
      ),
      lagMaxMs: ok.length === 0 ? Number.NaN : Math.max(...ok.map((p) => p.maxLagMs)),
      firstKeyframeP50Ms: percentile(
        perPlayer.map((p) => p.firstKeyframeMs),
        50,
      ),
      firstKeyframeP95Ms: percentile(
        perPlayer.map((p) => p.firstKeyframeMs),
        95,
      ),
      serverCpuPct: ((endSample.cpuSec - startSample.cpuSec) / (windowMs / 1000)) * 100,
      serverRssMb: endSample.rssBytes / 2 ** 20,
      serverRssStartMb: startSample.rssBytes / 2 ** 20,
      serverMemMb: (endSample.privateBytes + endSample.sharedBytes) / 2 ** 20,
      serverMemStartMb: (startSample.privateBytes + startSample.sharedBytes) / 2 ** 20,
      memory,
      syscwPerSec: (endSample.syscw - startSample.syscw) / (windowMs / 1000),
      serverProcesses: endSample.processes,
      toolCpuPct,
      threads,
      utilization,
      valid: reasons.length === 0,
      invalidReason: reasons.length === 0 ? undefined : reasons.join('; '),
      windowSec: windowMs / 1000,
      publisherMaxLateMs: publisher.maxLateMs,
      unmatchedFrames: perPlayer.reduce((n, p) => n + p.unmatched, 0),
      framesReceived: perPlayer.reduce((n, p) => n + p.frames, 0),
      errors,
      perPlayer,
      hls: hls === undefined ? undefined : summarizeHls(hls.clients, hls.utilization, windowMs),
    };
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        const stopped = w.next('stopped', 10_000).catch(() => undefined);
        w.post({ type: 'stop' });
        await stopped;
        await w.worker.terminate();
      }),
    );
    if (hlsWorker !== undefined) {
      hlsWorker.postMessage({ type: 'stop' } satisfies ToHls);
      await hlsWorker.terminate();
    }
    publisher?.stop();
    await server?.stop();
  }
}
