import { AMF_ECMA_ARRAY, AmfError, encodeAmf0Sequence, isEcmaArray } from '@livego/amf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addSetDataFrame,
  demuxFlv,
  encodeOnMetaData,
  encodeScriptTag,
  FlvError,
  FlvTagType,
  hasSetDataFrame,
  parseOnMetaData,
  parseScriptTag,
  stripSetDataFrame,
} from '../src/index.js';
import { expectOnlyFlvErrors, ffprobe, firstDifference, fixture } from './helpers.js';

describe('script data', () => {
  it("reads ffmpeg's onMetaData and re-encodes it to the same bytes", () => {
    for (const name of ['h264-aac.flv', 'h264-mp3.flv', 'aac-only.flv', 'h264-1080p.flv']) {
      const first = demuxFlv(fixture(name))[0]!;
      expect(first.type).toBe(FlvTagType.SCRIPT);
      const tag = parseScriptTag(first.data);
      expect(tag.name).toBe('onMetaData');
      expect(tag.values).toHaveLength(1);
      const meta = parseOnMetaData(first.data)!;
      expect(isEcmaArray(meta)).toBe(true);
      expect(firstDifference(encodeOnMetaData(meta), first.data)).toBe(-1);
    }
  });

  it('onMetaData agrees with ffprobe: size, codec ids, sample rate, duration', () => {
    const name = 'h264-mp3.flv';
    const probe = ffprobe(name);
    const v = probe.streams.find((s) => s.codec_type === 'video')!;
    const meta = parseOnMetaData(demuxFlv(fixture(name))[0]!.data)!;
    expect(meta).toMatchObject({ width: v.width, height: v.height, videocodecid: 7, audiocodecid: 2 });
    const a = probe.streams.find((s) => s.codec_type === 'audio') as unknown as { sample_rate: string };
    expect(meta.audiosamplerate).toBe(Number(a.sample_rate));
    expect(meta.duration).toBeGreaterThan(1.9);
    expect(meta.duration).toBeLessThan(2.2);
  });

  it('unwraps @setDataFrame, and strips/adds it without touching the rest of the bytes', () => {
    const plain = encodeOnMetaData({ width: 640, height: 360 });
    const wrapped = encodeOnMetaData({ width: 640, height: 360 }, { setDataFrame: true });
    expect(hasSetDataFrame(wrapped)).toBe(true);
    expect(hasSetDataFrame(plain)).toBe(false);
    expect(stripSetDataFrame(wrapped)).toEqual(plain);
    expect(stripSetDataFrame(plain)).toBe(plain);
    expect(addSetDataFrame(plain)).toEqual(wrapped);
    expect(addSetDataFrame(wrapped)).toBe(wrapped);
    const tag = parseScriptTag(wrapped);
    expect(tag.name).toBe('onMetaData');
    expect(tag.values).toEqual([{ width: 640, height: 360, [AMF_ECMA_ARRAY]: true }]);
  });

  it('returns undefined from parseOnMetaData for other handlers', () => {
    expect(parseOnMetaData(encodeScriptTag('onCuePoint', { name: 'x' }))).toBeUndefined();
    expect(parseScriptTag(encodeScriptTag('onTextData', 'hi', 3))).toEqual({
      name: 'onTextData',
      values: ['hi', 3],
    });
  });

  it('does not mark the caller object as an ECMA array', () => {
    const meta = { width: 1 };
    encodeOnMetaData(meta);
    expect(isEcmaArray(meta)).toBe(false);
  });

  it('rejects a body whose first value is not a string, and malformed AMF, as FLV_BAD_SCRIPT_DATA', () => {
    expect(() => parseScriptTag(encodeAmf0Sequence([42, 'x']))).toThrow(
      expect.objectContaining({
        code: 'FLV_BAD_SCRIPT_DATA',
        message: expect.stringContaining('found number'),
      }),
    );
    expect(() => parseScriptTag(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'FLV_BAD_SCRIPT_DATA' }),
    );
    let caught: unknown;
    try {
      parseScriptTag(new Uint8Array([0x02, 0x00, 0x05, 0x61]));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FlvError);
    expect((caught as FlvError).cause).toBeInstanceOf(AmfError);
  });

  const amfScalar = fc.oneof(
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.string({ maxLength: 20 }),
    fc.constant(null),
  );

  it('encodeScriptTag then parseScriptTag is the identity', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }).filter((s) => s !== '@setDataFrame'),
        fc.array(fc.oneof(amfScalar, fc.dictionary(fc.string({ maxLength: 8 }), amfScalar, { maxKeys: 5 })), {
          maxLength: 4,
        }),
        (name, values) => {
          expect(parseScriptTag(encodeScriptTag(name, ...values))).toEqual({ name, values });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws only FlvError on random bytes', () => expectOnlyFlvErrors(parseScriptTag, 64));
});
