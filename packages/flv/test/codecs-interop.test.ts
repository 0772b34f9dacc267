import {
  lengthPrefixedToAnnexB,
  parseAvcDecoderConfigurationRecord,
  parseH264Sps,
  parseH265Sps,
  parseHevcDecoderConfigurationRecord,
} from '@livego/codecs';
import { describe, expect, it } from 'vitest';
import {
  demuxFlv,
  FlvTagType,
  parseAudioTagHeader,
  parseOnMetaData,
  parseVideoTagHeader,
  VideoFourCc,
  VideoPacketType,
} from '../src/index.js';
import { ffprobe, firstDifference, fixture } from './helpers.js';

const h264Profiles: Record<number, string> = { 66: 'Baseline', 77: 'Main', 100: 'High' };

describe('AVC sequence headers agree with ffprobe -show_streams', () => {
  for (const name of ['h264-aac.flv', 'h264-only.flv', 'h264-1080p.flv', 'h264-640x360.flv']) {
    it(`${name}: SPS width, height and profile`, () => {
      const stream = ffprobe(name).streams.find((s) => s.codec_type === 'video')!;
      const seq = demuxFlv(fixture(name))
        .filter((t) => t.type === FlvTagType.VIDEO)
        .map((t) => ({ t, h: parseVideoTagHeader(t.data) }))
        .filter(({ h }) => h.isSequenceHeader);
      expect(seq).toHaveLength(1);
      const { t, h } = seq[0]!;
      const record = parseAvcDecoderConfigurationRecord(t.data.subarray(h.headerLength));
      const sps = parseH264Sps(record.sps[0]!);
      expect({ width: sps.width, height: sps.height, profile: h264Profiles[sps.profileIdc] }).toEqual({
        width: stream.width,
        height: stream.height,
        profile: stream.profile,
      });
      // ffprobe's extradata is exactly the sequence header's payload.
      expect(t.data.length - h.headerLength).toBe(stream.extradata_size);
    });
  }

  it('the 1080p file is coded as 1088 lines and cropped to 1080', () => {
    const t = demuxFlv(fixture('h264-1080p.flv')).find((x) => x.type === FlvTagType.VIDEO)!;
    const sps = parseH264Sps(parseAvcDecoderConfigurationRecord(t.data.subarray(5)).sps[0]!);
    expect([sps.codedHeight, sps.height]).toEqual([1088, 1080]);
  });
});

describe('the Enhanced RTMP H.265 fixture (made by make-hevc-flv.mjs with our muxer)', () => {
  const tags = demuxFlv(fixture('h265-aac.flv'), { strictPreviousTagSize: true });
  const video = tags
    .filter((t) => t.type === FlvTagType.VIDEO)
    .map((t) => ({ t, h: parseVideoTagHeader(t.data) }));
  const frames = video.filter(
    ({ h }) =>
      h.packetType === VideoPacketType.CODED_FRAMES || h.packetType === VideoPacketType.CODED_FRAMES_X,
  );
  const seq = video.find(({ h }) => h.isSequenceHeader)!;
  const record = parseHevcDecoderConfigurationRecord(seq.t.data.subarray(seq.h.headerLength));

  it('uses hvc1 ex-headers: SequenceStart first, SequenceEnd last, composition times on CodedFrames', () => {
    expect(video.every(({ h }) => h.enhanced && h.fourCc === VideoFourCc.HEVC)).toBe(true);
    expect(video[0]!.h.packetType).toBe(VideoPacketType.SEQUENCE_START);
    expect(video.at(-1)!.h.packetType).toBe(VideoPacketType.SEQUENCE_END);
    expect(
      frames.some(({ h }) => h.packetType === VideoPacketType.CODED_FRAMES && h.compositionTimeMs > 0),
    ).toBe(true);
    expect(frames.some(({ h }) => h.packetType === VideoPacketType.CODED_FRAMES_X)).toBe(true);
  });

  it('gives one frame per ffprobe packet of the .hevc, byte-identical after converting back to Annex B', () => {
    const hevc = fixture('h265.hevc');
    const packets = ffprobe('h265.hevc').packets as unknown as { pos: string; size: string; flags: string }[];
    expect(frames).toHaveLength(packets.length);
    const annexB = frames.map(({ t, h }) =>
      lengthPrefixedToAnnexB(t.data.subarray(h.headerLength), record.nalLengthSize),
    );
    // Our frames, back in Annex B with 4-byte start codes, rebuild the file exactly.
    expect(firstDifference(Buffer.concat(annexB), hevc)).toBe(-1);
    let start = 0;
    annexB.forEach((frame, i) => {
      const p = packets[i]!;
      // ffmpeg's HEVC parser cuts at the 3-byte start code 00 00 01, so from the second access unit on
      // ffprobe's packet begins one byte later (the zero_byte stays with the previous packet).
      expect(Number(p.pos)).toBe(i === 0 ? 0 : start + 1);
      const end = i + 1 < packets.length ? Number(packets[i + 1]!.pos) : hevc.length;
      expect(Number(p.size)).toBe(end - Number(p.pos));
      expect(frames[i]!.h.isKeyframe).toBe(p.flags.startsWith('K'));
      start += frame.length;
    });
  });

  it('has presentation times that reorder into an even 25 fps sequence', () => {
    const pts = frames.map(({ t, h }) => t.timestampMs + h.compositionTimeMs).sort((a, b) => a - b);
    expect(pts).toEqual(pts.map((_, i) => pts[0]! + 40 * i));
    const dts = frames.map(({ t }) => t.timestampMs);
    expect(dts).toEqual([...dts].sort((a, b) => a - b));
  });

  it('carries an SPS whose size is what ffprobe reports for the .hevc, and matching onMetaData', () => {
    const stream = ffprobe('h265.hevc').streams[0]!;
    const sps = parseH265Sps(record.sps[0]!);
    expect([sps.width, sps.height]).toEqual([stream.width, stream.height]);
    const meta = parseOnMetaData(tags[0]!.data)!;
    expect([meta.width, meta.height, meta.videocodecid]).toEqual([stream.width, stream.height, 0x68766331]);
  });

  it('carries every ADTS frame of the .aac as a raw AAC tag', () => {
    const aac = fixture('h265-audio.aac');
    const packets = ffprobe('h265-audio.aac').packets;
    const audio = tags
      .filter((t) => t.type === FlvTagType.AUDIO)
      .map((t) => ({ t, h: parseAudioTagHeader(t.data) }))
      .filter(({ h }) => !h.isSequenceHeader);
    expect(audio).toHaveLength(packets.length);
    audio.forEach(({ t, h }, i) => {
      const p = packets[i] as unknown as { pos: string; size: string; pts_time: string };
      const pos = Number(p.pos);
      // ADTS header of 7 bytes (no CRC) is not in FLV.
      expect(
        firstDifference(t.data.subarray(h.headerLength), aac.subarray(pos + 7, pos + Number(p.size))),
      ).toBe(-1);
      expect(t.timestampMs).toBe(Math.round(Number(p.pts_time) * 1000));
    });
  });
});
