/**
 * Streaming FLV demuxer, Adobe FLV spec v10.1 E.2 (header), E.3 (body: PreviousTagSize, tag, ...)
 * and E.4.1 (tag header). `push()` takes chunks of any size and returns the whole tags they complete.
 */
import { ChunkQueue } from './chunk-queue.js';
import { FlvError } from './errors.js';
import { FLV_HEADER_BYTES, type FlvHeader, parseFlvHeader } from './header.js';
import { FLV_PREVIOUS_TAG_SIZE_BYTES, FLV_TAG_HEADER_BYTES, type FlvTag, FlvTagType } from './tag.js';

export interface FlvDemuxerOptions {
  /** Largest tag body accepted; a larger DataSize is FLV_TAG_TOO_LARGE. Default 8 MiB. */
  maxTagBytes?: number;
  /** The stream starts with the FLV header and PreviousTagSize0 (files, HTTP-FLV). Default true. */
  expectHeader?: boolean;
  /** A PreviousTagSize that is not 11 + DataSize (or 0 for the first) is an error. Default false. */
  strictPreviousTagSize?: boolean;
}

export const DEFAULT_MAX_TAG_BYTES = 8 * 1024 * 1024;

const State = {
  Header: 0,
  HeaderPadding: 1,
  PreviousTagSize: 2,
  TagHeader: 3,
  TagBody: 4,
} as const;
type State = (typeof State)[keyof typeof State];

function u32(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

export class FlvDemuxer {
  private fileHeader: FlvHeader | undefined;
  private mismatches = 0;

  private readonly maxTagBytes: number;
  private readonly strict: boolean;
  private readonly queue = new ChunkQueue();
  private state: State;
  /** Absolute offset of the next unconsumed byte. */
  private position = 0;
  private failure: FlvError | undefined;
  private paddingLeft = 0;
  private expectedPreviousTagSize = 0;
  private pending: { type: FlvTagType; timestampMs: number; streamId: number; size: number; offset: number } =
    {
      type: FlvTagType.AUDIO,
      timestampMs: 0,
      streamId: 0,
      size: 0,
      offset: 0,
    };

  constructor(options: FlvDemuxerOptions = {}) {
    const max = options.maxTagBytes ?? DEFAULT_MAX_TAG_BYTES;
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxTagBytes must be a non-negative integer`);
    this.maxTagBytes = max;
    this.strict = options.strictPreviousTagSize ?? false;
    this.state = (options.expectHeader ?? true) ? State.Header : State.TagHeader;
  }

  /** The file header, once read (undefined before, and always when `expectHeader` is false). */
  get header(): FlvHeader | undefined {
    return this.fileHeader;
  }

  /** PreviousTagSize fields that did not match (only counted when not strict). */
  get previousTagSizeMismatches(): number {
    return this.mismatches;
  }

  /** Absolute offset of the first byte not yet consumed into a tag (or header). */
  get offset(): number {
    return this.position;
  }

  /**
   * Adds `bytes` and returns every tag completed so far. Tag bodies are views into the pushed chunks
   * when a body lies in one chunk; copy them if you reuse your buffers.
   */
  push(bytes: Uint8Array): FlvTag[] {
    if (this.failure) throw this.failure;
    this.queue.push(bytes);
    const tags: FlvTag[] = [];
    try {
      this.drain(tags);
    } catch (err) {
      if (err instanceof FlvError) this.failure = err;
      throw err;
    }
    return tags;
  }

  /**
   * Ends the stream: throws FLV_TRUNCATED if a header, tag or PreviousTagSize is only partly received.
   * A stream that ends right after a tag body, without its final PreviousTagSize, is accepted.
   */
  flush(): FlvTag[] {
    if (this.failure) throw this.failure;
    const left = this.queue.available;
    const clean =
      left === 0 &&
      (this.state === State.TagHeader || this.state === State.PreviousTagSize || this.state === State.Header);
    if (!clean) {
      const [what, need, at] = this.describePending();
      this.failure = new FlvError(
        'FLV_TRUNCATED',
        `FLV stream ended inside ${what} at offset ${at}: needed ${need} bytes, got ${left}`,
        { offset: at, field: what },
      );
      throw this.failure;
    }
    return [];
  }

  private describePending(): [string, number, number] {
    switch (this.state) {
      case State.Header:
        return ['the file header', FLV_HEADER_BYTES, this.position];
      case State.HeaderPadding:
        return ['the file header', this.paddingLeft, this.position];
      case State.PreviousTagSize:
        return ['a PreviousTagSize', FLV_PREVIOUS_TAG_SIZE_BYTES, this.position];
      case State.TagHeader:
        return ['a tag header', FLV_TAG_HEADER_BYTES, this.position];
      case State.TagBody:
        return ['a tag body', this.pending.size, this.position];
    }
  }

  private drain(tags: FlvTag[]): void {
    const q = this.queue;
    for (;;) {
      switch (this.state) {
        case State.Header: {
          if (q.available < FLV_HEADER_BYTES) return;
          const at = this.position;
          const h = parseFlvHeader(q.read(FLV_HEADER_BYTES), at);
          this.position += FLV_HEADER_BYTES;
          this.fileHeader = h;
          this.paddingLeft = h.headerSize - FLV_HEADER_BYTES;
          this.expectedPreviousTagSize = 0;
          this.state = this.paddingLeft > 0 ? State.HeaderPadding : State.PreviousTagSize;
          break;
        }
        case State.HeaderPadding: {
          // Skipped as it arrives: a huge DataOffset must not make us buffer.
          const n = Math.min(this.paddingLeft, q.available);
          if (n === 0) return;
          q.skip(n);
          this.position += n;
          this.paddingLeft -= n;
          if (this.paddingLeft === 0) this.state = State.PreviousTagSize;
          break;
        }
        case State.PreviousTagSize: {
          if (q.available < FLV_PREVIOUS_TAG_SIZE_BYTES) return;
          const at = this.position;
          const found = u32(q.read(FLV_PREVIOUS_TAG_SIZE_BYTES));
          this.position += FLV_PREVIOUS_TAG_SIZE_BYTES;
          if (found !== this.expectedPreviousTagSize) {
            if (this.strict) {
              throw new FlvError(
                'FLV_PREVIOUS_TAG_SIZE_MISMATCH',
                `FLV PreviousTagSize at offset ${at} is ${found}, expected ${this.expectedPreviousTagSize}`,
                { offset: at, field: 'PreviousTagSize' },
              );
            }
            this.mismatches++;
          }
          this.state = State.TagHeader;
          break;
        }
        case State.TagHeader: {
          if (q.available < FLV_TAG_HEADER_BYTES) return;
          const at = this.position;
          const h = q.read(FLV_TAG_HEADER_BYTES);
          const type = h[0]! & 0x1f;
          if (type !== FlvTagType.AUDIO && type !== FlvTagType.VIDEO && type !== FlvTagType.SCRIPT) {
            throw new FlvError(
              'FLV_BAD_TAG_TYPE',
              `FLV tag at offset ${at} has type ${type}, expected 8 (audio), 9 (video) or 18 (script data)`,
              { offset: at, field: 'TagType' },
            );
          }
          const size = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
          if (size > this.maxTagBytes) {
            throw new FlvError(
              'FLV_TAG_TOO_LARGE',
              `FLV tag at offset ${at} declares ${size} bytes, limit is ${this.maxTagBytes}`,
              { offset: at, field: 'DataSize' },
            );
          }
          this.position += FLV_TAG_HEADER_BYTES;
          const p = this.pending;
          p.type = type;
          p.size = size;
          p.timestampMs = ((h[7]! << 24) | (h[4]! << 16) | (h[5]! << 8) | h[6]!) >>> 0;
          p.streamId = (h[8]! << 16) | (h[9]! << 8) | h[10]!;
          p.offset = at;
          this.state = State.TagBody;
          break;
        }
        case State.TagBody: {
          const p = this.pending;
          if (q.available < p.size) return;
          const data = p.size === 0 ? new Uint8Array(0) : q.read(p.size);
          this.position += p.size;
          tags.push({
            type: p.type,
            timestampMs: p.timestampMs,
            streamId: p.streamId,
            data,
            offset: p.offset,
          });
          this.expectedPreviousTagSize = FLV_TAG_HEADER_BYTES + p.size;
          this.state = State.PreviousTagSize;
          break;
        }
      }
    }
  }
}

/** Demuxes a whole FLV file held in memory (header required). */
export function demuxFlv(bytes: Uint8Array, options: Omit<FlvDemuxerOptions, 'expectHeader'> = {}): FlvTag[] {
  const d = new FlvDemuxer(options);
  const tags = d.push(bytes);
  d.flush();
  return tags;
}
