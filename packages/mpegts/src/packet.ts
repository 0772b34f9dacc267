/**
 * Writing transport packets (ISO/IEC 13818-1 2.4.3.2 header, 2.4.3.4 adaptation field): a PES spread
 * over packets with PCR/random_access_indicator on the first and adaptation-field stuffing on the last,
 * PSI sections padded with 0xFF, and PCR-only packets.
 */
import { TS_PACKET_SIZE, TS_PAYLOAD_SIZE, TS_SYNC_BYTE } from './constants.js';
import { writePcr } from './timestamp.js';

/** Adaptation field bytes (length byte included) of a PES's first packet. */
export function firstAdaptationBytes(withPcr: boolean, randomAccess: boolean): number {
  if (withPcr) return 8; // length, flags, 6-byte PCR
  return randomAccess ? 2 : 0; // length, flags
}

/** Packets needed for `length` payload bytes when the first packet's adaptation field takes `firstAf` bytes. */
export function payloadPacketCount(length: number, firstAf: number): number {
  const first = TS_PAYLOAD_SIZE - firstAf;
  return length <= first ? 1 : 1 + Math.ceil((length - first) / TS_PAYLOAD_SIZE);
}

export interface PayloadPackets {
  pid: number;
  /** continuity_counter of the first packet; the following ones count on modulo 16. */
  cc: number;
  /** The payload, as pieces written back to back (no concatenation needed). */
  pieces: readonly Uint8Array[];
  length: number;
  /** PCR base for the first packet, or undefined for none. */
  pcr90k: number | undefined;
  randomAccess: boolean;
}

/**
 * Writes the packets of one payload unit (a PES) at `pos` and returns the position after them. The
 * first packet has payload_unit_start_indicator set; the last is filled up with adaptation-field stuffing.
 */
export function writePayloadPackets(out: Uint8Array, pos: number, u: PayloadPackets): number {
  const withPcr = u.pcr90k !== undefined;
  const firstAf = firstAdaptationBytes(withPcr, u.randomAccess);
  let remaining = u.length;
  let cc = u.cc;
  let piece = 0;
  let pieceOff = 0;
  let first = true;
  do {
    const af = first ? firstAf : 0;
    const cap = TS_PAYLOAD_SIZE - af;
    const n = Math.min(remaining, cap);
    const afTotal = af + (cap - n);
    out[pos] = TS_SYNC_BYTE;
    out[pos + 1] = (first ? 0x40 : 0) | ((u.pid >>> 8) & 0x1f);
    out[pos + 2] = u.pid & 0xff;
    out[pos + 3] = (afTotal > 0 ? 0x30 : 0x10) | (cc & 0x0f);
    let p = pos + 4;
    if (afTotal > 0) {
      const afEnd = p + afTotal;
      out[p++] = afTotal - 1; // adaptation_field_length
      if (afTotal > 1) {
        out[p++] = first ? (u.randomAccess ? 0x40 : 0) | (withPcr ? 0x10 : 0) : 0;
        if (first && withPcr) {
          writePcr(out, p, u.pcr90k!);
          p += 6;
        }
        out.fill(0xff, p, afEnd);
        p = afEnd;
      }
    }
    // Copy n payload bytes from the pieces.
    let left = n;
    while (left > 0) {
      const src = u.pieces[piece]!;
      const take = Math.min(left, src.length - pieceOff); // 0 for an empty piece, which is then passed
      out.set(take === src.length ? src : src.subarray(pieceOff, pieceOff + take), p);
      p += take;
      left -= take;
      pieceOff += take;
      if (pieceOff === src.length) {
        piece++;
        pieceOff = 0;
      }
    }
    remaining -= n;
    cc = (cc + 1) & 0x0f;
    pos += TS_PACKET_SIZE;
    first = false;
  } while (remaining > 0);
  return pos;
}

/** Packets a PSI section of `length` bytes takes (pointer_field included). */
export function sectionPacketCount(length: number): number {
  return Math.ceil((length + 1) / TS_PAYLOAD_SIZE);
}

/** Writes one PSI section (pointer_field 0, then the section, then 0xFF) starting at continuity counter `cc`. */
export function writeSectionPackets(
  out: Uint8Array,
  pos: number,
  pid: number,
  cc: number,
  section: Uint8Array,
): number {
  const count = sectionPacketCount(section.length);
  let off = 0;
  for (let i = 0; i < count; i++) {
    out[pos] = TS_SYNC_BYTE;
    out[pos + 1] = (i === 0 ? 0x40 : 0) | ((pid >>> 8) & 0x1f);
    out[pos + 2] = pid & 0xff;
    out[pos + 3] = 0x10 | ((cc + i) & 0x0f);
    let p = pos + 4;
    if (i === 0) out[p++] = 0; // pointer_field
    const take = Math.min(section.length - off, pos + TS_PACKET_SIZE - p);
    out.set(section.subarray(off, off + take), p);
    off += take;
    p += take;
    out.fill(0xff, p, pos + TS_PACKET_SIZE);
    pos += TS_PACKET_SIZE;
  }
  return pos;
}

/**
 * Writes a packet with only an adaptation field carrying a PCR (adaptation_field_control '10'). It has
 * no payload, so it repeats the PID's last continuity_counter (2.4.3.3: the counter does not advance).
 */
export function writePcrOnlyPacket(
  out: Uint8Array,
  pos: number,
  pid: number,
  lastCc: number,
  pcr90k: number,
): number {
  out[pos] = TS_SYNC_BYTE;
  out[pos + 1] = (pid >>> 8) & 0x1f;
  out[pos + 2] = pid & 0xff;
  out[pos + 3] = 0x20 | (lastCc & 0x0f);
  out[pos + 4] = 183; // adaptation_field_length: the rest of the packet
  out[pos + 5] = 0x10; // PCR_flag
  writePcr(out, pos + 6, pcr90k);
  out.fill(0xff, pos + 12, pos + TS_PACKET_SIZE);
  return pos + TS_PACKET_SIZE;
}
