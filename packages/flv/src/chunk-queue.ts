/**
 * Pending input of a streaming parser: a list of the caller's chunks, never concatenated as a whole.
 * `read(n)` returns a view when the n bytes sit in one chunk and copies only those n bytes otherwise,
 * so feeding a large tag in tiny chunks costs one copy of that tag, not a copy per chunk.
 */
export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  /** Index of the first live chunk in `chunks` (shifting an array per read would be quadratic). */
  private head = 0;
  /** Bytes of chunks[head] already consumed. */
  private headPos = 0;
  /** Unconsumed bytes across all chunks. */
  available = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.available += bytes.length;
  }

  /** Consumes and returns the next n bytes (caller checks `available` first). */
  read(n: number): Uint8Array {
    const first = this.chunks[this.head]!;
    if (first.length - this.headPos >= n) {
      const view = first.subarray(this.headPos, this.headPos + n);
      this.advance(n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.head]!;
      const take = Math.min(c.length - this.headPos, n - filled);
      out.set(c.subarray(this.headPos, this.headPos + take), filled);
      filled += take;
      this.advance(take);
    }
    return out;
  }

  /** Consumes n bytes without copying them (n ≤ available). */
  skip(n: number): void {
    let left = n;
    while (left > 0) {
      const c = this.chunks[this.head]!;
      const take = Math.min(c.length - this.headPos, left);
      left -= take;
      this.advance(take);
    }
  }

  private advance(n: number): void {
    this.available -= n;
    this.headPos += n;
    if (this.headPos === this.chunks[this.head]!.length) {
      this.head++;
      this.headPos = 0;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    }
  }
}
