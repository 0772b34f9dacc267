import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  demuxFlv,
  encodeFlvHeader,
  encodeFlvTag,
  FlvDemuxer,
  FlvError,
  type FlvTag,
  FlvTagType,
  muxFlv,
} from '../src/index.js';
import { fixture, hex } from './helpers.js';

const file = fixture('h264-bframes.flv');

function feed(d: FlvDemuxer, bytes: Uint8Array, cuts: number[]): FlvTag[] {
  const tags: FlvTag[] = [];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    tags.push(...d.push(bytes.subarray(prev, cut)));
    prev = cut;
  }
  tags.push(...d.flush());
  return tags;
}

/** Tags with their data copied, so results from views and from copies compare by value. */
function plain(tags: FlvTag[]) {
  return tags.map((t) => ({ ...t, data: hex(t.data) }));
}

function expectFlvError(fn: () => unknown, code: string, offset: number): FlvError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FlvError);
  const err = caught as FlvError;
  expect(err.code).toBe(code);
  expect(err.offset).toBe(offset);
  return err;
}

describe('FlvDemuxer chunking', () => {
  const whole = plain(demuxFlv(file));

  it('reads the header and every tag of a file pushed at once', () => {
    const d = new FlvDemuxer();
    const tags = d.push(file);
    d.flush();
    expect(d.header).toEqual({ version: 1, hasAudio: true, hasVideo: true, headerSize: 9 });
    expect(tags.length).toBe(142);
    expect(tags[0]!.type).toBe(FlvTagType.SCRIPT);
    expect(tags[0]!.offset).toBe(13);
    // Each tag starts where the previous one ended plus its PreviousTagSize.
    for (let i = 1; i < tags.length; i++) {
      expect(tags[i]!.offset).toBe(tags[i - 1]!.offset + 11 + tags[i - 1]!.data.length + 4);
    }
    expect(d.previousTagSizeMismatches).toBe(0);
    expect(d.offset).toBe(file.length);
  });

  it('gives the same tags when fed one byte at a time', () => {
    const d = new FlvDemuxer();
    const cuts = Array.from({ length: file.length - 1 }, (_, i) => i + 1);
    expect(plain(feed(d, file, cuts))).toEqual(whole);
  });

  it('gives the same tags for any split points', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: file.length - 1 }), { maxLength: 60 }), (cuts) => {
        cuts.sort((a, b) => a - b);
        expect(plain(feed(new FlvDemuxer(), file, cuts))).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('returns tag bodies as views of the pushed chunk when a body lies in one chunk', () => {
    const tags = new FlvDemuxer().push(file);
    expect(tags[1]!.data.buffer).toBe(file.buffer);
  });

  it('reads a stream without the file header when expectHeader is false', () => {
    const a = encodeFlvTag({ type: FlvTagType.AUDIO, timestampMs: 5, data: new Uint8Array([0xaf, 1, 2]) });
    const b = encodeFlvTag({ type: FlvTagType.VIDEO, timestampMs: 0x12345678, data: new Uint8Array(0) });
    const d = new FlvDemuxer({ expectHeader: false, strictPreviousTagSize: true });
    const tags = feed(d, Uint8Array.from([...a, ...b]), [7]);
    expect(plain(tags)).toEqual([
      { type: 8, timestampMs: 5, streamId: 0, data: 'af0102', offset: 0 },
      { type: 9, timestampMs: 0x12345678, streamId: 0, data: '', offset: a.length },
    ]);
    expect(d.header).toBeUndefined();
  });

  it('skips a header with a DataOffset larger than 9 without buffering it', () => {
    const head = encodeFlvHeader({ hasAudio: true, hasVideo: false });
    const big = new Uint8Array(9 + 1000 + 4 + 20);
    big.set(head.subarray(0, 9));
    big[8] = 0;
    new DataView(big.buffer).setUint32(5, 9 + 1000);
    big.set(encodeFlvTag({ type: FlvTagType.SCRIPT, timestampMs: 0, data: new Uint8Array(1) }), 9 + 1000 + 4);
    const d = new FlvDemuxer({ strictPreviousTagSize: true });
    const tags = feed(d, big.subarray(0, 9 + 1000 + 4 + 16), [100, 500]);
    expect(tags).toHaveLength(1);
    expect(tags[0]!.offset).toBe(1013);
    expect(d.header?.headerSize).toBe(1009);
  });

  it('accepts a stream that ends right after a tag body without its last PreviousTagSize', () => {
    const tags = feed(new FlvDemuxer(), file.subarray(0, file.length - 4), []);
    expect(tags.length).toBe(142);
  });

  it('returns nothing for an empty stream', () => {
    expect(feed(new FlvDemuxer(), new Uint8Array(0), [])).toEqual([]);
  });

  it('reads timestamps with the extended byte as the high 8 bits', () => {
    const bytes = muxFlv([{ type: FlvTagType.VIDEO, timestampMs: 0xfedcba98, data: new Uint8Array([0x17]) }]);
    // 24-bit field then TimestampExtended.
    expect(Array.from(bytes.subarray(13 + 4, 13 + 8))).toEqual([0xdc, 0xba, 0x98, 0xfe]);
    expect(demuxFlv(bytes)[0]!.timestampMs).toBe(0xfedcba98);
  });
});

describe('FlvDemuxer errors', () => {
  it('rejects a bad signature at offset 0', () => {
    const bad = file.slice();
    bad[1] = 0x4d;
    const err = expectFlvError(() => new FlvDemuxer().push(bad), 'FLV_BAD_SIGNATURE', 0);
    expect(err.message).toMatch(/expected 46 4c 56 \('FLV'\), found 46 4d 56/);
  });

  it('rejects a DataOffset below 9', () => {
    const bad = file.slice();
    bad[8] = 8;
    expectFlvError(() => new FlvDemuxer().push(bad), 'FLV_BAD_HEADER', 5);
  });

  it('rejects a tag over the size limit before buffering its body, naming the offset and limit', () => {
    const tag = encodeFlvTag({ type: FlvTagType.VIDEO, timestampMs: 0, data: new Uint8Array(0) });
    const bytes = Uint8Array.from([...encodeFlvHeader({ hasAudio: false, hasVideo: true }), ...tag]);
    bytes.set([0xff, 0xff, 0xff], 13 + 1);
    const d = new FlvDemuxer();
    const err = expectFlvError(() => d.push(bytes.subarray(0, 13 + 11)), 'FLV_TAG_TOO_LARGE', 13);
    expect(err.message).toBe('FLV tag at offset 13 declares 16777215 bytes, limit is 8388608');
    // Failed demuxers stay failed.
    expect(() => d.push(new Uint8Array(1))).toThrow(err);
    expect(() => d.flush()).toThrow(err);
  });

  it('honours a smaller maxTagBytes', () => {
    const tags = demuxFlv(file);
    const largest = Math.max(...tags.map((t) => t.data.length));
    const at = tags.find((t) => t.data.length === largest)!.offset;
    expect(() => demuxFlv(file, { maxTagBytes: largest })).not.toThrow();
    expectFlvError(() => demuxFlv(file, { maxTagBytes: largest - 1 }), 'FLV_TAG_TOO_LARGE', at);
  });

  it('rejects an unknown tag type at the offset of that tag', () => {
    const tags = demuxFlv(file);
    const third = tags[2]!.offset;
    const bad = file.slice();
    bad[third] = 0x0f;
    const err = expectFlvError(() => demuxFlv(bad), 'FLV_BAD_TAG_TYPE', third);
    expect(err.message).toContain('has type 15, expected 8 (audio), 9 (video) or 18 (script data)');
  });

  it('rejects a PreviousTagSize mismatch in strict mode and counts it otherwise', () => {
    const tags = demuxFlv(file);
    const prevAt = tags[3]!.offset - 4;
    const bad = file.slice();
    bad.set([0, 0, 0, 0], prevAt);
    const err = expectFlvError(
      () => demuxFlv(bad, { strictPreviousTagSize: true }),
      'FLV_PREVIOUS_TAG_SIZE_MISMATCH',
      prevAt,
    );
    expect(err.message).toBe(
      `FLV PreviousTagSize at offset ${prevAt} is 0, expected ${11 + tags[2]!.data.length}`,
    );
    const lenient = new FlvDemuxer();
    expect(lenient.push(bad)).toHaveLength(tags.length);
    expect(lenient.previousTagSizeMismatches).toBe(1);
  });

  it('rejects a non-zero PreviousTagSize0 only in strict mode', () => {
    const bad = file.slice();
    bad[12] = 1;
    expectFlvError(() => demuxFlv(bad, { strictPreviousTagSize: true }), 'FLV_PREVIOUS_TAG_SIZE_MISMATCH', 9);
    expect(demuxFlv(bad)).toHaveLength(142);
  });

  it('throws FLV_TRUNCATED at flush with the offset of the unfinished unit', () => {
    const tags = demuxFlv(file);
    const t = tags[5]!;
    // Cut inside the body of tag 5.
    const d = new FlvDemuxer();
    expect(d.push(file.subarray(0, t.offset + 11 + 3))).toHaveLength(5);
    const err = expectFlvError(() => d.flush(), 'FLV_TRUNCATED', t.offset + 11);
    expect(err.message).toBe(
      `FLV stream ended inside a tag body at offset ${t.offset + 11}: needed ${t.data.length} bytes, got 3`,
    );
    // Cut inside a tag header, inside a PreviousTagSize and inside the file header.
    expectFlvError(
      () => feed(new FlvDemuxer(), file.subarray(0, t.offset + 4), []),
      'FLV_TRUNCATED',
      t.offset,
    );
    expectFlvError(
      () => feed(new FlvDemuxer(), file.subarray(0, t.offset - 2), []),
      'FLV_TRUNCATED',
      t.offset - 4,
    );
    expectFlvError(() => feed(new FlvDemuxer(), file.subarray(0, 5), []), 'FLV_TRUNCATED', 0);
  });

  it('never throws anything but FlvError on random input, chunked at random', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(400), { maxLength: 5 }),
        fc.boolean(),
        fc.boolean(),
        (bytes, rawCuts, expectHeader, strict) => {
          const cuts = [...new Set(rawCuts.filter((c) => c < bytes.length))].sort((a, b) => a - b);
          try {
            feed(
              new FlvDemuxer({ expectHeader, strictPreviousTagSize: strict, maxTagBytes: 300 }),
              bytes,
              cuts,
            );
          } catch (e) {
            expect(e).toBeInstanceOf(FlvError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but FlvError on a mutated real file', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(file.length - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        fc.nat(file.length),
        (edits, cutAt) => {
          const bad = file.slice(0, Math.max(cutAt, 1));
          for (const [at, v] of edits) if (at < bad.length) bad[at] = v;
          try {
            demuxFlv(bad, { strictPreviousTagSize: true });
          } catch (e) {
            expect(e).toBeInstanceOf(FlvError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
