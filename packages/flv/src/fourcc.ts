/** FourCC helpers (Enhanced RTMP: UI32 read as four ASCII characters). */
import type { ByteReader } from '@livego/amf';

export function readFourCc(r: ByteReader): string {
  const b = r.bytes(4, 'FourCC');
  return String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!);
}

export function checkFourCc(fourCc: string): void {
  let ok = fourCc.length === 4;
  for (let i = 0; ok && i < 4; i++) ok = fourCc.charCodeAt(i) <= 0xff;
  if (!ok) {
    throw new RangeError(`FourCC must be 4 one-byte characters, got ${JSON.stringify(fourCc)}`);
  }
}

export function writeFourCc(target: Uint8Array, at: number, fourCc: string): void {
  for (let i = 0; i < 4; i++) target[at + i] = fourCc.charCodeAt(i);
}

/**
 * Enhanced RTMP v2 ModEx: skips modifier blocks and returns the packet type that follows them.
 * Type 0 (TimestampOffsetNano) carries a UI24 nanosecond offset, which is returned.
 */
export function readModEx(
  r: ByteReader,
  modExPacketType: number,
): { packetType: number; timestampOffsetNs?: number } {
  let packetType = modExPacketType;
  let timestampOffsetNs: number | undefined;
  while (packetType === modExPacketType) {
    let size = r.u8('modExDataSize') + 1;
    if (size === 256) size = r.u16('modExDataSize') + 1;
    const data = r.bytes(size, 'modExData');
    const b = r.u8('packetModExType');
    if (b >> 4 === 0 && size >= 3) timestampOffsetNs = (data[0]! << 16) | (data[1]! << 8) | data[2]!;
    packetType = b & 0x0f;
  }
  return timestampOffsetNs === undefined ? { packetType } : { packetType, timestampOffsetNs };
}
