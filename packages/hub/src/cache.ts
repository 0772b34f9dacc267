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
  /** Bytes of payload the GOPs may hold together. */
  maxBytes: number;
  /** Packets one GOP may hold. */
  maxPacketsPerGop: number;
}

export class StartupCache {
  metadata: MediaPacket | undefined;
  videoHeader: MediaPacket | undefined;
  audioHeader: MediaPacket | undefined;
  private readonly options: CacheOptions;
  /** Each GOP starts with a keyframe; the last one is the current GOP. */
  private gops: MediaPacket[][] = [];
  private gopBytes: number[] = [];
  private bytes = 0;

  constructor(options: CacheOptions) {
    this.options = options;
  }

  /** Bytes of payload held by the GOPs. */
  get heldBytes(): number {
    return this.bytes;
  }

  get gopCount(): number {
    return this.gops.length;
  }

  add(packet: MediaPacket): void {
    if (packet.metadata) {
      this.metadata = packet;
      return;
    }
    if (packet.sequenceHeader) {
      const old = packet.kind === 'video' ? this.videoHeader : this.audioHeader;
      // Frames cached under another decoder configuration would not decode after the new header.
      if (old !== undefined && !sameBytes(old.payload, packet.payload)) this.clearGops();
      if (packet.kind === 'video') this.videoHeader = packet;
      else this.audioHeader = packet;
      return;
    }
    if (this.options.gopNum <= 0 || packet.kind === 'data') return;
    if (packet.kind === 'video' && packet.keyframe) {
      this.gops.push([]);
      this.gopBytes.push(0);
      while (this.gops.length > this.options.gopNum) this.dropOldestGop();
    }
    const i = this.gops.length - 1;
    const current = this.gops[i];
    if (current === undefined) return; // nothing before the first keyframe is worth caching
    current.push(packet);
    this.gopBytes[i] = (this.gopBytes[i] ?? 0) + packet.payload.length;
    this.bytes += packet.payload.length;
    while (this.bytes > this.options.maxBytes && this.gops.length > 1) this.dropOldestGop();
    if (this.bytes > this.options.maxBytes || current.length > this.options.maxPacketsPerGop) {
      // A GOP too long to cache (a huge keyframe interval): cache nothing until the next keyframe.
      this.clearGops();
    }
  }

  /** What a late joiner gets, in order: metadata, video header, audio header, the cached GOPs. */
  snapshot(): MediaPacket[] {
    const out: MediaPacket[] = [];
    if (this.metadata !== undefined) out.push(this.metadata);
    if (this.videoHeader !== undefined) out.push(this.videoHeader);
    if (this.audioHeader !== undefined) out.push(this.audioHeader);
    for (const gop of this.gops) for (const p of gop) out.push(p);
    return out;
  }

  /** True when the snapshot starts the picture at a keyframe. */
  get hasKeyframe(): boolean {
    return this.gops.length > 0;
  }

  clear(): void {
    this.metadata = undefined;
    this.videoHeader = undefined;
    this.audioHeader = undefined;
    this.clearGops();
  }

  private clearGops(): void {
    this.gops = [];
    this.gopBytes = [];
    this.bytes = 0;
  }

  private dropOldestGop(): void {
    this.gops.shift();
    this.bytes -= this.gopBytes.shift() ?? 0;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
