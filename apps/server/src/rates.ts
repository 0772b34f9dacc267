/**
 * What /stat/livestat reports of each publisher and viewer: traffic rates sampled as livego samples
 * them, and the rows of the players (a worker process answers with its own).
 */
import type { Hub, LiveStream, Publisher, Subscriber } from '@livego/hub';
import type { ServerContext } from './context.js';

/** livego recomputes a rate when this much time has passed since its last sample. */
const RATE_WINDOW_MS = 5000;
/** How often the traffic counters are looked at (a rate is due every RATE_WINDOW_MS). */
const RATE_TICK_MS = 1000;

interface Rate {
  /** [video, audio] payload bytes counted so far. */
  read(): [number, number];
  readonly closed: () => boolean;
  videoBytes: number;
  audioBytes: number;
  atMs: number;
  videoKbps: number;
  audioKbps: number;
}

/**
 * The video/audio rates of every publisher and viewer, in kbit/s, taken from the traffic every 5 s as
 * livego takes them (it samples as messages pass): independent of who calls the API and when, so a
 * first /stat/livestat call on a stream live for 5 s shows its rate. One timer for the server, running
 * only while something is live; entries leave with their publisher or viewer.
 */
export class TrafficRates {
  private readonly rates = new Map<object, Rate>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly clock: () => number;

  constructor(hub: Hub, clock: () => number = Date.now) {
    this.clock = clock;
    hub.on((e) => {
      switch (e.type) {
        case 'publish': {
          const stats = e.stream.stats;
          const pub = e.publisher;
          this.track(
            pub,
            () => [stats.videoBytes, stats.bytesIn - stats.videoBytes],
            () => pub.closed,
          );
          return;
        }
        case 'subscribe': {
          const sub = e.subscriber;
          const stats = sub.stats;
          this.track(
            sub,
            () => [stats.videoPayloadBytesOut, stats.payloadBytesOut - stats.videoPayloadBytesOut],
            () => sub.closed,
          );
          return;
        }
        case 'unpublish':
          this.forget(e.publisher);
          return;
        case 'unsubscribe':
          this.forget(e.subscriber);
          return;
      }
    });
  }

  /** [video, audio] kbit/s of a publisher or viewer (0 until its first 5 s have passed). */
  of(who: Publisher | Subscriber): [number, number] {
    const r = this.rates.get(who);
    return r === undefined ? [0, 0] : [r.videoKbps, r.audioKbps];
  }

  /** Entries held (bounded by the live publishers and viewers). */
  get size(): number {
    return this.rates.size;
  }

  /** Recomputes every rate whose window has passed; called by the timer. */
  sample(): void {
    const now = this.clock();
    for (const [who, r] of this.rates) {
      // A publisher taken over gets no unpublish event: drop it here.
      if (r.closed()) {
        this.forget(who);
        continue;
      }
      const elapsedMs = now - r.atMs;
      if (elapsedMs < RATE_WINDOW_MS) continue;
      const [video, audio] = r.read();
      // bits per millisecond = kbit/s; whole numbers, as livego's integer arithmetic gives.
      r.videoKbps = Math.floor(((video - r.videoBytes) * 8) / elapsedMs);
      r.audioKbps = Math.floor(((audio - r.audioBytes) * 8) / elapsedMs);
      r.videoBytes = video;
      r.audioBytes = audio;
      r.atMs = now;
    }
  }

  private track(who: object, read: () => [number, number], closed: () => boolean): void {
    const [videoBytes, audioBytes] = read();
    this.rates.set(who, {
      read,
      closed,
      videoBytes,
      audioBytes,
      atMs: this.clock(),
      videoKbps: 0,
      audioKbps: 0,
    });
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sample(), RATE_TICK_MS);
      this.timer.unref();
    }
  }

  private forget(who: object): void {
    this.rates.delete(who);
    if (this.rates.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** One viewer as /stat/livestat lists it. */
export interface PlayerRow {
  key: string;
  url: string;
  stream_id: number;
  type: string;
  video_total_bytes: number;
  video_speed: number;
  audio_total_bytes: number;
  audio_speed: number;
}

/** The viewers of `streams` as /stat/livestat rows (a worker process answers with its own). */
export function playerRows(
  streams: LiveStream[],
  ctx: Pick<ServerContext, 'sessions'>,
  rates: TrafficRates,
): PlayerRow[] {
  const rows: PlayerRow[] = [];
  for (const s of streams) {
    for (const sub of s.subscribers) {
      const info = ctx.sessions.get(sub.id);
      const [videoKbps, audioKbps] = rates.of(sub);
      rows.push({
        key: s.key,
        url: info?.url ?? '',
        stream_id: info?.streamId ?? 0,
        type: sub.kind,
        video_total_bytes: sub.stats.videoPayloadBytesOut,
        video_speed: videoKbps,
        audio_total_bytes: sub.stats.payloadBytesOut - sub.stats.videoPayloadBytesOut,
        audio_speed: audioKbps,
      });
    }
  }
  return rows;
}
