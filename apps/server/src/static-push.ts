/**
 * `static_push`: every stream published on an app with a `static_push` list is pushed
 * to each URL + '/' + room while its publisher is live. Unlike livego, a target that is down or drops
 * the connection is retried with exponential back-off (bounded, with jitter), each new connection
 * starts with the start-up cache (metadata, sequence headers, GOP) so the target can decode at once,
 * and a pusher is a bounded hub subscriber, so a slow or dead target never holds up the publisher.
 */
import type { LiveStream } from '@livego/hub';
import type { ServerContext } from './context.js';
import { RtmpPush } from './relay-push.js';

export interface StaticPushOptions {
  /** First retry delay (default 1 s); doubles per failure up to `maxBackoffMs` (default 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A connection that stayed up this long resets the back-off. */
const STABLE_MS = 10_000;

/** The push of one live stream to one target, reconnecting until stopped. */
class PushTarget {
  readonly url: string;
  attempts = 0;
  private failures = 0;
  private push: RtmpPush | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly stream: LiveStream,
    url: string,
    private readonly options: Required<StaticPushOptions>,
  ) {
    this.url = url;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.push?.stop('local publisher left');
    this.push = undefined;
  }

  private connect(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.attempts++;
    let upAt: number | undefined;
    let push: RtmpPush;
    try {
      push = new RtmpPush(this.ctx, {
        app: this.stream.app,
        name: this.stream.name,
        url: this.url,
        kind: 'static-push',
        endWithPublisher: false,
        onClose: (reason) => {
          if (this.push !== push) return;
          this.push = undefined;
          if (upAt !== undefined && Date.now() - upAt >= STABLE_MS) this.failures = 0;
          this.retry(reason);
        },
      });
    } catch (err) {
      // A bad URL in the config never works: say so once per publish.
      this.ctx.logger.error({ url: this.url, err: (err as Error).message }, 'static push: bad URL');
      return;
    }
    this.push = push;
    push.ready.then(
      () => {
        upAt = Date.now();
      },
      () => {},
    );
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    const { minBackoffMs, maxBackoffMs } = this.options;
    const base = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
    this.ctx.logger.warn(
      { url: this.url, stream: this.stream.key, reason, retryInMs: delayMs },
      'static push disconnected',
    );
    this.timer = setTimeout(() => this.connect(), delayMs);
    this.timer.unref();
  }
}

export class StaticPush {
  private readonly ctx: ServerContext;
  private readonly options: Required<StaticPushOptions>;
  private readonly targets = new Map<string, PushTarget[]>();
  private readonly off: () => void;

  constructor(ctx: ServerContext, options: StaticPushOptions = {}) {
    this.ctx = ctx;
    this.options = {
      minBackoffMs: options.minBackoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
    };
    this.off = ctx.hub.on((e) => {
      if (e.type === 'publish') this.start(e.stream);
      else if (e.type === 'unpublish') this.stopStream(e.stream.key);
    });
  }

  /** Connection attempts per target URL of a live stream (for stats and tests). */
  attempts(streamKey: string): Map<string, number> {
    return new Map((this.targets.get(streamKey) ?? []).map((t) => [t.url, t.attempts]));
  }

  close(): void {
    this.off();
    for (const key of [...this.targets.keys()]) this.stopStream(key);
  }

  private start(stream: LiveStream): void {
    // A takeover continues the same stream: the pushes carry on.
    if (this.targets.has(stream.key)) return;
    const urls = this.ctx.app(stream.app)?.staticPush ?? [];
    if (urls.length === 0) return;
    this.targets.set(
      stream.key,
      urls.map(
        (u) => new PushTarget(this.ctx, stream, `${u.replace(/\/+$/, '')}/${stream.name}`, this.options),
      ),
    );
  }

  private stopStream(key: string): void {
    const list = this.targets.get(key);
    if (list === undefined) return;
    this.targets.delete(key);
    for (const t of list) t.stop();
  }
}
