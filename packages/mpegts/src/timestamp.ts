/**
 * 33-bit PTS/DTS fields of a PES header (ISO/IEC 13818-1 2.4.3.7, Table 2-21) and the 42-bit PCR of an
 * adaptation field (2.4.3.4/2.4.3.5), plus the RTMP-milliseconds → 90 kHz mapping of the muxer.
 */
import { PTS_WRAP } from './constants.js';

/** `v` reduced into [0, 2^33): the 33-bit wrap of PTS, DTS and PCR base. */
export function wrap33(v: number): number {
  const r = v % PTS_WRAP;
  return r < 0 ? r + PTS_WRAP : r;
}

/**
 * Writes a 5-byte PTS or DTS field: 4-bit `prefix` ('0010' PTS only, '0011' PTS with DTS, '0001' DTS),
 * then bits 32..30, marker, 29..15, marker, 14..0, marker. `ts90k` is wrapped to 33 bits first.
 */
export function writeTimestamp(out: Uint8Array, pos: number, prefix: number, ts90k: number): void {
  const v = wrap33(ts90k);
  const hi = Math.floor(v / 2 ** 30); // bits 32..30
  const lo = v % 2 ** 30; // bits 29..0, fits 32-bit bit ops
  out[pos] = (prefix << 4) | (hi << 1) | 1;
  out[pos + 1] = (lo >>> 22) & 0xff;
  out[pos + 2] = ((lo >>> 14) & 0xfe) | 1;
  out[pos + 3] = (lo >>> 7) & 0xff;
  out[pos + 4] = ((lo << 1) & 0xfe) | 1;
}

/** Reads a 5-byte PTS/DTS field; returns -1 when a marker bit is 0 (a malformed field). */
export function readTimestamp(b: Uint8Array, pos: number): number {
  const b0 = b[pos]!;
  const b2 = b[pos + 2]!;
  const b4 = b[pos + 4]!;
  if ((b0 & 1) === 0 || (b2 & 1) === 0 || (b4 & 1) === 0) return -1;
  const hi = (b0 >>> 1) & 0x07;
  const lo = (b[pos + 1]! << 22) | ((b2 >>> 1) << 15) | (b[pos + 3]! << 7) | (b4 >>> 1);
  return hi * 2 ** 30 + (lo >>> 0);
}

/**
 * Writes the 6-byte program_clock_reference: 33-bit base (90 kHz), 6 reserved '1' bits, 9-bit extension
 * (27 MHz remainder, 0..299).
 */
export function writePcr(out: Uint8Array, pos: number, base90k: number, ext = 0): void {
  const v = wrap33(base90k);
  const top = Math.floor(v / 2); // bits 32..1, fits in 32 bits
  out[pos] = (top >>> 24) & 0xff;
  out[pos + 1] = (top >>> 16) & 0xff;
  out[pos + 2] = (top >>> 8) & 0xff;
  out[pos + 3] = top & 0xff;
  out[pos + 4] = ((v % 2) << 7) | 0x7e | ((ext >>> 8) & 1);
  out[pos + 5] = ext & 0xff;
}

/** Reads a 6-byte PCR field: `{ base90k, ext }`; the full 27 MHz value is base90k × 300 + ext. */
export function readPcr(b: Uint8Array, pos: number): { base90k: number; ext: number } {
  const top = ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
  const b4 = b[pos + 4]!;
  return { base90k: top * 2 + (b4 >>> 7), ext: ((b4 & 1) << 8) | b[pos + 5]! };
}

/**
 * Maps RTMP millisecond timestamps (unsigned 32-bit, wrapping every 2^32 ms ≈ 49.7 days) onto one
 * unbounded millisecond timeline shared by audio and video: each input is placed at the signed 32-bit
 * distance from the previous one, so a wrap of the input continues the timeline instead of jumping
 * back, and audio that lags video slightly stays slightly earlier. The 90 kHz value is this timeline
 * × 90; it is reduced to 33 bits only when written, so the PTS wrap (every ~26.5 h) is the plain
 * modular wrap every demuxer expects. (2^32 ms × 90 is a multiple of 2^33, so the written PTS bytes
 * would be the same without unwrapping; the unwrapped timeline is what keeps PCR comparisons right.)
 */
export class MsTimeline {
  private lastRawMs = -1;
  private lastMs = 0;

  /** The unwrapped time of an RTMP timestamp, in ms (may exceed 2^32, or be slightly negative). */
  unwrap(rawMs: number): number {
    const raw = Math.round(rawMs) >>> 0;
    if (this.lastRawMs < 0) {
      this.lastRawMs = raw;
      this.lastMs = raw;
      return raw;
    }
    const delta = (raw - this.lastRawMs) | 0;
    this.lastRawMs = raw;
    this.lastMs += delta;
    return this.lastMs;
  }

  reset(): void {
    this.lastRawMs = -1;
    this.lastMs = 0;
  }
}
