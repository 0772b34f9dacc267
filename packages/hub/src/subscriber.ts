/**
 * One viewer's bounded queue. The hub pushes shared packets in; the server's socket glue takes encoded
 * bytes out when its socket can take more. A viewer whose queue goes over its bound (bytes or media
 * duration) loses the queued frames and skips to the next keyframe, or resumes at the packet that went
 * over when that is a keyframe (sequence headers and metadata are kept so its decoder stays
 * consistent); one still behind `maxLagMs` of media time later is dropped. Media duration is measured
 * over media only: headers and metadata carry the timestamp they were sent at, maybe minutes ago.
 */
import type { MediaPacket, OutputForm } from './packet.js';
import { tsDiffMs } from './time.js';

export interface SubscriberOptions {
  /** Queued encoded bytes above which the viewer skips to the next keyframe. */
  maxQueueBytes: number;
  /** Queued media duration above which the viewer skips to the next keyframe. */
  maxQueueMs: number;
  /** Media time a viewer may stay behind (skipping or never draining) before it is dropped. */
  maxLagMs: number;
}

export type SubscriberEndReason = 'closed' | 'too-slow' | 'hub-closed';

/** What the embedding server provides for one viewer. */
export interface SubscriberSink {
  /** The form this viewer's bytes are encoded in; viewers with equal form ids share the bytes. */
  readonly form: OutputForm;
  /** Packets were queued: call `take()` when the socket can accept more. */
  onData(): void;
  /**
   * Writes a window of the shared path (encoded in `form`, the same bytes for every caught-up viewer)
   * when the connection can take it, returning true; false when it is backed up: the viewer then
   * gets the window queued privately (`onData`). A sink without it never takes the shared path.
   */
  writeShared?(bytes: Uint8Array): boolean;
  /** A publisher started on the stream (also on a takeover). */
  onPublish?(): void;
  /** The publisher left; the stream may be published again. */
  onUnpublish?(): void;
  /** The hub removed this viewer; the server should close its connection. */
  onEnd(reason: SubscriberEndReason): void;
}

export interface SubscriberStats {
  packetsOut: number;
  /** Encoded bytes handed out (chunk or tag headers included). */
  bytesOut: number;
  /** Message payload bytes handed out, and those of them that were video (livego counts these). */
  payloadBytesOut: number;
  videoPayloadBytesOut: number;
  droppedPackets: number;
  /** Times the queue went over its bound. */
  overflows: number;
}

export class Subscriber {
  readonly id: string;
  readonly kind: string;
  readonly streamKey: string;
  readonly sink: SubscriberSink;
  readonly stats: SubscriberStats = {
    packetsOut: 0,
    bytesOut: 0,
    payloadBytesOut: 0,
    videoPayloadBytesOut: 0,
    droppedPackets: 0,
    overflows: 0,
  };
  private readonly options: SubscriberOptions;
  private queue: MediaPacket[] = [];
  private head = 0;
  private queuedBytes = 0;
  private waitingForKeyframe = false;
  /** Media timestamp at which this viewer fell behind; undefined while it keeps up. */
  private lagSinceMs: number | undefined;
  /** The start-up burst may exceed the live bounds; these hold the allowance until the queue drains. */
  private extraBytes = 0;
  private extraMs = 0;
  /** Index at or before the first queued media packet (not a header or metadata); advanced lazily. */
  private mediaHead = 0;
  /** Timestamp of the latest queued media packet; undefined when none was queued since the last reset. */
  private lastMediaTs: number | undefined;
  /** The burst's onData is due on the next microtask unless a live packet has fired one since. */
  private startNotifyPending = false;
  private ended = false;
  private streamHasVideo = false;
  /** Set by the stream so `close()` can detach. */
  detach: ((reason: SubscriberEndReason) => void) | undefined;
  /** @internal Set by a stream with a shared path: asks it to take this viewer at the next window. */
  joinShared: (() => void) | undefined;
  private onSharedPath = false;
  /** @internal The stream's ingest count when this joined: the packet being fanned out then is not pushed. */
  joinedAt = 0;

  constructor(id: string, kind: string, streamKey: string, sink: SubscriberSink, options: SubscriberOptions) {
    this.id = id;
    this.kind = kind;
    this.streamKey = streamKey;
    this.sink = sink;
    this.options = options;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Packets waiting to be taken. */
  get queuedPackets(): number {
    return this.queue.length - this.head;
  }

  /** Encoded bytes waiting to be taken. */
  get queuedByteCount(): number {
    return this.queuedBytes;
  }

  /** Whether the viewer is skipping frames until the next keyframe. */
  get skipping(): boolean {
    return this.waitingForKeyframe;
  }

  /** Whether the viewer receives the stream's shared windows rather than its own queue. */
  get shared(): boolean {
    return this.onSharedPath;
  }

  /** @internal Whether it could receive shared windows: it keeps up and its sink can take them. */
  get canJoinShared(): boolean {
    return (
      !this.ended &&
      this.sink.writeShared !== undefined &&
      !this.waitingForKeyframe &&
      this.lagSinceMs === undefined
    );
  }

  /**
   * The connection has written everything this viewer was queued: it may move to the stream's shared
   * path at the next window boundary (a no-op when the stream has none or the viewer is behind).
   */
  requestShared(): void {
    if (this.onSharedPath || this.joinShared === undefined || this.queuedPackets > 0 || !this.canJoinShared)
      return;
    this.joinShared();
  }

  /** @internal One shared window to this viewer; false when its sink could not take it. */
  writeShared(bytes: Uint8Array, packets: number, payloadBytes: number, videoBytes: number): boolean {
    if (this.ended) return true;
    if (!this.sink.writeShared!(bytes)) return false;
    this.stats.packetsOut += packets;
    this.stats.bytesOut += bytes.length;
    this.stats.payloadBytesOut += payloadBytes;
    this.stats.videoPayloadBytesOut += videoBytes;
    return true;
  }

  /** @internal Off the shared path with the window it could not take queued, under the usual bounds. */
  takeBack(packets: MediaPacket[], streamHasVideo: boolean): void {
    for (const p of packets) if (!this.push(p, streamHasVideo)) return;
  }

  /** @internal */
  enterShared(): void {
    this.onSharedPath = true;
  }

  /** @internal */
  leaveShared(): void {
    this.onSharedPath = false;
  }

  /**
   * Queues the start-up burst. `startsAtKeyframe` false: no video until the next keyframe. Its onData
   * comes on a microtask, after `hub.subscribe()` has returned the subscriber to the caller.
   */
  start(burst: MediaPacket[], startsAtKeyframe: boolean): void {
    for (const p of burst) this.enqueue(p);
    this.extraBytes = this.queuedBytes;
    // The allowance is the media the burst spans (its cached GOPs), not the age of its headers.
    this.extraMs = this.queuedMediaMs();
    this.waitingForKeyframe = !startsAtKeyframe;
    if (this.queuedPackets === 0) return;
    this.startNotifyPending = true;
    queueMicrotask(() => {
      if (!this.startNotifyPending) return;
      this.startNotifyPending = false;
      if (!this.ended && this.queuedPackets > 0) this.sink.onData();
    });
  }

  /** Makes the viewer wait for a keyframe (after a publisher change). */
  resync(): void {
    this.waitingForKeyframe = true;
  }

  /** Called by the stream for each live packet. Returns false when the viewer was dropped. */
  push(packet: MediaPacket, streamHasVideo: boolean): boolean {
    if (this.ended) return false;
    this.streamHasVideo = streamHasVideo;
    if (this.waitingForKeyframe && !packet.sequenceHeader && !packet.metadata) {
      // Video waits for a keyframe; audio waits with it, unless the stream has no video to wait for.
      const drop = packet.kind === 'video' ? !packet.keyframe : packet.kind === 'audio' && streamHasVideo;
      if (drop) {
        this.stats.droppedPackets++;
        return this.checkLag(packet.timestampMs);
      }
      if (packet.kind === 'video') this.waitingForKeyframe = false;
    }
    this.enqueue(packet);
    if (
      this.queuedBytes > this.options.maxQueueBytes + this.extraBytes ||
      this.queuedMediaMs() > this.options.maxQueueMs + this.extraMs
    ) {
      // A keyframe that goes over is where the picture can resume: keep it rather than wait a GOP.
      this.overflow(packet.timestampMs, packet.kind === 'video' && packet.keyframe ? packet : undefined);
    }
    if (!this.checkLag(packet.timestampMs)) return false;
    this.startNotifyPending = false;
    this.sink.onData();
    return true;
  }

  /**
   * Encoded bytes of queued packets, oldest first, up to about `maxBytes` (at least one packet when
   * any is queued). The arrays are shared with other viewers: write them, never modify them.
   */
  take(maxBytes = Number.POSITIVE_INFINITY): Uint8Array[] {
    const out: Uint8Array[] = [];
    let n = 0;
    while (this.head < this.queue.length && (out.length === 0 || n < maxBytes)) {
      const bytes = this.dequeue().encoded(this.sink.form);
      out.push(bytes);
      n += bytes.length;
    }
    this.stats.bytesOut += n;
    this.drained();
    return out;
  }

  /**
   * The queued packets themselves, oldest first (at most `maxPackets`), for a consumer that takes them
   * in-process as they arrive, such as an HLS segmenter called from `onData`. Shared: never modify them.
   */
  takePackets(maxPackets = Number.POSITIVE_INFINITY): MediaPacket[] {
    const out: MediaPacket[] = [];
    let n = 0;
    while (this.head < this.queue.length && out.length < maxPackets) {
      const p = this.dequeue();
      out.push(p);
      n += p.encoded(this.sink.form).length;
    }
    this.stats.bytesOut += n;
    this.drained();
    return out;
  }

  private dequeue(): MediaPacket {
    const p = this.queue[this.head]!;
    this.queue[this.head] = undefined as unknown as MediaPacket; // let the packet be collected
    this.head++;
    this.queuedBytes -= p.encoded(this.sink.form).length;
    this.stats.packetsOut++;
    this.stats.payloadBytesOut += p.payload.length;
    if (p.kind === 'video') this.stats.videoPayloadBytesOut += p.payload.length;
    return p;
  }

  private drained(): void {
    if (this.head === this.queue.length) {
      this.resetQueue([]);
      this.extraBytes = 0;
      this.extraMs = 0;
      if (!this.waitingForKeyframe || !this.streamHasVideo) this.lagSinceMs = undefined;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.mediaHead = Math.max(0, this.mediaHead - this.head);
      this.head = 0;
    }
  }

  /** Detaches from the stream. The sink's onEnd is not called for a close the server asked for. */
  close(): void {
    this.end('closed', false);
  }

  /** @internal */
  end(reason: SubscriberEndReason, notify = true): void {
    if (this.ended) return;
    this.ended = true;
    this.resetQueue([]);
    this.detach?.(reason);
    if (notify) this.sink.onEnd(reason);
  }

  private enqueue(packet: MediaPacket): void {
    this.queue.push(packet);
    this.queuedBytes += packet.encoded(this.sink.form).length;
    if (isMedia(packet)) this.lastMediaTs = packet.timestampMs;
  }

  private resetQueue(packets: MediaPacket[]): void {
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.mediaHead = 0;
    this.lastMediaTs = undefined;
    for (const p of packets) this.enqueue(p);
  }

  /** Media time queued: from the oldest queued media packet to the latest. */
  private queuedMediaMs(): number {
    if (this.lastMediaTs === undefined) return 0;
    // Packets never change place once queued, so the scan resumes where it stopped: amortised O(1).
    if (this.mediaHead < this.head) this.mediaHead = this.head;
    while (this.mediaHead < this.queue.length && !isMedia(this.queue[this.mediaHead]!)) this.mediaHead++;
    if (this.mediaHead >= this.queue.length) return 0;
    return Math.max(0, tsDiffMs(this.queue[this.mediaHead]!.timestampMs, this.lastMediaTs));
  }

  /**
   * Drops everything queued except the latest decoder configuration (video header, audio header,
   * metadata: at most three messages) and `resumeAt`, the keyframe that went over the bound; without
   * one, skips to the next keyframe.
   */
  private overflow(nowTs: number, resumeAt: MediaPacket | undefined): void {
    this.stats.overflows++;
    let video: MediaPacket | undefined;
    let audio: MediaPacket | undefined;
    let meta: MediaPacket | undefined;
    for (let i = this.head; i < this.queue.length; i++) {
      const p = this.queue[i]!;
      if (p.metadata) meta = p;
      else if (p.sequenceHeader && p.kind === 'video') video = p;
      else if (p.sequenceHeader) audio = p;
    }
    const kept = [meta, video, audio, resumeAt].filter((p): p is MediaPacket => p !== undefined);
    this.stats.droppedPackets += this.queuedPackets - kept.length;
    this.resetQueue(kept);
    this.extraBytes = 0;
    this.extraMs = 0;
    this.waitingForKeyframe = resumeAt === undefined;
    this.lagSinceMs ??= nowTs;
  }

  private checkLag(nowTs: number): boolean {
    if (this.lagSinceMs !== undefined && tsDiffMs(this.lagSinceMs, nowTs) > this.options.maxLagMs) {
      this.end('too-slow');
      return false;
    }
    return true;
  }
}

/** A packet that counts as queued media time: headers and metadata are sent once, with their old timestamps. */
function isMedia(p: MediaPacket): boolean {
  return !p.sequenceHeader && !p.metadata;
}
