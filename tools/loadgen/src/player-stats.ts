/**
 * What one player measures: when it connected, its first keyframe, and the lag of every video frame
 * (arrival on the process-wide clock minus the publisher's send time of the same frame).
 */
import { nowMs } from './clock.js';
import { frameKey, type SendLogReader } from './identity.js';
import type { PlayerResult, Protocol } from './types.js';

/** Lag samples a player keeps: more than one second of frames at 30 fps, bursts included. */
const LAG_RING = 128;
/** A player with no video for this long inside the window, or this far behind, fell behind. */
export const BEHIND_MS = 2000;

export class PlayerStats {
  readonly protocol: Protocol;
  connectStartMs = -1;
  playingAtMs = -1;
  firstKeyframeAtMs = -1;
  lastVideoAtMs = -1;
  frames = 0;
  keyframes = 0;
  unmatched = 0;
  maxLagMs = 0;
  /** Longest time without video inside the window (from its start, or the last frame before it). */
  maxGapMs = 0;
  private windowStartMs = -1;
  closed = false;
  error: string | undefined;
  private readonly lagAt = new Float64Array(LAG_RING);
  private readonly lag = new Float64Array(LAG_RING);
  private lagCount = 0;
  private readonly reader: SendLogReader;

  constructor(protocol: Protocol, reader: SendLogReader) {
    this.protocol = protocol;
    this.reader = reader;
  }

  /** One complete video message of `length` bytes whose first bytes are `probe[0..probeLength)`. */
  onVideo(probe: Uint8Array, probeLength: number, length: number): void {
    if (probeLength < 2) return;
    const t = nowMs();
    this.frames++;
    if (this.windowStartMs >= 0) {
      const gap = t - Math.max(this.windowStartMs, this.lastVideoAtMs);
      if (gap > this.maxGapMs) this.maxGapMs = gap;
    }
    this.lastVideoAtMs = t;
    const b0 = probe[0]!;
    // Legacy AVC (codec 7): packet type 0 is the sequence header, not a frame.
    if ((b0 & 0x80) === 0 && (b0 & 0x0f) === 7 && probe[1] === 0) return;
    // Frame type 1 (keyframe) in bits 4-6, legacy and Enhanced RTMP alike.
    if (((b0 >> 4) & 7) === 1) {
      this.keyframes++;
      if (this.firstKeyframeAtMs < 0) this.firstKeyframeAtMs = t;
    }
    const sent = this.reader.sentAt(frameKey(probe, probeLength, length));
    if (sent < 0) {
      this.unmatched++;
      return;
    }
    const lag = t - sent;
    const at = this.lagCount++ % LAG_RING;
    this.lagAt[at] = t;
    this.lag[at] = lag;
    if (lag > this.maxLagMs) this.maxLagMs = lag;
  }

  fail(message: string): void {
    if (this.error === undefined) this.error = message;
  }

  /** Starts the measured window: the max lag is the max seen inside it. */
  startWindow(): void {
    this.maxLagMs = 0;
    this.maxGapMs = 0;
    this.windowStartMs = nowMs();
  }

  /** The player's numbers at `endMs`, the end of the window. */
  result(endMs: number): PlayerResult {
    const recent: number[] = [];
    const n = Math.min(this.lagCount, LAG_RING);
    for (let i = 0; i < n; i++) if (this.lagAt[i]! >= endMs - 1000) recent.push(this.lag[i]!);
    recent.sort((a, b) => a - b);
    const endLagMs = recent.length === 0 ? Number.NaN : recent[recent.length >> 1]!;
    const playing = this.playingAtMs >= 0 && !this.closed;
    const silentMs = this.lastVideoAtMs < 0 ? Number.POSITIVE_INFINITY : endMs - this.lastVideoAtMs;
    const stallMs = Math.max(this.maxGapMs, silentMs);
    return {
      protocol: this.protocol,
      playing,
      fellBehind: !playing || stallMs > BEHIND_MS || this.maxLagMs > BEHIND_MS || !(endLagMs <= BEHIND_MS),
      stallMs,
      endLagMs,
      maxLagMs: this.maxLagMs,
      firstKeyframeMs: this.firstKeyframeAtMs < 0 ? Number.NaN : this.firstKeyframeAtMs - this.connectStartMs,
      frames: this.frames,
      keyframes: this.keyframes,
      unmatched: this.unmatched,
      error: this.error,
    };
  }
}
