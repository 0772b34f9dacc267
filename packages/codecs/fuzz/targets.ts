// Fuzz targets of @livego/codecs: see scripts/fuzz.mjs (`pnpm fuzz h264-sps`). Only CodecError may be
// thrown; what parses must also give a codec string (that is what HLS and the API print).
import type { FuzzTarget } from '../../../scripts/fuzz.mjs';
import {
  AacObjectType,
  audioSpecificConfigFromAdts,
  buildAudioSpecificConfig,
  buildAvcDecoderConfigurationRecord,
  buildHevcDecoderConfigurationRecord,
  CodecError,
  h264CodecString,
  h264NalType,
  h265CodecString,
  h265NalType,
  parseAdtsHeader,
  parseAudioSpecificConfig,
  parseAvcDecoderConfigurationRecord,
  parseH264Sps,
  parseH265Pps,
  parseH265Sps,
  parseH265Vps,
  parseHevcDecoderConfigurationRecord,
  parseMp3FrameHeader,
  splitAnnexB,
  stripStartCode,
} from '../src/index.js';

const H264_SPS = 7;
const H264_PPS = 8;
const H265_VPS = 32;
const H265_SPS = 33;
const H265_PPS = 34;

function isCodecError(e: unknown): boolean {
  return e instanceof CodecError;
}

function nals(stream: Uint8Array): Uint8Array[] {
  try {
    return splitAnnexB(stream.subarray(0, 1 << 16)).map(stripStartCode);
  } catch {
    return [];
  }
}

function h264Sets(stream: Uint8Array): { sps: Uint8Array[]; pps: Uint8Array[] } {
  const all = nals(stream).filter((n) => n.length > 0);
  return {
    sps: all.filter((n) => h264NalType(n) === H264_SPS).slice(0, 1),
    pps: all.filter((n) => h264NalType(n) === H264_PPS).slice(0, 1),
  };
}

function h265Sets(stream: Uint8Array): { vps: Uint8Array[]; sps: Uint8Array[]; pps: Uint8Array[] } {
  const all = nals(stream).filter((n) => n.length > 1);
  const of = (t: number) => all.filter((n) => h265NalType(n) === t).slice(0, 1);
  return { vps: of(H265_VPS), sps: of(H265_SPS), pps: of(H265_PPS) };
}

/** The first ADTS header of an .aac file, as an AudioSpecificConfig. */
function ascFromAdts(file: Uint8Array): Uint8Array[] {
  try {
    return [audioSpecificConfigFromAdts(parseAdtsHeader(file))];
  } catch {
    return [];
  }
}

export const targets: FuzzTarget[] = [
  {
    name: 'h264-sps',
    seedFiles: ['test/fixtures/*.h264'],
    fromSeedFile: (f) => h264Sets(f).sps,
    maxLen: 512,
    run(data) {
      const sps = parseH264Sps(data);
      h264CodecString(sps);
      return [`profile:${sps.profileIdc}`, `vui:${sps.vuiTruncated === true}`];
    },
    expected: isCodecError,
  },
  {
    name: 'h265-ps',
    seedFiles: ['test/fixtures/*.hevc'],
    fromSeedFile: (f) => {
      const s = h265Sets(f);
      return [...s.vps, ...s.sps, ...s.pps];
    },
    maxLen: 512,
    run(data) {
      // The NAL header picks the parser, so mutations move an input between VPS, SPS and PPS.
      const type = data.length > 0 ? (data[0]! >> 1) & 0x3f : H265_SPS;
      if (type === H265_VPS) {
        h265CodecString(parseH265Vps(data).profileTierLevel);
        return 'vps';
      }
      if (type === H265_PPS) {
        parseH265Pps(data);
        return 'pps';
      }
      const sps = parseH265Sps(data);
      h265CodecString(sps.profileTierLevel);
      return [`sps:${sps.profileTierLevel.generalProfileIdc}`];
    },
    expected: isCodecError,
  },
  {
    name: 'aac-asc',
    seedFiles: ['test/fixtures/*.aac'],
    fromSeedFile: ascFromAdts,
    seeds: () => [
      buildAudioSpecificConfig({
        objectType: AacObjectType.AAC_LC,
        sampleRate: 44100,
        channelConfiguration: 2,
      }),
      buildAudioSpecificConfig({
        objectType: 2,
        sampleRate: 12345,
        channelConfiguration: 1,
        frameLength: 960,
      }),
      buildAudioSpecificConfig({
        objectType: 2,
        sampleRate: 24000,
        channelConfiguration: 2,
        sbr: { sampleRate: 48000 },
      }),
      buildAudioSpecificConfig({
        objectType: 2,
        sampleRate: 24000,
        channelConfiguration: 1,
        sbr: { sampleRate: 48000, ps: true, signalling: 'explicit-backward-compatible' },
      }),
      buildAudioSpecificConfig({ objectType: 4, sampleRate: 96000, channelConfiguration: 7 }),
      new Uint8Array([0xf8, 0x00, 0x00, 0x00, 0x00]),
    ],
    maxLen: 64,
    run(data) {
      const asc = parseAudioSpecificConfig(data);
      return [`aot:${asc.objectType}`, `sbr:${asc.sbr}`, `ps:${asc.ps}`];
    },
    expected: isCodecError,
  },
  {
    name: 'aac-adts',
    seedFiles: ['test/fixtures/*.aac'],
    fromSeedFile: (f) => [f.subarray(0, 64)],
    maxLen: 64,
    run(data) {
      parseAudioSpecificConfig(audioSpecificConfigFromAdts(parseAdtsHeader(data)));
      return 'adts';
    },
    expected: isCodecError,
  },
  {
    name: 'mp3-header',
    seedFiles: ['test/fixtures/*.mp3', 'test/fixtures/*.mp2'],
    fromSeedFile: (f) => [f.subarray(0, 16)],
    maxLen: 16,
    run(data) {
      const h = parseMp3FrameHeader(data);
      return [`layer:${h.layer}`];
    },
    expected: isCodecError,
  },
  {
    name: 'avcc',
    seedFiles: ['test/fixtures/*.h264'],
    fromSeedFile: (f) => {
      const { sps, pps } = h264Sets(f);
      try {
        return [buildAvcDecoderConfigurationRecord({ sps, pps })];
      } catch {
        return [];
      }
    },
    maxLen: 1024,
    run(data) {
      const c = parseAvcDecoderConfigurationRecord(data);
      for (const sps of c.sps) {
        try {
          parseH264Sps(sps);
        } catch (e) {
          if (!(e instanceof CodecError)) throw e;
        }
      }
      return [`sps:${c.sps.length}`, `pps:${c.pps.length}`];
    },
    expected: isCodecError,
  },
  {
    name: 'hvcc',
    seedFiles: ['test/fixtures/*.hevc'],
    fromSeedFile: (f) => {
      try {
        return [buildHevcDecoderConfigurationRecord(h265Sets(f))];
      } catch {
        return [];
      }
    },
    maxLen: 1024,
    run(data) {
      const c = parseHevcDecoderConfigurationRecord(data);
      h265CodecString(c);
      return [`arrays:${c.arrays.length}`];
    },
    expected: isCodecError,
  },
];
