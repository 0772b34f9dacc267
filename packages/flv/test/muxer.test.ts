import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  demuxFlv,
  encodeFlvTag,
  FlvDemuxer,
  FlvError,
  FlvMuxer,
  FlvTagType,
  muxFlv,
  parseFlvHeader,
} from '../src/index.js';
import { firstDifference, fixture, REMUX_FIXTURES } from './helpers.js';

const files = REMUX_FIXTURES;

describe('FLV writing', () => {
  it("re-muxing the tags of ffmpeg's files gives ffmpeg's bytes exactly", () => {
    for (const name of files) {
      const file = fixture(name);
      const header = parseFlvHeader(file);
      const tags = demuxFlv(file, { strictPreviousTagSize: true });
      expect(firstDifference(muxFlv(tags, header), file)).toBe(-1);
    }
  });

  it('re-muxing the Enhanced RTMP H.265 file gives the same bytes', () => {
    const file = fixture('h265-aac.flv');
    expect(firstDifference(muxFlv(demuxFlv(file)), file)).toBe(-1);
  });

  it('FlvMuxer writes the header once, in front of the first tag', () => {
    const m = new FlvMuxer({ hasAudio: true, hasVideo: false });
    const data = new Uint8Array([0xaf, 0x01, 9]);
    const first = m.tag({ type: FlvTagType.AUDIO, timestampMs: 0, data });
    const second = m.tag({ type: FlvTagType.AUDIO, timestampMs: 23, data });
    expect(first.length).toBe(13 + 18);
    expect(second).toEqual(encodeFlvTag({ type: FlvTagType.AUDIO, timestampMs: 23, data }));
    expect(m.header()).toHaveLength(0);
    const d = new FlvDemuxer({ strictPreviousTagSize: true });
    const tags = [...d.push(first), ...d.push(second), ...d.flush()];
    expect(d.header).toEqual({ version: 1, hasAudio: true, hasVideo: false, headerSize: 9 });
    expect(tags.map((t) => t.timestampMs)).toEqual([0, 23]);
    const fresh = new FlvMuxer();
    expect(fresh.header()).toHaveLength(13);
    expect(fresh.tag({ type: FlvTagType.VIDEO, timestampMs: 0, data })).toHaveLength(18);
  });

  it('parseFlvHeader throws only FlvError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.boolean(), (bytes, sign) => {
        if (sign && bytes.length >= 3) bytes.set([0x46, 0x4c, 0x56]);
        try {
          const h = parseFlvHeader(bytes);
          expect(h.headerSize).toBeGreaterThanOrEqual(9);
        } catch (e) {
          expect(e).toBeInstanceOf(FlvError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
