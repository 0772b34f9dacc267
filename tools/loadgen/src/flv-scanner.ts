/**
 * An incremental FLV tag scanner (FLV spec v10.1 annex E.2, E.4): finds tag boundaries in a byte
 * stream fed in pieces of any size, and reports each video tag's body length and first PROBE_BYTES
 * bytes. Nothing is buffered beyond those bytes and the 11-byte tag header.
 */
import { PROBE_BYTES } from './identity.js';

enum State {
  FileHeader,
  Skip,
  TagHeader,
  Body,
}

const TAG_VIDEO = 9;
/** Largest tag body accepted before the stream is called corrupt. */
const MAX_TAG_BYTES = 16 << 20;

export class FlvScanner {
  error: string | undefined;
  private state = State.FileHeader;
  private readonly header = new Uint8Array(11);
  private headerLength = 0;
  private skip = 0;
  private tagType = 0;
  private tagSize = 0;
  private pos = 0;
  private readonly probe = new Uint8Array(PROBE_BYTES);

  constructor(private readonly onVideo: (probe: Uint8Array, probeLength: number, length: number) => void) {}

  /** Consumes `buf[from..end)`; false once the stream is not FLV. */
  push(buf: Uint8Array, from: number, end: number): boolean {
    let i = from;
    while (i < end) {
      switch (this.state) {
        case State.FileHeader: {
          while (i < end && this.headerLength < 9) this.header[this.headerLength++] = buf[i++]!;
          if (this.headerLength < 9) return true;
          const h = this.header;
          if (h[0] !== 0x46 || h[1] !== 0x4c || h[2] !== 0x56) {
            this.error = 'the response is not FLV';
            return false;
          }
          const dataOffset = ((h[5]! << 24) | (h[6]! << 16) | (h[7]! << 8) | h[8]!) >>> 0;
          this.skip = Math.max(0, dataOffset - 9) + 4; // the rest of the header + PreviousTagSize0
          this.headerLength = 0;
          this.state = State.Skip;
          break;
        }
        case State.Skip: {
          const n = Math.min(this.skip, end - i);
          this.skip -= n;
          i += n;
          if (this.skip === 0) this.state = State.TagHeader;
          break;
        }
        case State.TagHeader: {
          while (i < end && this.headerLength < 11) this.header[this.headerLength++] = buf[i++]!;
          if (this.headerLength < 11) return true;
          const h = this.header;
          this.tagType = h[0]! & 0x1f;
          this.tagSize = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
          if (this.tagSize > MAX_TAG_BYTES) {
            this.error = `FLV tag of ${this.tagSize} bytes`;
            return false;
          }
          this.headerLength = 0;
          this.pos = 0;
          this.state = State.Body;
          if (this.tagSize === 0) this.endTag();
          break;
        }
        case State.Body: {
          const n = Math.min(this.tagSize - this.pos, end - i);
          if (this.tagType === TAG_VIDEO && this.pos < PROBE_BYTES) {
            this.probe.set(buf.subarray(i, i + Math.min(n, PROBE_BYTES - this.pos)), this.pos);
          }
          this.pos += n;
          i += n;
          if (this.pos === this.tagSize) this.endTag();
          break;
        }
      }
    }
    return true;
  }

  private endTag(): void {
    if (this.tagType === TAG_VIDEO) this.onVideo(this.probe, Math.min(this.pos, PROBE_BYTES), this.tagSize);
    this.skip = 4; // PreviousTagSize
    this.state = State.Skip;
  }
}
