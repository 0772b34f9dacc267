/**
 * HLS clients, in a thread of their own: each polls the media playlist every half target duration, as
 * players do, and fetches every segment that is new to it (starting at the live edge). A client fell
 * behind when, inside the window, a segment took longer to arrive than it lasts, a listed segment or
 * the playlist could not be fetched, or the playlist did not advance for three target durations.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { nowMs } from './clock.js';
import { parsePlaylist, type Segment } from './hls-playlist.js';
import type { FromHls, HlsClientResult, ToHls } from './types.js';

const port = parentPort;
if (port === null) throw new Error('hls-worker.js runs as a worker thread');
const post = (m: FromHls) => port.postMessage(m);

class Client {
  private readonly url: string;
  private stopped = false;
  private inWindow = false;
  private lastSeq = -1;
  private advancedAtMs = 0;
  readonly r: HlsClientResult = {
    ok: false,
    fellBehind: false,
    segments: 0,
    bytes: 0,
    segmentMs: [],
    playlistMs: [],
    error: undefined,
  };

  constructor(url: string) {
    this.url = url;
  }

  startWindow(): void {
    this.inWindow = true;
    this.advancedAtMs = nowMs();
    this.r.segmentMs = [];
    this.r.playlistMs = [];
    this.r.segments = 0;
    this.r.bytes = 0;
    this.r.fellBehind = false;
  }

  stop(): void {
    this.stopped = true;
  }

  private behind(why: string): void {
    if (!this.inWindow) return;
    this.r.fellBehind = true;
    this.r.error ??= why;
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      let waitMs = 500;
      try {
        const t0 = nowMs();
        const res = await fetch(this.url);
        const text = await res.text();
        if (this.inWindow) this.r.playlistMs.push(nowMs() - t0);
        if (res.status !== 200) {
          this.behind(`playlist ${res.status}`);
        } else {
          const pl = parsePlaylist(text);
          waitMs = (pl.targetSec * 1000) / 2;
          const last = pl.segments.at(-1);
          if (last !== undefined && last.seq > this.lastSeq) {
            this.advancedAtMs = nowMs();
            // A new client starts at the live edge, as players do: the last segment only.
            const fresh = this.lastSeq < 0 ? [last] : pl.segments.filter((s) => s.seq > this.lastSeq);
            this.lastSeq = last.seq;
            for (const s of fresh) await this.fetchSegment(s);
            this.r.ok = true;
          } else if (nowMs() - this.advancedAtMs > 3 * pl.targetSec * 1000) {
            this.behind('playlist did not advance');
          }
        }
      } catch (e) {
        this.behind(`playlist: ${(e as Error).message}`);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, waitMs));
    }
  }

  private async fetchSegment(s: Segment): Promise<void> {
    const t0 = nowMs();
    try {
      const res = await fetch(new URL(s.uri, this.url));
      const body = await res.arrayBuffer();
      const ms = nowMs() - t0;
      if (res.status !== 200) return this.behind(`segment ${res.status}`);
      if (this.inWindow) {
        this.r.segmentMs.push(ms);
        this.r.segments++;
        this.r.bytes += body.byteLength;
      }
      if (ms > s.durationSec * 1000) this.behind('a segment took longer than it lasts');
    } catch (e) {
      this.behind(`segment: ${(e as Error).message}`);
    }
  }
}

const clients: Client[] = [];
let rampTimer: ReturnType<typeof setTimeout> | undefined;
let eluAtWindow: ReturnType<typeof performance.eventLoopUtilization> | undefined;

port.on('message', (m: ToHls) => {
  if (m.type === 'start') {
    for (let i = 0; i < m.clients; i++) clients.push(new Client(m.url));
    let next = 0;
    const tick = () => {
      const now = nowMs();
      while (next < clients.length && m.t0Ms + (next * 1000) / m.rampPerSec <= now)
        void clients[next++]!.run();
      if (next < clients.length) rampTimer = setTimeout(tick, 5);
    };
    tick();
  } else if (m.type === 'window') {
    eluAtWindow = performance.eventLoopUtilization();
    for (const c of clients) c.startWindow();
  } else if (m.type === 'end') {
    const utilization =
      eluAtWindow === undefined ? Number.NaN : performance.eventLoopUtilization(eluAtWindow).utilization;
    post({ type: 'result', clients: clients.map((c) => c.r), utilization });
  } else if (m.type === 'stop') {
    clearTimeout(rampTimer);
    for (const c of clients) c.stop();
    post({ type: 'stopped' });
    port.close();
  }
});
