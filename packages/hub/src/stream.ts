/**
 * One live stream: at most one publisher, any number of subscribers, the start-up cache, and the
 * timestamp offset that keeps viewers' timestamps monotonic across a publisher takeover.
 */
import { type CacheOptions, StartupCache } from './cache.js';
import { classify } from './classify.js';
import { MediaPacket, type PacketKind } from './packet.js';
import { SharedWindow } from './shared.js';
import type { Subscriber, SubscriberEndReason } from './subscriber.js';
import { tsAddMs, tsDiffMs } from './time.js';

export type PublisherEndReason = 'closed' | 'takeover' | 'hub-closed';

export interface PublisherSink {
  /** The hub ended this publisher (taken over by a newer one, or the hub closed). */
  onEnd(reason: PublisherEndReason): void;
}

export interface StreamStats {
  packetsIn: number;
  bytesIn: number;
  audioPackets: number;
  videoPackets: number;
  dataPackets: number;
  /** Payload bytes of video messages (livego's video_total_bytes). */
  videoBytes: number;
  /** Messages dropped at ingest because their tag header did not parse. */
  corruptPackets: number;
  /** Sum of viewers' dropped packets, including viewers gone. */
  droppedPackets: number;
}

export interface WriteResult {
  /** The packet as queued (undefined when the message was corrupt and dropped). */
  packet: MediaPacket | undefined;
  error?: unknown;
}

export class Publisher {
  readonly id: string;
  readonly kind: string;
  readonly stream: LiveStream;
  readonly sink: PublisherSink;
  readonly startedAt: number;
  private ended = false;

  /** @internal Created by Hub.publish. */
  constructor(id: string, kind: string, stream: LiveStream, sink: PublisherSink, startedAt: number) {
    this.id = id;
    this.kind = kind;
    this.stream = stream;
    this.sink = sink;
    this.startedAt = startedAt;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Classifies, caches and fans out one message. Corrupt messages are dropped and reported, not thrown. */
  write(kind: PacketKind, timestampMs: number, payload: Uint8Array): WriteResult {
    if (this.ended) return { packet: undefined };
    return this.stream.ingest(kind, timestampMs, payload);
  }

  /** The publisher left. Viewers are told (onUnpublish) and stay attached. */
  close(): void {
    this.end('closed', false);
  }

  /** @internal */
  end(reason: PublisherEndReason, notify: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.stream.publisherEnded(this);
    if (notify) this.sink.onEnd(reason);
  }
}

export interface StreamCallbacks {
  subscriberEnded(stream: LiveStream, sub: Subscriber, reason: SubscriberEndReason): void;
  maybeRemove(stream: LiveStream): void;
  publisherEnded(stream: LiveStream, pub: Publisher): void;
  /** A shared window opened: `stream.flushShared()` is due when it should end. Absent: no shared path. */
  sharedWindowOpened?(stream: LiveStream): void;
}

export class LiveStream {
  readonly app: string;
  readonly name: string;
  /** `app/name`, as livego keys streams. */
  readonly key: string;
  readonly cache: StartupCache;
  readonly subscribers = new Set<Subscriber>();
  /**
   * In-process consumers (`SubscriberInfo.internal`: the HLS segmenter): fed like subscribers, but not
   * viewers, so not in `subscribers` (nor in viewer counts and stats) and not in hub events.
   */
  readonly internalSubscribers = new Set<Subscriber>();
  readonly stats: StreamStats = {
    packetsIn: 0,
    bytesIn: 0,
    audioPackets: 0,
    videoPackets: 0,
    dataPackets: 0,
    videoBytes: 0,
    corruptPackets: 0,
    droppedPackets: 0,
  };
  publisher: Publisher | undefined;
  /** Whether the current publisher has sent video (decides what ends a viewer's keyframe wait). */
  hasVideo = false;
  private readonly callbacks: StreamCallbacks;
  /** Caught-up viewers' windows; undefined when the hub has no shared path. */
  private readonly shared: SharedWindow | undefined;
  /** Added to the publisher's timestamps; non-zero after a takeover. */
  private offsetMs = 0;
  private rebasePending = false;
  private lastTimestampMs: number | undefined;
  /** Packets fanned out so far; a subscriber joined during one fan-out is not pushed that packet. */
  private ingestCount = 0;

  constructor(app: string, name: string, cacheOptions: CacheOptions, callbacks: StreamCallbacks) {
    this.app = app;
    this.name = name;
    this.key = `${app}/${name}`;
    this.cache = new StartupCache(cacheOptions);
    this.callbacks = callbacks;
    const opened = callbacks.sharedWindowOpened;
    if (opened !== undefined) this.shared = new SharedWindow(() => opened(this));
  }

  /** Viewers on the shared path now. */
  get sharedViewers(): number {
    return this.shared?.size ?? 0;
  }

  /** Ends the open shared window: its bytes go to every caught-up viewer. */
  flushShared(): void {
    this.shared?.flush(this.hasVideo);
  }

  /** @internal */
  attachPublisher(pub: Publisher): void {
    // What the shared path collected goes out; every viewer then waits for the new keyframe alone.
    this.shared?.dissolve(this.hasVideo);
    this.publisher = pub;
    this.hasVideo = false;
    // A new encoder brings its own headers and GOPs; keep viewers' clocks running forward.
    this.cache.clear();
    this.rebasePending = this.lastTimestampMs !== undefined;
    for (const sub of this.allSubscribers()) {
      // Whatever was queued came from an earlier publisher: start again at the new one's keyframe.
      if (this.lastTimestampMs !== undefined) sub.resync();
      sub.sink.onPublish?.();
    }
  }

  /** @internal */
  attachSubscriber(sub: Subscriber, internal = false): void {
    sub.joinedAt = this.ingestCount;
    if (internal) {
      this.internalSubscribers.add(sub);
      sub.detach = () => {
        this.internalSubscribers.delete(sub);
        this.callbacks.maybeRemove(this);
      };
    } else {
      this.subscribers.add(sub);
      const shared = this.shared;
      if (shared !== undefined) sub.joinShared = () => shared.requestJoin(sub);
      sub.detach = (reason) => {
        this.subscribers.delete(sub);
        shared?.remove(sub);
        this.stats.droppedPackets += sub.stats.droppedPackets;
        this.callbacks.subscriberEnded(this, sub, reason);
        this.callbacks.maybeRemove(this);
      };
    }
    if (this.publisher !== undefined) {
      sub.start(this.cache.snapshot(), this.cache.hasKeyframe);
    } else {
      // Waits for a publisher; its first keyframe starts the picture.
      sub.resync();
    }
  }

  /** @internal */
  publisherEnded(pub: Publisher): void {
    if (this.publisher !== pub) return;
    this.publisher = undefined;
    // Viewers get everything before they hear the publisher left, and drain alone from here.
    this.shared?.dissolve(this.hasVideo);
    this.callbacks.publisherEnded(this, pub);
    for (const sub of this.allSubscribers()) sub.sink.onUnpublish?.();
    this.callbacks.maybeRemove(this);
  }

  /** @internal */
  ingest(kind: PacketKind, timestampMs: number, payload: Uint8Array): WriteResult {
    this.stats.packetsIn++;
    this.stats.bytesIn += payload.length;
    let classified: ReturnType<typeof classify>;
    try {
      classified = classify(kind, payload);
    } catch (error) {
      this.stats.corruptPackets++;
      return { packet: undefined, error };
    }
    if (this.rebasePending) {
      this.rebasePending = false;
      this.offsetMs = tsDiffMs(timestampMs, tsAddMs(this.lastTimestampMs ?? 0, 1));
    }
    const ts = tsAddMs(timestampMs, this.offsetMs);
    if (kind === 'video') {
      this.stats.videoPackets++;
      this.stats.videoBytes += payload.length;
      this.hasVideo = true;
    } else if (kind === 'audio') this.stats.audioPackets++;
    else this.stats.dataPackets++;
    const packet = new MediaPacket(kind, ts, classified.payload, classified.flags);
    if (this.lastTimestampMs === undefined || tsDiffMs(this.lastTimestampMs, ts) > 0)
      this.lastTimestampMs = ts;
    this.cache.add(packet);
    // No copy of the sets per packet. A Set iterator skips members deleted before it reaches them (a
    // viewer ended or closed by a callback) and visits members added meanwhile: those joined during
    // this fan-out have this packet in their burst already, so they are skipped by their join count.
    const n = ++this.ingestCount;
    // Caught-up viewers get the packet in the stream's next window, not one by one.
    if (this.shared?.add(packet) === true) {
      for (const sub of this.subscribers)
        if (sub.joinedAt !== n && !sub.shared) sub.push(packet, this.hasVideo);
    } else {
      for (const sub of this.subscribers) if (sub.joinedAt !== n) sub.push(packet, this.hasVideo);
    }
    if (this.internalSubscribers.size > 0)
      for (const sub of this.internalSubscribers) if (sub.joinedAt !== n) sub.push(packet, this.hasVideo);
    return { packet };
  }

  /** @internal Viewers and internal subscribers (a copy: callbacks may detach them). */
  allSubscribers(): Subscriber[] {
    return this.internalSubscribers.size === 0
      ? [...this.subscribers]
      : [...this.subscribers, ...this.internalSubscribers];
  }
}
