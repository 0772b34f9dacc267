import { describe, expect, it } from 'vitest';
import {
  AAC_SAMPLE_RATES,
  type AdtsHeader,
  audioSpecificConfigFromAdts,
  BitWriter,
  buildAdtsHeader,
  buildAudioSpecificConfig,
  CodecError,
  type Mp3FrameHeader,
  parseAdtsHeader,
  parseAudioSpecificConfig,
  parseMp3FrameHeader,
} from '../src/index.js';
import { findBoxBody, fixture, fixturePath, probeStreamAndPackets, remuxAllToMp4 } from './helpers.js';

const ADTS_FIXTURES = ['aac-lc-44100-stereo.aac', 'aac-lc-48000-mono.aac', 'aac-lc-32000-5.1.aac'];
const MPEG_AUDIO_FIXTURES = [
  'mp3-cbr-44100-stereo.mp3',
  'mp3-vbr-44100-stereo.mp3',
  'mp3-cbr-22050-mono.mp3',
  'mp3-cbr-8000-mono.mp3',
  'mp2-48000-stereo.mp2',
];

function walkAdts(data: Uint8Array): { header: AdtsHeader; pos: number }[] {
  const frames: { header: AdtsHeader; pos: number }[] = [];
  for (let pos = 0; pos < data.length; ) {
    const header = parseAdtsHeader(data.subarray(pos));
    frames.push({ header, pos });
    pos += header.frameLength;
  }
  return frames;
}

/** Size of an ID3v2 tag at the start (syncsafe size + 10-byte header, + 10 with a footer), else 0. */
function id3v2Size(data: Uint8Array): number {
  if (data[0] !== 0x49 || data[1] !== 0x44 || data[2] !== 0x33) return 0;
  const size = (data[6]! << 21) | (data[7]! << 14) | (data[8]! << 7) | data[9]!;
  return 10 + size + (data[5]! & 0x10 ? 10 : 0);
}

/** A LAME/Xing "Xing"/"Info" frame carries no audio; demuxers skip it. */
function isXingFrame(frame: Uint8Array): boolean {
  const text = new TextDecoder('latin1').decode(frame.subarray(0, Math.min(64, frame.length)));
  return text.includes('Xing') || text.includes('Info');
}

function walkMpegAudio(data: Uint8Array): { header: Mp3FrameHeader; pos: number; xing: boolean }[] {
  const frames: { header: Mp3FrameHeader; pos: number; xing: boolean }[] = [];
  for (let pos = id3v2Size(data); pos < data.length; ) {
    // ID3v1 trailer.
    if (data[pos] === 0x54 && data[pos + 1] === 0x41 && data[pos + 2] === 0x47) break;
    const header = parseMp3FrameHeader(data.subarray(pos));
    frames.push({
      header,
      pos,
      xing: frames.length === 0 && isXingFrame(data.subarray(pos, pos + header.frameLength)),
    });
    pos += header.frameLength;
  }
  return frames;
}

const channelsOf = (config: number) => (config === 7 ? 8 : config);

describe('ADTS frames against ffprobe', () => {
  for (const name of ADTS_FIXTURES) {
    it(`walks every frame of ${name} with the sizes, rate and channels ffprobe reports`, () => {
      const data = fixture(name);
      const frames = walkAdts(data);
      const { stream, packets } = probeStreamAndPackets(fixturePath(name));
      expect(frames.map((f) => f.header.frameLength)).toEqual(packets.map((p) => Number(p.size)));
      expect(frames.at(-1)!.pos + frames.at(-1)!.header.frameLength).toBe(data.length);
      for (const { header } of frames) {
        expect(header.sampleRate).toBe(Number(stream.sample_rate));
        expect(channelsOf(header.channelConfiguration)).toBe(stream.channels);
        expect(header.objectType).toBe(2);
        expect(header.headerLength).toBe(7);
        expect(header.rawBlocks).toBe(1);
      }
    });

    it(`rebuilds the header bytes of every frame of ${name}`, () => {
      const data = fixture(name);
      for (const { header, pos } of walkAdts(data)) {
        const built = buildAdtsHeader(header, header.frameLength - 7);
        expect(built).toEqual(data.subarray(pos, pos + 7));
      }
    });

    it(`derives from ${name} the AudioSpecificConfig ffmpeg writes into mp4`, () => {
      const first = parseAdtsHeader(fixture(name));
      const m4a = remuxAllToMp4([name]).get(name)!;
      const esds = findBoxBody(m4a, 'esds');
      // DecoderSpecificInfo: tag 0x05, then a 1..4 byte size; ffmpeg writes the 4-byte 0x80 0x80 0x80 form.
      const at = esds.indexOf(0x05, 4 + 3 + 5 + 13);
      const asc = esds.subarray(at + 5, at + 5 + esds[at + 4]!);
      expect(audioSpecificConfigFromAdts(first)).toEqual(asc);
      const parsed = parseAudioSpecificConfig(asc);
      expect(parsed.sampleRate).toBe(first.sampleRate);
      expect(parsed.channelConfiguration).toBe(first.channelConfiguration);
    });
  }
});

describe('MPEG audio frames against ffprobe', () => {
  for (const name of MPEG_AUDIO_FIXTURES) {
    it(`walks every frame of ${name} with the count, sizes, rate, channels and bitrate ffprobe reports`, () => {
      const data = fixture(name);
      const all = walkMpegAudio(data);
      const audio = all.filter((f) => !f.xing);
      const { stream, packets } = probeStreamAndPackets(fixturePath(name));
      expect(audio.length).toBe(packets.length);
      expect(audio.map((f) => f.header.frameLength)).toEqual(packets.map((p) => Number(p.size)));
      for (const { header } of all) {
        expect(header.sampleRate).toBe(Number(stream.sample_rate));
        expect(header.channels).toBe(stream.channels);
      }
      const rates = new Set(audio.map((f) => f.header.bitrateKbps));
      if (name.includes('vbr')) {
        expect(rates.size).toBeGreaterThan(1);
        // ffmpeg's stream bitrate for VBR comes from the Xing header: bytes * 8 / duration.
        const bytes = all.reduce((n, f) => n + f.header.frameLength, 0);
        const seconds = (audio.length * audio[0]!.header.samplesPerFrame) / audio[0]!.header.sampleRate;
        expect(Math.abs((bytes * 8) / seconds / Number(stream.bit_rate) - 1)).toBeLessThan(0.03);
      } else {
        expect([...rates].map((k) => k * 1000)).toEqual([Number(stream.bit_rate)]);
      }
    });
  }

  it('reads the versions and layers of the fixtures', () => {
    const first = (name: string) => walkMpegAudio(fixture(name))[0]!.header;
    expect(first('mp3-cbr-44100-stereo.mp3')).toMatchObject({
      version: '1',
      layer: 3,
      samplesPerFrame: 1152,
    });
    expect(first('mp3-cbr-22050-mono.mp3')).toMatchObject({
      version: '2',
      layer: 3,
      samplesPerFrame: 576,
      channelMode: 'mono',
    });
    expect(first('mp3-cbr-8000-mono.mp3')).toMatchObject({ version: '2.5', layer: 3, samplesPerFrame: 576 });
    expect(first('mp2-48000-stereo.mp2')).toMatchObject({
      version: '1',
      layer: 2,
      bitrateKbps: 192,
      frameLength: 576,
    });
  });

  it('computes layer I frame lengths in 4-byte slots', () => {
    // MPEG-1 layer I, 384 kbit/s, 44.1 kHz: (floor(12 * 384000 / 44100) + padding) * 4
    expect(parseMp3FrameHeader(Uint8Array.of(0xff, 0xff, 0xc0, 0x00))).toMatchObject({
      version: '1',
      layer: 1,
      bitrateKbps: 384,
      frameLength: 416,
      samplesPerFrame: 384,
      crcProtected: false,
    });
    expect(parseMp3FrameHeader(Uint8Array.of(0xff, 0xff, 0xc2, 0x00)).frameLength).toBe(420);
  });

  it('rejects free format, bad sync and reserved values with CodecError', () => {
    const cases: [number[], string][] = [
      [[0xff, 0xfb, 0x00, 0x00], 'CODEC_BAD_MP3'], // bitrate index 0: free format
      [[0xff, 0xfb, 0xf0, 0x00], 'CODEC_BAD_MP3'], // bitrate index 15
      [[0xff, 0xfb, 0x9c, 0x00], 'CODEC_BAD_MP3'], // sampling index 3
      [[0xff, 0xeb, 0x90, 0x00], 'CODEC_BAD_MP3'], // version 01
      [[0xff, 0xf9, 0x90, 0x00], 'CODEC_BAD_MP3'], // layer 00
      [[0xff, 0xfb, 0x90, 0x02], 'CODEC_BAD_MP3'], // emphasis 10
      [[0xfe, 0xfb, 0x90, 0x00], 'CODEC_BAD_SYNC'],
      [[0xff, 0xfb, 0x90], 'CODEC_TRUNCATED'],
    ];
    for (const [bytes, code] of cases) {
      expect(() => parseMp3FrameHeader(Uint8Array.from(bytes))).toThrow(expect.objectContaining({ code }));
      expect(() => parseMp3FrameHeader(Uint8Array.from(bytes))).toThrow(CodecError);
    }
  });
});

describe('AudioSpecificConfig vectors (ISO/IEC 14496-3 1.6.2.1)', () => {
  const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => Number.parseInt(h, 16)));

  it('reads AAC LC 44.1 kHz stereo (12 10)', () => {
    expect(parseAudioSpecificConfig(hex('1210'))).toMatchObject({
      objectType: 2,
      samplingFrequencyIndex: 4,
      sampleRate: 44100,
      channelConfiguration: 2,
      frameLength: 1024,
      sbr: false,
      ps: false,
      signalling: 'none',
    });
  });

  it('reads a 960-sample frame length (frameLengthFlag)', () => {
    expect(parseAudioSpecificConfig(hex('1214')).frameLength).toBe(960);
  });

  it('reads explicit hierarchical HE-AAC (AOT 5, 24 kHz core, 48 kHz SBR)', () => {
    // 00101 0110 0010 0011 00010 000 -> 2b 11 88 00
    expect(parseAudioSpecificConfig(hex('2b118800'))).toMatchObject({
      objectType: 2,
      sampleRate: 24000,
      channelConfiguration: 2,
      sbr: true,
      ps: false,
      extensionObjectType: 5,
      extensionSampleRate: 48000,
      signalling: 'explicit-hierarchical',
    });
  });

  it('reads explicit hierarchical HE-AAC v2 (AOT 29)', () => {
    // 11101 0110 0001 0011 00010 000 -> eb 09 88 00
    expect(parseAudioSpecificConfig(hex('eb098800'))).toMatchObject({
      objectType: 2,
      sampleRate: 24000,
      channelConfiguration: 1,
      sbr: true,
      ps: true,
      extensionSampleRate: 48000,
    });
  });

  it('reads backward-compatible SBR+PS signalling (sync 0x2b7, 0x548)', () => {
    // AAC LC 24 kHz mono: 00010 0110 0001 000 | 0x2b7 (11) 00101 1 0011 | 0x548 (11) 1 -> 13 08 56 e5 9d 48 80
    const c = parseAudioSpecificConfig(hex('130856e59d4880'));
    expect(c).toMatchObject({
      objectType: 2,
      sampleRate: 24000,
      channelConfiguration: 1,
      sbr: true,
      ps: true,
      extensionObjectType: 5,
      extensionSampleRate: 48000,
      signalling: 'explicit-backward-compatible',
    });
  });

  it('reads the object type escape (31 -> 32 + 6 bits) and an explicit 24-bit rate', () => {
    const w = new BitWriter().u(5, 31).u(6, 2).u(4, 15).u(24, 44100).u(4, 2);
    const c = parseAudioSpecificConfig(w.finish());
    expect(c.objectType).toBe(34);
    expect(c.samplingFrequencyIndex).toBe(15);
    expect(c.sampleRate).toBe(44100);
    expect(c.channelConfiguration).toBe(2);
  });

  it('counts the channels of a program_config_element', () => {
    // AAC LC 48 kHz, channelConfiguration 0, GASpecificConfig flags 0, then the PCE (4.4.1.1).
    const w = new BitWriter().u(5, 2).u(4, 3).u(4, 0).u(3, 0);
    w.u(4, 0).u(2, 1).u(4, 3); // element_instance_tag, object_type, sampling_frequency_index
    w.u(4, 2).u(4, 1).u(4, 0).u(2, 1).u(3, 0).u(4, 0); // 2 front, 1 side, 0 back, 1 lfe, 0 assoc, 0 cc
    w.u(3, 0); // no mixdowns
    w.u(1, 0).u(4, 0).u(1, 1).u(4, 1); // front: SCE, CPE
    w.u(1, 1).u(4, 2); // side: CPE
    w.u(4, 0); // lfe
    w.align().u(8, 2).u(16, 0x6869); // comment "hi"
    const c = parseAudioSpecificConfig(w.finish());
    expect(c.channelConfiguration).toBe(0);
    expect(c.pceChannels).toBe(6);
  });

  it('rejects a reserved sampling index and an empty config with CodecError', () => {
    expect(() => parseAudioSpecificConfig(hex('16800000'))).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_CONFIG' }),
    );
    expect(() => parseAudioSpecificConfig(new Uint8Array())).toThrow(
      expect.objectContaining({ code: 'CODEC_TRUNCATED' }),
    );
  });

  it('builds the configs above bit for bit', () => {
    expect(buildAudioSpecificConfig({ objectType: 2, sampleRate: 44100, channelConfiguration: 2 })).toEqual(
      hex('1210'),
    );
    expect(
      buildAudioSpecificConfig({
        objectType: 2,
        sampleRate: 24000,
        channelConfiguration: 2,
        sbr: { sampleRate: 48000 },
      }),
    ).toEqual(hex('2b118800'));
    expect(
      buildAudioSpecificConfig({
        objectType: 2,
        sampleRate: 24000,
        channelConfiguration: 1,
        sbr: { sampleRate: 48000, ps: true, signalling: 'explicit-backward-compatible' },
      }),
    ).toEqual(hex('130856e59d4880'));
    expect(AAC_SAMPLE_RATES[4]).toBe(44100);
  });
});

describe('ADTS header', () => {
  it('is built straight from a parsed AudioSpecificConfig, explicit rate or HE-AAC core', () => {
    const explicit = parseAudioSpecificConfig(
      buildAudioSpecificConfig({ objectType: 2, sampleRate: 48000, channelConfiguration: 2 }),
    );
    expect(parseAdtsHeader(buildAdtsHeader(explicit, 10))).toMatchObject({
      sampleRate: 48000,
      channelConfiguration: 2,
    });
    const he = parseAudioSpecificConfig(
      buildAudioSpecificConfig({
        objectType: 2,
        sampleRate: 22050,
        channelConfiguration: 1,
        sbr: { sampleRate: 44100 },
      }),
    );
    // ADTS signals HE-AAC implicitly: the core object type and rate.
    expect(parseAdtsHeader(buildAdtsHeader(he, 10))).toMatchObject({ objectType: 2, sampleRate: 22050 });
    const idx15 = { objectType: 2, samplingFrequencyIndex: 15, sampleRate: 32000, channelConfiguration: 1 };
    expect(parseAdtsHeader(buildAdtsHeader(idx15, 0)).sampleRate).toBe(32000);
    expect(() => buildAdtsHeader({ ...idx15, sampleRate: 12345 }, 0)).toThrow(TypeError);
  });

  it('refuses to invent an AudioSpecificConfig for channel configuration 0', () => {
    const h = parseAdtsHeader(
      buildAdtsHeader({ objectType: 2, sampleRate: 44100, channelConfiguration: 0 }, 4),
    );
    expect(() => audioSpecificConfigFromAdts(h)).toThrow(
      expect.objectContaining({ code: 'CODEC_UNSUPPORTED' }),
    );
  });

  it('reads the CRC of a protected header and its 9-byte length', () => {
    const h = buildAdtsHeader({ objectType: 2, sampleRate: 48000, channelConfiguration: 1 }, 100);
    const withCrc = Uint8Array.from([...h, 0xab, 0xcd]);
    withCrc[1] = 0xf0; // protection_absent = 0
    const parsed = parseAdtsHeader(withCrc);
    expect(parsed).toMatchObject({ headerLength: 9, crc: 0xabcd, frameLength: 107, sampleRate: 48000 });
  });

  it('rejects bad sync, layer, reserved rate index and short frame lengths with CodecError', () => {
    const good = buildAdtsHeader({ objectType: 2, sampleRate: 44100, channelConfiguration: 2 }, 10);
    const mutate = (i: number, v: number) => {
      const b = good.slice();
      b[i] = v;
      return b;
    };
    expect(() => parseAdtsHeader(mutate(0, 0xfe))).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_SYNC' }),
    );
    expect(() => parseAdtsHeader(mutate(1, 0xf3))).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_ADTS' }),
    );
    expect(() => parseAdtsHeader(mutate(2, 0x50 | (13 << 2)))).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_ADTS' }),
    );
    expect(() => parseAdtsHeader(Uint8Array.from([0xff, 0xf1, 0x50, 0x80, 0x00, 0x9f, 0xfc]))).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_ADTS' }),
    );
    expect(() => parseAdtsHeader(good.subarray(0, 6))).toThrow(
      expect.objectContaining({ code: 'CODEC_TRUNCATED' }),
    );
    expect(() =>
      buildAdtsHeader({ objectType: 2, sampleRate: 44100, channelConfiguration: 2 }, 8185),
    ).toThrow(CodecError);
  });
});
