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
  readonly kind: PacketKind;
  /** Stream timestamp after rebasing (32-bit ms, wraps). */
  readonly timestampMs: number;
  /** The RTMP message payload / FLV tag body. */
  readonly payload: Uint8Array;
  readonly keyframe: boolean;
  readonly sequenceHeader: boolean;
  readonly metadata: boolean;
  // A tiny list beats a Map: a stream has one or two forms in practice.
  private encodings: Array<{ id: string; bytes: Uint8Array }> | undefined;

  constructor(kind: PacketKind, timestampMs: number, payload: Uint8Array, flags: PacketFlags) {
    this.kind = kind;
    this.timestampMs = timestampMs;
    this.payload = payload;
    this.keyframe = flags.keyframe;
    this.sequenceHeader = flags.sequenceHeader;
    this.metadata = flags.metadata;
  }

  /** This packet in `form`, encoded on first use and memoised. */
  encoded(form: OutputForm): Uint8Array {
    if (this.encodings !== undefined) {
      for (const e of this.encodings) if (e.id === form.id) return e.bytes;
    }
    const bytes = form.encode(this);
    // Read the list again: a form may build on another form's encoding of this same packet.
    if (this.encodings === undefined) this.encodings = [{ id: form.id, bytes }];
    else this.encodings.push({ id: form.id, bytes });
    return bytes;
  }

  /** Payload bytes plus every encoding made so far: what this packet holds in memory. */
  get retainedBytes(): number {
    let n = this.payload.length;
    if (this.encodings !== undefined) for (const e of this.encodings) n += e.bytes.length;
    return n;
  }
}
