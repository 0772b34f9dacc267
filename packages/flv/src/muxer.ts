/**
 * A thin FLV file writer (Adobe FLV spec v10.1 E.2/E.3): the header once, then tags, each with its
 * PreviousTagSize. It only frames bytes; what goes into the tags is the caller's.
 */
import { encodeFlvHeader } from './header.js';
import { encodeFlvTag, type FlvTagInit, flvTagSize, writeFlvTag } from './tag-writer.js';

export class FlvMuxer {
  private headerWritten = false;
  private readonly hasAudio: boolean;
  private readonly hasVideo: boolean;

  /** livego sets both flags whatever the stream carries; so do we by default. */
  constructor(options: { hasAudio?: boolean; hasVideo?: boolean } = {}) {
    this.hasAudio = options.hasAudio ?? true;
    this.hasVideo = options.hasVideo ?? true;
  }

  /** The 13 header bytes the first time, then an empty array. */
  header(): Uint8Array {
    if (this.headerWritten) return new Uint8Array(0);
    this.headerWritten = true;
    return encodeFlvHeader({ hasAudio: this.hasAudio, hasVideo: this.hasVideo });
  }

  /** One tag with its PreviousTagSize; prefixed by the header if it was not written yet. */
  tag(tag: FlvTagInit): Uint8Array {
    if (this.headerWritten) return encodeFlvTag(tag);
    const head = this.header();
    const out = new Uint8Array(head.length + flvTagSize(tag.data.length));
    out.set(head, 0);
    writeFlvTag(out, head.length, tag);
    return out;
  }
}

/** A whole FLV file in one allocation: header, PreviousTagSize0, then `tags`. */
export function muxFlv(
  tags: readonly FlvTagInit[],
  options: { hasAudio?: boolean; hasVideo?: boolean } = {},
): Uint8Array {
  const head = encodeFlvHeader({ hasAudio: options.hasAudio ?? true, hasVideo: options.hasVideo ?? true });
  let size = head.length;
  for (const t of tags) size += flvTagSize(t.data.length);
  const out = new Uint8Array(size);
  out.set(head, 0);
  let p = head.length;
  for (const t of tags) p += writeFlvTag(out, p, t);
  return out;
}
