/**
 * One outgoing RTMP publish of a local stream: a hub subscriber
 * like any viewer, bounded by its queue and a Pump, whose bytes go to an RtmpClient's socket. Audio and
 * video share the RTMP viewers' encoding of each message (same chunk size and stream id); only
 * metadata is re-encoded, with the `@setDataFrame` prefix a publisher sends (forms.ts, pushForm).
 */
import type { OutputForm, Subscriber } from '@livego/hub';
import type { ServerContext } from './context.js';
import { acquirePushForm, releaseForm } from './forms.js';
import type { Logger } from './logger.js';
import { Pump, writeCorked } from './pump.js';
import { RtmpClient } from './rtmp-client.js';

const HIGH_WATER_BYTES = 512 * 1024;

/** Ends the connection politely; a peer that does not close its side within 5 s is cut. */
function closeClient(client: RtmpClient): void {
  client.close();
  setTimeout(() => client.socket.destroy(), 5000).unref();
}

export interface RtmpPushOptions {
  /** The local stream. */
  app: string;
  name: string;
  /** rtmp:// or rtmps:// URL to publish to (its last path segment is the remote stream name). */
  url: string;
  /** Subscriber kind shown in stats: 'relay-push', 'static-push'. */
  kind: string;
  /** The `url` /stat/livestat shows (default: `url`). */
  statsUrl?: string;
  /** End the push (politely) when the local publisher leaves. */
  endWithPublisher: boolean;
  /** Called once when the push has ended, whatever the cause. */
  onClose(reason: string): void;
}

/** Throws RtmpError 'RTMP_BAD_URL' for a bad URL. */
export class RtmpPush {
  readonly id: string;
  readonly options: RtmpPushOptions;
  readonly client: RtmpClient;
  /** Resolves once the remote accepted the publish; rejects when it did not. */
  readonly ready: Promise<void>;
  private readonly ctx: ServerContext;
  private readonly log: Logger;
  private sub: Subscriber | undefined;
  private pump: Pump | undefined;
  private form: OutputForm | undefined;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;

  constructor(ctx: ServerContext, options: RtmpPushOptions) {
    this.ctx = ctx;
    this.options = options;
    this.id = ctx.nextId(options.kind);
    this.log = ctx.logger.child({ session: this.id, stream: `${options.app}/${options.name}` });
    this.client = new RtmpClient({
      url: options.url,
      mode: 'publish',
      tlsVerify: ctx.config.enableTlsVerify,
      timeoutMs: ctx.config.readTimeoutSec * 1000,
    });
    this.client.socket.on('error', (err) => this.log.debug({ err: err.message }, 'push socket error'));
    this.ready = this.client.ready;
    this.ready.then(
      () => {
        try {
          this.attach();
        } catch (err) {
          // A hub limit (viewers per stream) refuses the push like any viewer; it must not escape.
          this.stop(`refused: ${(err as Error).message}`);
        }
      },
      (err: Error) => this.finish(`not publishing: ${err.message}`),
    );
    this.client.closed.then(() => this.finish('remote connection closed'));
  }

  get url(): string {
    return this.options.url;
  }

  get active(): boolean {
    return this.sub !== undefined && !this.ended;
  }

  /** Sends what is queued, ends the remote publish and closes the connection. */
  stop(reason = 'stopped'): void {
    if (this.ended) return;
    const sub = this.sub;
    const pump = this.pump;
    if (sub !== undefined && pump !== undefined && !this.client.socket.destroyed) {
      pump.stop();
      const rest = sub.take();
      if (rest.length > 0) this.write(rest);
    }
    this.client.session.stop();
    this.client.flush();
    this.finish(reason);
    closeClient(this.client);
  }

  private attach(): void {
    if (this.ended) return;
    const { app, name, kind } = this.options;
    const session = this.client.session;
    const streamId = session.streamId ?? 1;
    let pump: Pump | undefined;
    const form = acquirePushForm(session.chunkSize, streamId);
    this.form = form;
    this.sub = this.ctx.hub.subscribe(
      app,
      name,
      { id: this.id, kind },
      {
        form,
        onData: () => pump?.schedule(),
        onPublish: () => this.clearWait(),
        onUnpublish: () => {
          if (this.options.endWithPublisher) pump?.whenIdle(() => this.stop('local publisher left'));
        },
        onEnd: (reason) => {
          this.finish(`removed by the hub: ${reason}`);
          this.client.socket.destroy();
        },
      },
    );
    pump = new Pump(
      this.sub,
      {
        write: (chunks, done) => this.write(chunks, done),
        destroy: (reason) => {
          this.finish(reason);
          this.client.socket.destroy();
        },
      },
      { highWaterBytes: HIGH_WATER_BYTES, writeTimeoutMs: this.ctx.config.writeTimeoutSec * 1000 },
    );
    this.pump = pump;
    this.ctx.sessions.set(this.id, {
      id: this.id,
      kind,
      url: this.options.statsUrl ?? this.options.url,
      streamId,
      remoteAddress: this.client.socket.remoteAddress,
    });
    if (this.options.endWithPublisher && this.ctx.hub.stream(app, name)?.publisher === undefined) {
      // Like an RTMP player, a push may wait a while for the local publisher.
      this.waitTimer = setTimeout(
        () => this.stop('no local publisher'),
        this.ctx.config.playerWaitSec * 1000,
      );
      this.waitTimer.unref();
    }
    this.log.info({ url: this.options.url }, 'pushing');
    pump.schedule();
  }

  private write(chunks: Uint8Array[], done?: () => void): void {
    const socket = this.client.socket;
    if (socket.destroyed) return;
    this.client.flush(); // control messages the session queued (acks) go first
    writeCorked(socket, chunks, done);
  }

  private clearWait(): void {
    if (this.waitTimer !== undefined) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
  }

  private finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.clearWait();
    this.pump?.stop();
    this.sub?.close();
    if (this.form !== undefined) releaseForm(this.form);
    this.form = undefined;
    this.ctx.sessions.delete(this.id);
    this.log.info({ reason, url: this.options.url }, 'push ended');
    this.options.onClose(reason);
  }
}
