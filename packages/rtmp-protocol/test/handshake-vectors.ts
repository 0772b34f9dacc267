// Test-only digest math with node:crypto, written apart from src/ so that each checks the other.
import { createHmac } from 'node:crypto';

const TAIL = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
export const FP_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'latin1'), TAIL]);
export const FMS_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'), TAIL]);
export const FP_KEY_TEXT = FP_KEY.subarray(0, 30);
export const FMS_KEY_TEXT = FMS_KEY.subarray(0, 36);

export function hmac(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const p of parts) mac.update(p);
  return mac.digest();
}

/** Schema 1: digest block first (offset bytes 8..11); schema 0: key block first (offset bytes 772..775). */
export function offsetOf(packet: Uint8Array, schema: 0 | 1): number {
  const base = schema === 1 ? 8 : 772;
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += packet[base + i]!;
  return (sum % 728) + base + 4;
}

export function digestAt(packet: Uint8Array, offset: number, keyText: Uint8Array): Buffer {
  return hmac(keyText, packet.subarray(0, offset), packet.subarray(offset + 32, 1536));
}

/** A 1536-byte C1/S1 with `fill` as its random part and a digest in `schema` signed by `keyText`. */
export function signedPacket(fill: Uint8Array, version: number, schema: 0 | 1, keyText: Uint8Array): Buffer {
  const p = Buffer.alloc(1536);
  p.writeUInt32BE(0x01020304, 0);
  p.writeUInt32BE(version, 4);
  Buffer.from(fill.subarray(0, 1528)).copy(p, 8);
  const offset = offsetOf(p, schema);
  digestAt(p, offset, keyText).copy(p, offset);
  return p;
}

/** Whether `packet` carries a digest of `keyText` in `schema`; returns the digest or undefined. */
export function digestIn(packet: Uint8Array, schema: 0 | 1, keyText: Uint8Array): Buffer | undefined {
  const offset = offsetOf(packet, schema);
  const want = digestAt(packet, offset, keyText);
  return want.equals(Buffer.from(packet.subarray(offset, offset + 32))) ? want : undefined;
}

/** The last 32 bytes an S2/C2 must carry to answer `peerDigest` with `fullKey`. */
export function replyDigest(reply: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): Buffer {
  return hmac(hmac(fullKey, peerDigest), reply.subarray(0, 1504));
}

/** A reproducible byte source (xorshift32), for deterministic test randomness. */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}
