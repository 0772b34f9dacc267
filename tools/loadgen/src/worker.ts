/**
 * One player thread: creates its share of the players (sockets are made in this thread) on the ramp
 * schedule, reports progress, and at the end of the window each player's numbers and this thread's
 * event-loop utilization.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { nowMs } from './clock.js';
import { FlvPlayer } from './flv-player.js';
import { SendLogReader } from './identity.js';
import { PlayerStats } from './player-stats.js';
import { RtmpPlayer } from './rtmp-player.js';
import type { FromWorker, ToWorker } from './types.js';

interface Player {
  readonly stats: PlayerStats;
  start(): void;
  close(): void;
}

const port = parentPort;
if (port === null) throw new Error('worker.js runs as a worker thread');
const post = (m: FromWorker) => port.postMessage(m);

const players: Player[] = [];
let progressTimer: ReturnType<typeof setInterval> | undefined;
let rampTimer: ReturnType<typeof setTimeout> | undefined;
let eluAtWindow: ReturnType<typeof performance.eventLoopUtilization> | undefined;

function progress(): void {
  let playing = 0;
  let failed = 0;
  let started = 0;
  for (const p of players) {
    if (p.stats.connectStartMs >= 0) started++;
    if (p.stats.closed || p.stats.error !== undefined) failed++;
    else if (p.stats.playingAtMs >= 0) playing++;
  }
  post({ type: 'progress', started, playing, failed });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'start') {
    const reader = new SendLogReader(m.sendLog);
    for (const { protocol } of m.players) {
      const stats = new PlayerStats(protocol, reader);
      const buffer = Buffer.allocUnsafe(m.readBufferBytes);
      players.push(
        protocol === 'rtmp'
          ? new RtmpPlayer(m.target, stats, buffer)
          : new FlvPlayer(m.target, stats, buffer, protocol === 'wsflv'),
      );
    }
    // Start each player at t0 + index / ramp, in batches per timer tick.
    const dueMs = m.players.map((p) => m.t0Ms + (p.index * 1000) / m.rampPerSec);
    let next = 0;
    const tick = () => {
      const now = nowMs();
      while (next < players.length && dueMs[next]! <= now) players[next++]!.start();
      if (next < players.length) rampTimer = setTimeout(tick, Math.max(1, dueMs[next]! - now));
    };
    tick();
    progressTimer = setInterval(progress, 200);
  } else if (m.type === 'window') {
    eluAtWindow = performance.eventLoopUtilization();
    for (const p of players) p.stats.startWindow();
  } else if (m.type === 'end') {
    const utilization =
      eluAtWindow === undefined ? Number.NaN : performance.eventLoopUtilization(eluAtWindow).utilization;
    post({ type: 'result', players: players.map((p) => p.stats.result(m.endMs)), utilization });
  } else if (m.type === 'stop') {
    clearInterval(progressTimer);
    clearTimeout(rampTimer);
    for (const p of players) p.close();
    post({ type: 'stopped' });
    port.close();
  }
});
