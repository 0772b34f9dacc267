/**
 * The registry of live streams keyed by app and name: one publisher per stream, any number of
 * subscribers, events for publish/unpublish and join/leave. No sockets and no timers: the server
 * drives it and owns the clocks (it passes `nowMs` where a time is recorded).
 */
import type { CacheOptions } from './cache.js';
import { HubError } from './errors.js';
import { LiveStream, Publisher, type PublisherSink } from './stream.js';
import {
  Subscriber,
  type SubscriberEndReason,
  type SubscriberOptions,
  type SubscriberSink,
} from './subscriber.js';

export interface HubOptions {
  /** GOPs in the start-up cache (livego's gop_num, default 1). */
  gopNum?: number;
  /**
   * Bytes the start-up cache of one stream may hold, payloads and the encodings viewers made of them
   * (default 64 MiB).
   */
  maxCacheBytes?: number;
  /** Packets one cached GOP may hold (default 8192). */
  maxPacketsPerGop?: number;
  /** A second publisher takes the stream over (default, as livego and MediaMTX); false refuses it. */
  takeover?: boolean;
  /** Per-viewer queue bounds (defaults: 32 MiB, 10 s of media, dropped after 20 s behind). */
  subscriber?: Partial<SubscriberOptions>;
  /** Viewers one stream may have (default 10000); internal subscribers are not counted. */
  maxSubscribersPerStream?: number;
  /**
   * Viewers of a stream (`app/name`) served elsewhere — other processes or hubs sharing one limit —
   * counted against `maxSubscribersPerStream` with this hub's own.
   */
  viewersElsewhere?: (key: string) => number;
  /** Streams held at once, published or waited for by a viewer (default 1000). */
  maxStreams?: number;
  /**
   * Turns the shared path on (see `SubscriberSink.writeShared`): called when a stream's window opens;
   * the server calls `stream.flushShared()` when the window should end (after its merge time, or on
   * the next turn of its event loop for none). One call per window, so one timer per stream.
   */
  onSharedWindow?: (stream: LiveStream) => void;
}

export type HubEvent =
  | { type: 'publish'; stream: LiveStream; publisher: Publisher; takeover: boolean }
  | { type: 'unpublish'; stream: LiveStream; publisher: Publisher }
  | { type: 'subscribe'; stream: LiveStream; subscriber: Subscriber }
  | { type: 'unsubscribe'; stream: LiveStream; subscriber: Subscriber; reason: SubscriberEndReason };

export type HubListener = (event: HubEvent) => void;

export interface PublisherInfo {
  /** Unique id (the server's session id). */
  id: string;
  /** 'rtmp', 'relay', ... shown in stats. */
  kind: string;
  nowMs?: number;
}

export interface SubscriberInfo {
  id: string;
  /** 'rtmp', 'http-flv', 'ws-flv', 'hls', 'record', ... shown in stats. */
  kind: string;
  /**
   * An in-process consumer rather than a viewer (an HLS segmenter): kept in
   * `stream.internalSubscribers`, not in `stream.subscribers`, no subscribe/unsubscribe events.
   * Otherwise fed exactly like a viewer.
   */
  internal?: boolean;
}

const NAME_LIMIT = 1024;

export class Hub {
  private readonly streamMap = new Map<string, LiveStream>();
  private readonly listeners = new Set<HubListener>();
  private readonly cacheOptions: CacheOptions;
  private readonly subscriberOptions: SubscriberOptions;
  private readonly takeover: boolean;
  private readonly maxSubscribersPerStream: number;
  private readonly maxStreams: number;
  private readonly onSharedWindow: ((stream: LiveStream) => void) | undefined;
  private readonly viewersElsewhere: ((key: string) => number) | undefined;
  private closed = false;

  constructor(options: HubOptions = {}) {
    const gopNum = options.gopNum ?? 1;
    if (!Number.isInteger(gopNum) || gopNum < 0)
      throw new TypeError(`gopNum must be an integer >= 0, got ${gopNum}`);
    this.cacheOptions = {
      gopNum,
      maxBytes: options.maxCacheBytes ?? 64 * 1024 * 1024,
      maxPacketsPerGop: options.maxPacketsPerGop ?? 8192,
    };
    this.subscriberOptions = {
      maxQueueBytes: options.subscriber?.maxQueueBytes ?? 32 * 1024 * 1024,
      maxQueueMs: options.subscriber?.maxQueueMs ?? 10_000,
      maxLagMs: options.subscriber?.maxLagMs ?? 20_000,
    };
    this.takeover = options.takeover ?? true;
    this.maxSubscribersPerStream = limit(
      'maxSubscribersPerStream',
      options.maxSubscribersPerStream,
      10_000,
      0,
    );
    this.maxStreams = limit('maxStreams', options.maxStreams, 1000, 1);
    this.onSharedWindow = options.onSharedWindow;
    this.viewersElsewhere = options.viewersElsewhere;
  }

  /** Listens to hub events; returns the function that stops listening. */
  on(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Streams that have a publisher or subscribers. */
  streams(): LiveStream[] {
    return [...this.streamMap.values()];
  }

  stream(app: string, name: string): LiveStream | undefined {
    return this.streamMap.get(streamKey(app, name));
  }

  /**
   * Starts publishing `app/name`. When it is live already, the old publisher is ended with 'takeover'
   * (its sink's onEnd), unless takeover is off: then HubError 'HUB_STREAM_BUSY'. A new stream past
   * `maxStreams`: HubError 'HUB_TOO_MANY_STREAMS'.
   */
  publish(app: string, name: string, info: PublisherInfo, sink: PublisherSink): Publisher {
    this.assertOpen();
    const stream = this.getOrCreate(app, name);
    const previous = stream.publisher;
    if (previous !== undefined && !this.takeover) {
      throw new HubError('HUB_STREAM_BUSY', `stream ${stream.key} is already being published`, {
        field: 'name',
      });
    }
    const pub = new Publisher(info.id, info.kind, stream, sink, info.nowMs ?? 0);
    if (previous !== undefined) {
      // Detach the old one without telling viewers the stream ended: the newcomer continues it.
      stream.publisher = undefined;
      previous.end('takeover', true);
    }
    stream.attachPublisher(pub);
    this.emit({ type: 'publish', stream, publisher: pub, takeover: previous !== undefined });
    return pub;
  }

  /**
   * Adds a viewer. When the stream is live its start-up cache is queued at once and `sink.onData` is
   * called on a microtask, after this returns; else it waits for the publisher (the server decides how
   * long). Past `maxSubscribersPerStream` viewers: HubError 'HUB_TOO_MANY_VIEWERS'; a new stream past
   * `maxStreams`: 'HUB_TOO_MANY_STREAMS'.
   */
  subscribe(app: string, name: string, info: SubscriberInfo, sink: SubscriberSink): Subscriber {
    this.assertOpen();
    if (info.internal !== true) {
      const key = streamKey(app, name);
      const existing = this.streamMap.get(key);
      const viewers = (existing?.subscribers.size ?? 0) + (this.viewersElsewhere?.(key) ?? 0);
      if (viewers >= this.maxSubscribersPerStream) {
        throw new HubError(
          'HUB_TOO_MANY_VIEWERS',
          `stream ${key} has ${viewers} viewers, limit is ${this.maxSubscribersPerStream}`,
          { field: 'maxSubscribersPerStream' },
        );
      }
    }
    const stream = this.getOrCreate(app, name);
    const sub = new Subscriber(info.id, info.kind, stream.key, sink, this.subscriberOptions);
    stream.attachSubscriber(sub, info.internal === true);
    if (info.internal !== true) this.emit({ type: 'subscribe', stream, subscriber: sub });
    return sub;
  }

  /** Ends every publisher and subscriber. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of [...this.streamMap.values()]) {
      stream.publisher?.end('hub-closed', true);
      for (const sub of stream.allSubscribers()) sub.end('hub-closed');
    }
    this.streamMap.clear();
  }

  private getOrCreate(app: string, name: string): LiveStream {
    if (app.length === 0 || name.length === 0 || app.length + name.length > NAME_LIMIT) {
      throw new HubError(
        'HUB_BAD_NAME',
        `stream name must be non-empty and at most ${NAME_LIMIT} characters`,
        {
          field: app.length === 0 ? 'app' : 'name',
        },
      );
    }
    const key = streamKey(app, name);
    let stream = this.streamMap.get(key);
    if (stream === undefined) {
      if (this.streamMap.size >= this.maxStreams) {
        throw new HubError(
          'HUB_TOO_MANY_STREAMS',
          `cannot add stream ${key}: the hub holds ${this.streamMap.size} streams, limit is ${this.maxStreams}`,
          { field: 'maxStreams' },
        );
      }
      stream = new LiveStream(app, name, this.cacheOptions, {
        subscriberEnded: (s, sub, reason) =>
          this.emit({ type: 'unsubscribe', stream: s, subscriber: sub, reason }),
        publisherEnded: (s, pub) => this.emit({ type: 'unpublish', stream: s, publisher: pub }),
        sharedWindowOpened: this.onSharedWindow,
        maybeRemove: (s) => {
          if (
            s.publisher === undefined &&
            s.subscribers.size === 0 &&
            s.internalSubscribers.size === 0 &&
            this.streamMap.get(s.key) === s
          ) {
            this.streamMap.delete(s.key);
          }
        },
      });
      this.streamMap.set(key, stream);
    }
    return stream;
  }

  private assertOpen(): void {
    if (this.closed) throw new HubError('HUB_CLOSED', 'the hub is closed');
  }

  private emit(event: HubEvent): void {
    for (const l of this.listeners) l(event);
  }
}

function limit(field: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new TypeError(`${field} must be an integer >= ${min}, got ${v}`);
  return v;
}

function streamKey(app: string, name: string): string {
  return `${app}/${name}`;
}
