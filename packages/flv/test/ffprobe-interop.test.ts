import { describe, expect, it } from 'vitest';
import {
  AvcPacketType,
  demuxFlv,
  type FlvTag,
  FlvTagType,
  parseAudioTagHeader,
  parseVideoTagHeader,
  SoundFormat,
} from '../src/index.js';
import { ffprobe, fixture, REMUX_FIXTURES } from './helpers.js';

interface Packet {
  codec_type: 'audio' | 'video';
  pts: number;
  dts: number;
  size: number;
  keyframe: boolean;
}

/**
 * What ffmpeg's FLV demuxer turns our tags into: sequence headers become extradata (no packet), the
 * 5-byte AVC / 2-byte AAC / 1-byte MP3 tag header is stripped, empty payloads (the AVC end of
 * sequence) are dropped, and pts = tag timestamp + composition time.
 */
function packetsOf(tags: FlvTag[]): Packet[] {
  const out: Packet[] = [];
  for (const t of tags) {
    if (t.type === FlvTagType.AUDIO) {
      const h = parseAudioTagHeader(t.data);
      if (h.isSequenceHeader) continue;
      const size = t.data.length - h.headerLength;
      if (size === 0) continue;
      out.push({ codec_type: 'audio', pts: t.timestampMs, dts: t.timestampMs, size, keyframe: true });
    } else if (t.type === FlvTagType.VIDEO) {
      const h = parseVideoTagHeader(t.data);
      if (h.isSequenceHeader) continue;
      const size = t.data.length - h.headerLength;
      if (size === 0) continue;
      out.push({
        codec_type: 'video',
        pts: t.timestampMs + h.compositionTimeMs,
        dts: t.timestampMs,
        size,
        keyframe: h.isKeyframe,
      });
    }
  }
  return out;
}

const fixtures = [...REMUX_FIXTURES, 'h264-640x360.flv'];

describe('demuxing ffmpeg-made FLV files gives the packets ffprobe reports', () => {
  for (const name of fixtures) {
    it(`${name}: same count, codec type, pts/dts (ms), size and keyframe flag`, () => {
      const probe = ffprobe(name);
      const ours = packetsOf(demuxFlv(fixture(name), { strictPreviousTagSize: true }));
      const theirs = probe.packets.map((p) => ({
        codec_type: p.codec_type,
        pts: p.pts,
        dts: p.dts,
        size: Number(p.size),
        keyframe: p.flags.startsWith('K'),
      }));
      expect(theirs.length).toBeGreaterThan(20);
      expect(ours).toEqual(theirs);
    });
  }

  it('finds non-zero composition times in the B-frame file, and none in the others', () => {
    const cts = (name: string) =>
      demuxFlv(fixture(name))
        .filter((t) => t.type === FlvTagType.VIDEO)
        .map((t) => parseVideoTagHeader(t.data).compositionTimeMs);
    expect(cts('h264-bframes.flv').some((c) => c > 0)).toBe(true);
    expect(cts('h264-aac.flv').every((c) => c === 0)).toBe(true);
  });

  it('reads the sound format ffprobe names (AAC 10, MP3 2) and the AVC codec id', () => {
    const formats = (name: string) =>
      new Set(
        demuxFlv(fixture(name))
          .filter((t) => t.type === FlvTagType.AUDIO)
          .map((t) => parseAudioTagHeader(t.data).soundFormat),
      );
    expect(ffprobe('h264-mp3.flv').streams.map((s) => s.codec_name)).toContain('mp3');
    expect(formats('h264-mp3.flv')).toEqual(new Set([SoundFormat.MP3]));
    expect(formats('h264-aac.flv')).toEqual(new Set([SoundFormat.AAC]));
    const video = demuxFlv(fixture('h264-aac.flv')).filter((t) => t.type === FlvTagType.VIDEO);
    expect(video.map((t) => parseVideoTagHeader(t.data).codecId)).toEqual(video.map(() => 7));
    // ffmpeg ends an H.264 FLV with an AVC end-of-sequence tag, which ffprobe drops as empty.
    expect(parseVideoTagHeader(video.at(-1)!.data).packetType).toBe(AvcPacketType.END_OF_SEQUENCE);
  });
});
