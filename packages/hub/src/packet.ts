/**
 * One media message of a live stream, classified once at ingest. Its encodings (RTMP chunks for a
 * chunk size, an FLV tag, ...) are made at most once per output form and shared by every subscriber.
 */

export type PacketKind = 'audio' | 'video' | 'data';

export interface PacketFlags {
  /** A video frame a decoder can start from (not a sequence header). */
  keyframe: boolean;
  /** AVC/HEVC decoder configuration or AAC AudioSpecificConfig. */
  sequenceHeader: boolean;
  /** onMetaData (script data). */
  metadata: boolean;
}

/** An output form: a stable id ("flv", "rtmp:4096:1") and the function that encodes a packet in it. */
export interface OutputForm {
  readonly id: string;
  encode(packet: MediaPacket): Uint8Array;
}

export class MediaPacket {
  /**
   * Encodings one packet keeps. A server has a handful of forms (FLV, RTMP per chunk size, push);
   * past this the oldest is evicted, so a peer choosing forms can cost CPU, never unbounded memory.
   */
  static readonly MAX_ENCODINGS = 8;
  readonly kind: PacketKind;
  /** Stream timestamp after rebasing (32-bit ms, wraps). */
  readonly timestampMs: number;
  /** The RTMP message payload / FLV tag body. */
  readonly payload: Uint8Array;
  readonly keyframe: boolean;
  readonly sequenceHeader: boolean;
  readonly metadata: boolean;
  /**
   * @internal Told how `retainedBytes` changed when an encoding is added or evicted: the start-up
   * cache uses it to count what the packets it holds grow to.
   */
  onRetainedChange: ((deltaBytes: number) => void) | undefined;
  // Oldest first, at most MAX_ENCODINGS: a scan of a few ids beats a Map for one or two forms.
  private ids: string[] | undefined;
  private encodings: Uint8Array[] | undefined;

  constructor(kind: PacketKind, timestampMs: number, payload: Uint8Array, flags: PacketFlags) {
    this.kind = kind;
    this.timestampMs = timestampMs;
    this.payload = payload;
    this.keyframe = flags.keyframe;
    this.sequenceHeader = flags.sequenceHeader;
    this.metadata = flags.metadata;
  }

  /** This packet in `form`, encoded on first use and memoised (the oldest encoding evicted when full). */
  encoded(form: OutputForm): Uint8Array {
    const found = this.find(form.id);
    if (found !== undefined) return found;
    const bytes = form.encode(this);
    // Look again: a form may build on another form's encoding of this same packet (or on its own).
    const again = this.find(form.id);
    if (again !== undefined) return again;
    if (this.ids === undefined || this.encodings === undefined) {
      this.ids = [form.id];
      this.encodings = [bytes];
    } else {
      this.ids.push(form.id);
      this.encodings.push(bytes);
    }
    let delta = this.heldBy(bytes);
    if (this.ids.length > MediaPacket.MAX_ENCODINGS) {
      this.ids.shift();
      delta -= this.heldBy(this.encodings.shift()!);
    }
    if (delta !== 0) this.onRetainedChange?.(delta);
    return bytes;
  }

  /** Payload bytes plus every encoding kept: what this packet holds in memory. */
  get retainedBytes(): number {
    let n = this.payload.length;
    if (this.encodings !== undefined) for (const e of this.encodings) n += this.heldBy(e);
    return n;
  }

  private find(id: string): Uint8Array | undefined {
    if (this.ids === undefined) return undefined;
    const i = this.ids.indexOf(id);
    return i < 0 ? undefined : this.encodings![i];
  }

  /** Bytes an encoding adds: none when it is the payload itself (a form that passes it through). */
  private heldBy(bytes: Uint8Array): number {
    const same =
      bytes.buffer === this.payload.buffer &&
      bytes.byteOffset === this.payload.byteOffset &&
      bytes.length === this.payload.length;
    return same ? 0 : bytes.length;
  }
}
