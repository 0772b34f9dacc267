/**
 * The start-up cache of one stream: what a late joiner needs to show a picture at once. Metadata, the
 * latest video and audio sequence headers, then the last `gopNum` GOPs (video and audio, from a
 * keyframe). livego caches video only and panics at gop_num 0 or >= 3; here any gopNum >= 0 works and
 * the cache is bounded in bytes and packets.
 */
import type { MediaPacket } from './packet.js';

export interface CacheOptions {
  /** GOPs kept (the current one included). 0: headers only, a late joiner waits for the next keyframe. */
  gopNum: number;
  /**
   * Bytes the cache may hold: payloads and every encoding made of them (viewers add encodings later,
   * as they take packets), headers and metadata included.
   */
  maxBytes: number;
  /** Packets one GOP may hold. */
  maxPacketsPerGop: number;
}

interface Gop {
  packets: MediaPacket[];
  bytes: number;
}

export class StartupCache {
  metadata: MediaPacket | undefined;
  videoHeader: MediaPacket | undefined;
  audioHeader: MediaPacket | undefined;
  private readonly options: CacheOptions;
  /** Each GOP starts with a keyframe; the last one is the current GOP. */
  private gops: Gop[] = [];
  /** Retained bytes of every packet held, headers included. */
  private bytes = 0;

  constructor(options: CacheOptions) {
    this.options = options;
  }

  /** Bytes held: payloads and their encodings, headers and metadata included. */
  get heldBytes(): number {
    return this.bytes;
  }

  get gopCount(): number {
    return this.gops.length;
  }

  add(packet: MediaPacket): void {
    if (packet.metadata) {
      this.replaceHeader(this.metadata, packet);
      this.metadata = packet;
      return;
    }
    if (packet.sequenceHeader) {
      const old = packet.kind === 'video' ? this.videoHeader : this.audioHeader;
      // Frames cached under another decoder configuration would not decode after the new header.
      if (old !== undefined && !sameBytes(old.payload, packet.payload)) this.clearGops();
      this.replaceHeader(old, packet);
      if (packet.kind === 'video') this.videoHeader = packet;
      else this.audioHeader = packet;
      return;
    }
    if (this.options.gopNum <= 0 || packet.kind === 'data') return;
    if (packet.kind === 'video' && packet.keyframe) {
      this.gops.push({ packets: [], bytes: 0 });
      while (this.gops.length > this.options.gopNum) this.dropOldestGop();
    }
    const current = this.gops[this.gops.length - 1];
    if (current === undefined) return; // nothing before the first keyframe is worth caching
    current.packets.push(packet);
    this.hold(packet, current);
    if (current.packets.length > this.options.maxPacketsPerGop) this.clearGops();
    else this.enforceBound();
  }

  /** What a late joiner gets, in order: metadata, video header, audio header, the cached GOPs. */
  snapshot(): MediaPacket[] {
    const out: MediaPacket[] = [];
    if (this.metadata !== undefined) out.push(this.metadata);
    if (this.videoHeader !== undefined) out.push(this.videoHeader);
    if (this.audioHeader !== undefined) out.push(this.audioHeader);
    for (const gop of this.gops) for (const p of gop.packets) out.push(p);
    return out;
  }

  /** True when the snapshot starts the picture at a keyframe. */
  get hasKeyframe(): boolean {
    return this.gops.length > 0;
  }

  clear(): void {
    this.replaceHeader(this.metadata, undefined);
    this.replaceHeader(this.videoHeader, undefined);
    this.replaceHeader(this.audioHeader, undefined);
    this.metadata = undefined;
    this.videoHeader = undefined;
    this.audioHeader = undefined;
    this.clearGops();
  }

  /** Counts `packet` (in `gop`, or a header when undefined) and follows its encodings as they are made. */
  private hold(packet: MediaPacket, gop: Gop | undefined): void {
    const n = packet.retainedBytes;
    this.bytes += n;
    if (gop !== undefined) gop.bytes += n;
    packet.onRetainedChange = (delta) => {
      this.bytes += delta;
      if (gop !== undefined) gop.bytes += delta;
      this.enforceBound();
    };
  }

  private release(packet: MediaPacket): void {
    packet.onRetainedChange = undefined;
    this.bytes -= packet.retainedBytes;
  }

  private replaceHeader(old: MediaPacket | undefined, next: MediaPacket | undefined): void {
    if (old !== undefined) this.release(old);
    if (next !== undefined) this.hold(next, undefined);
    if (next !== undefined) this.enforceBound();
  }

  /** Oldest GOPs go first; a current GOP over the bound alone (a huge keyframe interval) is not cached. */
  private enforceBound(): void {
    while (this.bytes > this.options.maxBytes && this.gops.length > 1) this.dropOldestGop();
    if (this.bytes > this.options.maxBytes) this.clearGops();
  }

  private clearGops(): void {
    while (this.gops.length > 0) this.dropOldestGop();
  }

  private dropOldestGop(): void {
    const gop = this.gops.shift()!;
    // Unhook every packet: one still queued for a viewer must not keep this GOP alive or counted.
    for (const p of gop.packets) p.onRetainedChange = undefined;
    this.bytes -= gop.bytes;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
