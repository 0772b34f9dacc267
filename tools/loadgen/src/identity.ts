/**
 * Frame identity and the publisher's send log.
 *
 * A video frame is known by its payload length and an FNV-1a hash of up to PROBE_BYTES bytes after the
 * 5-byte AVC video tag header (the NAL length and slice header: they differ from frame to frame). The
 * publisher writes (identity, send time) of each frame into a ring in a SharedArrayBuffer; each player
 * thread copies new entries into its own Map of the last few seconds and looks frames up there.
 */

/** Bytes of the video payload a player keeps to identify a frame: the 5-byte header + 32. */
export const PROBE_BYTES = 37;
const HEADER_BYTES = 5;
/** Ring entries (about 34 s at 30 fps). */
const RING_ENTRIES = 1024;
/** Identities a reader keeps (10 s at 30 fps); a frame older than that counts as unmatched. */
const KEEP_ENTRIES = 300;

/**
 * The identity of a video payload of `length` bytes whose first bytes are `probe[0..probeLength)`.
 * A number below 2^53: length * 2^32 + hash (payloads are below 2^21 bytes).
 */
export function frameKey(probe: Uint8Array, probeLength: number, length: number): number {
  const from = length > HEADER_BYTES + 8 ? HEADER_BYTES : 0;
  const to = Math.min(probeLength, length, PROBE_BYTES);
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= probe[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return (length % 0x200000) * 0x100000000 + (h >>> 0);
}

/** The shared memory of a send log: pass it to the workers. */
export function createSendLogBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + RING_ENTRIES * 16);
}

/** The publisher's side: one writer. */
export class SendLogWriter {
  private readonly count: Int32Array;
  private readonly entries: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.count = new Int32Array(buffer, 0, 1);
    this.entries = new Float64Array(buffer, 8, RING_ENTRIES * 2);
  }

  record(key: number, sentAtMs: number): void {
    const n = Atomics.load(this.count, 0);
    const at = (n % RING_ENTRIES) * 2;
    this.entries[at] = key;
    this.entries[at + 1] = sentAtMs;
    Atomics.store(this.count, 0, n + 1);
  }
}

/** A player thread's side: a Map of the last KEEP_ENTRIES identities, refreshed from the ring on a miss. */
export class SendLogReader {
  private readonly count: Int32Array;
  private readonly entries: Float64Array;
  private readonly sent = new Map<number, number>();
  private seen = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.count = new Int32Array(buffer, 0, 1);
    this.entries = new Float64Array(buffer, 8, RING_ENTRIES * 2);
  }

  /** The send time of the frame `key`, or -1 when it is not among the last few seconds. */
  sentAt(key: number): number {
    const t = this.sent.get(key);
    if (t !== undefined) return t;
    if (!this.sync()) return -1;
    return this.sent.get(key) ?? -1;
  }

  /** Copies new ring entries into the Map; false when there were none. */
  private sync(): boolean {
    const n = Atomics.load(this.count, 0);
    if (n === this.seen) return false;
    for (let i = Math.max(this.seen, n - RING_ENTRIES); i < n; i++) {
      const at = (i % RING_ENTRIES) * 2;
      const key = this.entries[at]!;
      this.sent.delete(key); // keep Map order = send order when an identity repeats
      this.sent.set(key, this.entries[at + 1]!);
    }
    this.seen = n;
    if (this.sent.size > KEEP_ENTRIES) {
      let drop = this.sent.size - KEEP_ENTRIES;
      for (const key of this.sent.keys()) {
        if (drop-- <= 0) break;
        this.sent.delete(key);
      }
    }
    return true;
  }
}
