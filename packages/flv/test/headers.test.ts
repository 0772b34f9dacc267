import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AudioPacketType,
  type AudioTagHeaderInit,
  AvcPacketType,
  encodeAudioTagData,
  encodeAudioTagHeader,
  encodeFlvHeader,
  encodeFlvTag,
  encodeVideoTagData,
  encodeVideoTagHeader,
  FlvDemuxer,
  FlvTagType,
  FrameType,
  flvTagSize,
  isAudioSequenceHeader,
  isVideoKeyframe,
  isVideoSequenceHeader,
  parseAudioTagHeader,
  parseFlvHeader,
  parseVideoTagHeader,
  SoundFormat,
  VideoCodecId,
  VideoFourCc,
  VideoPacketType,
  type VideoTagHeaderInit,
  writeFlvTag,
} from '../src/index.js';
import { expectOnlyFlvErrors } from './helpers.js';

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

describe('FLV file header', () => {
  it('encodes 13 bytes: signature, version 1, flags, DataOffset 9, PreviousTagSize0', () => {
    expect(Array.from(encodeFlvHeader({ hasAudio: true, hasVideo: true }))).toEqual([
      ...ascii('FLV'),
      1,
      5,
      0,
      0,
      0,
      9,
      0,
      0,
      0,
      0,
    ]);
  });

  it('round-trips the flags', () => {
    for (const hasAudio of [false, true]) {
      for (const hasVideo of [false, true]) {
        expect(parseFlvHeader(encodeFlvHeader({ hasAudio, hasVideo }))).toEqual({
          version: 1,
          hasAudio,
          hasVideo,
          headerSize: 9,
        });
      }
    }
  });

  it('reports a short header as FLV_TRUNCATED', () => {
    expect(() => parseFlvHeader(new Uint8Array([0x46, 0x4c]))).toThrow(
      expect.objectContaining({ code: 'FLV_TRUNCATED' }),
    );
  });
});

describe('FLV tags', () => {
  const tagArb = fc.record({
    type: fc.constantFrom(FlvTagType.AUDIO, FlvTagType.VIDEO, FlvTagType.SCRIPT),
    timestampMs: fc.nat({ max: 0xffffffff }),
    streamId: fc.nat({ max: 0xffffff }),
    data: fc.uint8Array({ maxLength: 300 }),
  });

  it('encode then demux is the identity (type, timestamp, stream id, data), with a correct PreviousTagSize', () => {
    fc.assert(
      fc.property(fc.array(tagArb, { maxLength: 10 }), (tags) => {
        const d = new FlvDemuxer({ expectHeader: false, strictPreviousTagSize: true });
        let offset = 0;
        const expected = tags.map((t) => {
          const e = { ...t, data: Array.from(t.data), offset };
          offset += flvTagSize(t.data.length);
          return e;
        });
        const got = tags.flatMap((t) => d.push(encodeFlvTag(t)));
        d.flush();
        expect(got.map((t) => ({ ...t, data: Array.from(t.data) }))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('writes the same bytes into a preallocated buffer as encodeFlvTag', () => {
    const data = new Uint8Array([1, 2, 3]);
    const tag = { type: FlvTagType.AUDIO, timestampMs: 1000, data };
    const target = new Uint8Array(5 + flvTagSize(3));
    expect(writeFlvTag(target, 5, tag)).toBe(18);
    expect(target.subarray(5)).toEqual(encodeFlvTag(tag));
    expect(Array.from(encodeFlvTag(tag))).toEqual([
      8, 0, 0, 3, 0, 0x03, 0xe8, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 14,
    ]);
  });

  it('rejects unencodable tags with RangeError (caller misuse)', () => {
    expect(() => encodeFlvTag({ type: 8, timestampMs: -1, data: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeFlvTag({ type: 8, timestampMs: 2 ** 32, data: new Uint8Array(0) })).toThrow(
      RangeError,
    );
    expect(() => encodeFlvTag({ type: 8, timestampMs: 0, data: new Uint8Array(0x1000000) })).toThrow(
      RangeError,
    );
    expect(() =>
      writeFlvTag(new Uint8Array(10), 0, { type: 8, timestampMs: 0, data: new Uint8Array(0) }),
    ).toThrow(RangeError);
  });
});

describe('audio tag header', () => {
  it('parses the AAC sequence header and raw frame bytes ffmpeg writes (0xaf 00 / 0xaf 01)', () => {
    expect(parseAudioTagHeader(new Uint8Array([0xaf, 0x00, 0x12, 0x10]))).toEqual({
      enhanced: false,
      soundFormat: SoundFormat.AAC,
      soundRate: 3,
      soundSize: 1,
      soundType: 1,
      aacPacketType: 0,
      headerLength: 2,
      isSequenceHeader: true,
    });
    expect(parseAudioTagHeader(new Uint8Array([0xaf, 0x01])).isSequenceHeader).toBe(false);
    expect(parseAudioTagHeader(new Uint8Array([0x2e])).headerLength).toBe(1);
  });

  it('parses an Enhanced RTMP audio header (SoundFormat 9, packet type, FourCC)', () => {
    const bytes = new Uint8Array([0x90, ...ascii('Opus'), 0xaa]);
    expect(parseAudioTagHeader(bytes)).toEqual({
      enhanced: true,
      soundFormat: 9,
      soundRate: 0,
      soundSize: 0,
      soundType: 0,
      packetType: AudioPacketType.SEQUENCE_START,
      fourCc: 'Opus',
      headerLength: 5,
      isSequenceHeader: true,
    });
  });

  it('skips ModEx blocks and reads a TimestampOffsetNano', () => {
    // ModEx (7), 3 bytes of data (size-1 = 2), then modExType 0 | packetType CodedFrames.
    const bytes = new Uint8Array([0x97, 0x02, 0x00, 0x01, 0xf4, 0x01, ...ascii('fLaC')]);
    const h = parseAudioTagHeader(bytes);
    expect(h).toMatchObject({ packetType: 1, fourCc: 'fLaC', timestampOffsetNs: 500, headerLength: 10 });
  });

  it('reads the Multitrack preamble', () => {
    const h = parseAudioTagHeader(new Uint8Array([0x95, 0x01, ...ascii('mp4a'), 0x00]));
    expect(h).toMatchObject({ multitrackType: 0, packetType: 1, fourCc: 'mp4a', headerLength: 6 });
    const many = parseAudioTagHeader(new Uint8Array([0x95, 0x20, 0x00]));
    expect(many).toMatchObject({ multitrackType: 2, packetType: 0, headerLength: 2, isSequenceHeader: true });
    expect(many.fourCc).toBeUndefined();
  });

  it('rejects reserved Enhanced audio packet types', () => {
    expect(() => parseAudioTagHeader(new Uint8Array([0x93, ...ascii('Opus')]))).toThrow(
      expect.objectContaining({ code: 'FLV_BAD_AUDIO_HEADER' }),
    );
  });

  const legacyArb: fc.Arbitrary<AudioTagHeaderInit> = fc
    .record({
      soundFormat: fc.integer({ min: 0, max: 15 }).filter((f) => f !== 9),
      soundRate: fc.integer({ min: 0, max: 3 }),
      soundSize: fc.integer({ min: 0, max: 1 }),
      soundType: fc.integer({ min: 0, max: 1 }),
      aacPacketType: fc.integer({ min: 0, max: 1 }),
    })
    .map((r) => {
      if (r.soundFormat === SoundFormat.AAC) return r;
      const { aacPacketType: _, ...rest } = r;
      return rest;
    });
  const enhancedArb: fc.Arbitrary<AudioTagHeaderInit> = fc.record({
    enhanced: fc.constant(true as const),
    packetType: fc.constantFrom(0, 1, 2, 4),
    fourCc: fc.constantFrom('Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3', 'mp4a'),
  });

  it('encode then parse is the identity (legacy and enhanced)', () => {
    fc.assert(
      fc.property(fc.oneof(legacyArb, enhancedArb), fc.uint8Array({ maxLength: 8 }), (init, payload) => {
        const data = encodeAudioTagData(init, payload);
        const h = parseAudioTagHeader(data);
        expect(data.subarray(h.headerLength)).toEqual(payload);
        expect(encodeAudioTagHeader(init)).toEqual(data.subarray(0, h.headerLength));
        if (init.enhanced === true) {
          expect(h).toMatchObject({ enhanced: true, packetType: init.packetType, fourCc: init.fourCc });
        } else {
          expect(h).toMatchObject({
            enhanced: false,
            soundFormat: init.soundFormat,
            soundRate: init.soundRate,
            soundSize: init.soundSize,
            soundType: init.soundType,
          });
          expect(h.aacPacketType).toBe(init.aacPacketType);
        }
      }),
    );
  });

  it('rejects unencodable audio headers with RangeError', () => {
    const base = { soundFormat: 10, soundRate: 3, soundSize: 1, soundType: 1 };
    expect(() => encodeAudioTagHeader({ ...base, soundRate: 4 })).toThrow(RangeError);
    expect(() => encodeAudioTagHeader({ ...base, soundFormat: 9 })).toThrow(RangeError);
    expect(() => encodeAudioTagHeader({ enhanced: true, packetType: 1, fourCc: 'Opu' })).toThrow(RangeError);
  });

  it('throws only FlvError on random bytes', () => expectOnlyFlvErrors(parseAudioTagHeader));
});

describe('video tag header', () => {
  it('parses legacy AVC headers: sequence header, NALU with signed composition time, end of sequence', () => {
    expect(parseVideoTagHeader(new Uint8Array([0x17, 0x00, 0, 0, 0, 0x01]))).toEqual({
      enhanced: false,
      frameType: FrameType.KEY,
      codecId: VideoCodecId.AVC,
      packetType: AvcPacketType.SEQUENCE_HEADER,
      compositionTimeMs: 0,
      headerLength: 5,
      isKeyframe: true,
      isSequenceHeader: true,
    });
    const inter = parseVideoTagHeader(new Uint8Array([0x27, 0x01, 0xff, 0xff, 0xd8]));
    expect(inter).toMatchObject({ frameType: 2, packetType: 1, compositionTimeMs: -40, isKeyframe: false });
    expect(parseVideoTagHeader(new Uint8Array([0x17, 0x02, 0, 0, 0])).packetType).toBe(
      AvcPacketType.END_OF_SEQUENCE,
    );
  });

  it('parses the legacy HEVC convention (codec id 12) like AVC', () => {
    const h = parseVideoTagHeader(new Uint8Array([0x1c, 0x00, 0, 0, 0]));
    expect(h).toMatchObject({ codecId: 12, isSequenceHeader: true, headerLength: 5 });
  });

  it('parses codecs without a packet type byte with a 1-byte header', () => {
    expect(parseVideoTagHeader(new Uint8Array([0x22, 0xaa]))).toMatchObject({
      codecId: VideoCodecId.SORENSON_H263,
      headerLength: 1,
      isSequenceHeader: false,
    });
  });

  it('parses a legacy command frame', () => {
    expect(parseVideoTagHeader(new Uint8Array([0x57, 0x01]))).toMatchObject({
      frameType: 5,
      videoCommand: 1,
      headerLength: 2,
      isKeyframe: false,
    });
  });

  it('parses Enhanced RTMP hvc1 SequenceStart, CodedFrames (SI24 cts) and CodedFramesX', () => {
    expect(parseVideoTagHeader(new Uint8Array([0x90, ...ascii('hvc1'), 0x01]))).toEqual({
      enhanced: true,
      frameType: 1,
      fourCc: 'hvc1',
      packetType: VideoPacketType.SEQUENCE_START,
      compositionTimeMs: 0,
      headerLength: 5,
      isKeyframe: true,
      isSequenceHeader: true,
    });
    expect(parseVideoTagHeader(new Uint8Array([0xa1, ...ascii('hvc1'), 0xff, 0xff, 0xb0]))).toMatchObject({
      frameType: 2,
      packetType: VideoPacketType.CODED_FRAMES,
      compositionTimeMs: -80,
      headerLength: 8,
    });
    expect(parseVideoTagHeader(new Uint8Array([0x93, ...ascii('hvc1')]))).toMatchObject({
      packetType: VideoPacketType.CODED_FRAMES_X,
      compositionTimeMs: 0,
      headerLength: 5,
      isKeyframe: true,
    });
  });

  it('reads no composition time in av01/vp09 CodedFrames, and reads it for avc1', () => {
    expect(parseVideoTagHeader(new Uint8Array([0x91, ...ascii('av01'), 0x12]))).toMatchObject({
      headerLength: 5,
      compositionTimeMs: 0,
    });
    expect(parseVideoTagHeader(new Uint8Array([0x91, ...ascii('avc1'), 0, 0, 40]))).toMatchObject({
      headerLength: 8,
      compositionTimeMs: 40,
    });
  });

  it('parses SequenceEnd, Metadata, MPEG2TSSequenceStart, command frames, ModEx and Multitrack', () => {
    expect(parseVideoTagHeader(new Uint8Array([0x92, ...ascii('vp09')])).packetType).toBe(2);
    expect(parseVideoTagHeader(new Uint8Array([0x94, ...ascii('hvc1'), 0x02]))).toMatchObject({
      packetType: VideoPacketType.METADATA,
      headerLength: 5,
      isSequenceHeader: false,
    });
    expect(parseVideoTagHeader(new Uint8Array([0x95, ...ascii('av01')])).isSequenceHeader).toBe(true);
    expect(parseVideoTagHeader(new Uint8Array([0xd1, 0x00]))).toMatchObject({
      frameType: 5,
      videoCommand: 0,
      headerLength: 2,
    });
    expect(
      parseVideoTagHeader(new Uint8Array([0x97, 0x02, 0x00, 0x01, 0xf4, 0x01, ...ascii('hvc1'), 0, 0, 1])),
    ).toMatchObject({ packetType: 1, timestampOffsetNs: 500, compositionTimeMs: 1, headerLength: 13 });
    expect(parseVideoTagHeader(new Uint8Array([0x96, 0x11, ...ascii('av01')]))).toMatchObject({
      multitrackType: 1,
      packetType: 1,
      fourCc: 'av01',
      headerLength: 6,
    });
  });

  it('rejects reserved Enhanced video packet types and truncated headers', () => {
    expect(() => parseVideoTagHeader(new Uint8Array([0x98, ...ascii('hvc1')]))).toThrow(
      expect.objectContaining({ code: 'FLV_BAD_VIDEO_HEADER' }),
    );
    expect(() => parseVideoTagHeader(new Uint8Array([0x17, 0x01, 0]))).toThrow(
      expect.objectContaining({ code: 'FLV_TRUNCATED', offset: 2 }),
    );
    expect(() => parseVideoTagHeader(new Uint8Array([0x91, 0x68]))).toThrow(
      expect.objectContaining({ code: 'FLV_TRUNCATED' }),
    );
  });

  const cts = fc.integer({ min: -0x800000, max: 0x7fffff });
  const legacyArb: fc.Arbitrary<VideoTagHeaderInit> = fc.oneof(
    fc.record({
      frameType: fc.constantFrom(1, 2, 3, 4),
      codecId: fc.constantFrom(VideoCodecId.AVC, VideoCodecId.HEVC),
      packetType: fc.constantFrom(0, 1, 2),
      compositionTimeMs: cts,
    }),
    fc.record({ frameType: fc.constantFrom(1, 2, 3, 4), codecId: fc.constantFrom(1, 2, 3, 4, 5, 6) }),
    fc.record({
      frameType: fc.constant(5),
      codecId: fc.integer({ min: 0, max: 15 }),
      videoCommand: fc.nat(255),
    }),
  );
  const enhancedArb: fc.Arbitrary<VideoTagHeaderInit> = fc.oneof(
    fc.record({
      enhanced: fc.constant(true as const),
      frameType: fc.constantFrom(1, 2, 3, 4),
      packetType: fc.constantFrom(0, 1, 2, 3, 4, 5),
      fourCc: fc.constantFrom(...Object.values(VideoFourCc)),
      compositionTimeMs: cts,
    }),
    fc.record({
      enhanced: fc.constant(true as const),
      frameType: fc.constant(5),
      packetType: fc.constantFrom(0, 1, 2, 3, 5),
      videoCommand: fc.nat(255),
    }),
  );

  it('encode then parse is the identity (legacy and enhanced)', () => {
    fc.assert(
      fc.property(fc.oneof(legacyArb, enhancedArb), fc.uint8Array({ maxLength: 8 }), (init, payload) => {
        const data = encodeVideoTagData(init, payload);
        const h = parseVideoTagHeader(data);
        expect(data.subarray(h.headerLength)).toEqual(payload);
        expect(encodeVideoTagHeader(init)).toEqual(data.subarray(0, h.headerLength));
        expect(h.enhanced).toBe(init.enhanced === true);
        expect(h.frameType).toBe(init.frameType);
        expect(h.videoCommand).toBe(init.videoCommand);
        if (init.frameType === 5) return;
        if (init.enhanced === true) {
          expect(h.fourCc).toBe(init.fourCc);
          expect(h.packetType).toBe(init.packetType);
          const hasCts = init.packetType === 1 && (init.fourCc === 'hvc1' || init.fourCc === 'avc1');
          expect(h.compositionTimeMs).toBe(hasCts ? init.compositionTimeMs : 0);
        } else {
          expect(h.codecId).toBe(init.codecId);
          expect(h.packetType).toBe(init.packetType ?? 1);
          expect(h.compositionTimeMs).toBe(init.compositionTimeMs ?? 0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rejects unencodable video headers with RangeError', () => {
    expect(() => encodeVideoTagHeader({ frameType: 1, codecId: 7, compositionTimeMs: 0x800000 })).toThrow(
      RangeError,
    );
    expect(() => encodeVideoTagHeader({ frameType: 8, codecId: 7 })).toThrow(RangeError);
    expect(() =>
      encodeVideoTagHeader({ enhanced: true, frameType: 1, packetType: 6, fourCc: 'hvc1' }),
    ).toThrow(RangeError);
    expect(() => encodeVideoTagHeader({ enhanced: true, frameType: 1, packetType: 1 })).toThrow(RangeError);
    expect(() => encodeVideoTagHeader({ frameType: 5, codecId: 7 })).toThrow(RangeError);
  });

  it('throws only FlvError on random bytes', () => expectOnlyFlvErrors(parseVideoTagHeader));
});

describe('allocation-free checks', () => {
  const orFalse = <T>(fn: () => T, pick: (v: T) => boolean) => {
    try {
      return pick(fn());
    } catch {
      return false;
    }
  };
  // Bodies that start like real headers often, so the interesting branches are hit.
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc
      .tuple(
        fc.constantFrom(0x17, 0x27, 0x1c, 0x57, 0x90, 0x91, 0x95, 0x97, 0xd0, 0x96, 0xaf, 0x90, 0x97, 0x95),
        fc.uint8Array({ maxLength: 12 }),
      )
      .map(([b, rest]) => Uint8Array.from([b, ...rest])),
  );

  it('isVideoSequenceHeader and isVideoKeyframe agree with parseVideoTagHeader', () => {
    fc.assert(
      fc.property(body, (data) => {
        expect(isVideoSequenceHeader(data)).toBe(
          orFalse(
            () => parseVideoTagHeader(data),
            (h) => h.isSequenceHeader,
          ),
        );
        let parsed: ReturnType<typeof parseVideoTagHeader> | undefined;
        try {
          parsed = parseVideoTagHeader(data);
        } catch {
          parsed = undefined;
        }
        // isVideoKeyframe reads only the first byte, so it answers for bodies the parser rejects too.
        if (parsed) expect(isVideoKeyframe(data)).toBe(parsed.isKeyframe);
      }),
      { numRuns: 5000 },
    );
  });

  it('isAudioSequenceHeader agrees with parseAudioTagHeader', () => {
    fc.assert(
      fc.property(body, (data) => {
        expect(isAudioSequenceHeader(data)).toBe(
          orFalse(
            () => parseAudioTagHeader(data),
            (h) => h.isSequenceHeader,
          ),
        );
      }),
      { numRuns: 5000 },
    );
  });
});
