/**
 * The digest ("complex", Flash Player 9+) RTMP handshake: the HMAC-SHA256 digests that C1/S1 carry and
 * that C2/S2 answer with. Not in the RTMP 1.0 spec (§5.2 describes only the simple handshake); these are
 * the public facts implemented by librtmp (handshake.h), nginx-rtmp and SRS.
 *
 * A 1536-byte C1/S1 is time(4) version(4) and two 764-byte blocks, a "key" block and a "digest" block.
 * In schema 0 the key block comes first (digest block at 772), in schema 1 the digest block does (at 8).
 * A digest block starts with 4 offset bytes; the 32-byte digest sits at
 * (sum of the 4 offset bytes) % 728 + block start + 4, and is HMAC-SHA256 over the 1504 other bytes.
 */
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';

export const HANDSHAKE_PACKET_SIZE = 1536;
export const DIGEST_SIZE = 32;

/** Which block holds the digest: 0 = key block first (digest block at 772), 1 = digest block first (at 8). */
export type DigestSchema = 0 | 1;

// The 32 bytes appended to both public key texts to make the "full" keys.
const KEY_TAIL = [
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec,
  0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
] as const;

function asciiKey(text: string): Uint8Array {
  const out = new Uint8Array(text.length + KEY_TAIL.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  out.set(KEY_TAIL, text.length);
  return out;
}

/** "Genuine Adobe Flash Player 001" (30 bytes) + 32 bytes: signs C1 (first 30) and C2 (all 62). */
export const FLASH_PLAYER_KEY: Uint8Array = asciiKey('Genuine Adobe Flash Player 001');
/** "Genuine Adobe Flash Media Server 001" (36 bytes) + 32 bytes: signs S1 (first 36) and S2 (all 68). */
export const FLASH_MEDIA_SERVER_KEY: Uint8Array = asciiKey('Genuine Adobe Flash Media Server 001');
export const FLASH_PLAYER_KEY_TEXT_SIZE = 30;
export const FLASH_MEDIA_SERVER_KEY_TEXT_SIZE = 36;

type Mac = ReturnType<typeof hmac.create>;

// HMAC keyed once per constant key and cloned per use: the key schedule is then paid once per process.
const keyed = new Map<string, Mac>();
function macFor(name: string, key: Uint8Array): Mac {
  let mac = keyed.get(name);
  if (mac === undefined) {
    mac = hmac.create(sha256, key);
    keyed.set(name, mac);
  }
  return mac.clone();
}

/** Which of the two public keys signs a C1 (`'client'`) or an S1 (`'server'`). */
export type Signer = 'client' | 'server';

function signerMac(signer: Signer): Mac {
  return signer === 'client'
    ? macFor('fp30', FLASH_PLAYER_KEY.subarray(0, FLASH_PLAYER_KEY_TEXT_SIZE))
    : macFor('fms36', FLASH_MEDIA_SERVER_KEY.subarray(0, FLASH_MEDIA_SERVER_KEY_TEXT_SIZE));
}

/** Position of the 32-byte digest in a 1536-byte C1/S1 for a schema. */
export function digestOffset(packet: Uint8Array, schema: DigestSchema): number {
  const base = schema === 0 ? 772 : 8;
  const sum = packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!;
  return (sum % 728) + base + 4;
}

/** HMAC-SHA256 over the packet without the 32 bytes at `offset`. */
function packetDigest(packet: Uint8Array, offset: number, signer: Signer): Uint8Array {
  return signerMac(signer)
    .update(packet.subarray(0, offset))
    .update(packet.subarray(offset + DIGEST_SIZE, HANDSHAKE_PACKET_SIZE))
    .digest();
}

function equal32(a: Uint8Array, aOffset: number, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < DIGEST_SIZE; i++) diff |= a[aOffset + i]! ^ b[i]!;
  return diff === 0;
}

/** Writes the digest of `signer` into a 1536-byte C1/S1 (its other bytes already final); returns its offset. */
export function imprintDigest(packet: Uint8Array, schema: DigestSchema, signer: Signer): number {
  const offset = digestOffset(packet, schema);
  packet.set(packetDigest(packet, offset, signer), offset);
  return offset;
}

export interface FoundDigest {
  schema: DigestSchema;
  /** A view of the 32 digest bytes inside the packet. */
  digest: Uint8Array;
}

/**
 * Looks for a valid digest of `signer` in a 1536-byte C1/S1, trying `first` schema first (peers
 * usually answer in the schema they were addressed in). Undefined: a simple-handshake packet.
 */
export function findDigest(
  packet: Uint8Array,
  signer: Signer,
  first: DigestSchema = 1,
): FoundDigest | undefined {
  for (const schema of first === 1 ? ([1, 0] as const) : ([0, 1] as const)) {
    const offset = digestOffset(packet, schema);
    if (equal32(packet, offset, packetDigest(packet, offset, signer))) {
      return { schema, digest: packet.subarray(offset, offset + DIGEST_SIZE) };
    }
  }
  return undefined;
}

/**
 * The last 32 bytes of a digest S2 (signer 'server', answering a C1 digest) or C2 (signer 'client',
 * answering an S1 digest): HMAC(HMAC(full key, peer digest), first 1504 bytes of the reply).
 */
function replyDigest(reply: Uint8Array, peerDigest: Uint8Array, signer: Signer): Uint8Array {
  const fullKey =
    signer === 'server' ? macFor('fms68', FLASH_MEDIA_SERVER_KEY) : macFor('fp62', FLASH_PLAYER_KEY);
  const key = fullKey.update(peerDigest).digest();
  return hmac(sha256, key, reply.subarray(0, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE));
}

/** Writes the answer digest into the last 32 bytes of a 1536-byte S2/C2 whose first 1504 bytes are final. */
export function imprintReplyDigest(reply: Uint8Array, peerDigest: Uint8Array, signer: Signer): void {
  reply.set(replyDigest(reply, peerDigest, signer), HANDSHAKE_PACKET_SIZE - DIGEST_SIZE);
}

/** True when a 1536-byte S2/C2 carries the answer digest to `ownDigest` (the digest we sent in C1/S1). */
export function verifyReplyDigest(reply: Uint8Array, ownDigest: Uint8Array, signer: Signer): boolean {
  return equal32(reply, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE, replyDigest(reply, ownDigest, signer));
}
