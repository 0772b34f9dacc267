// Golden vectors: published CRC check values, bytes ffmpeg writes, and hand-derived field encodings.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildPatSection,
  buildPmtSection,
  crc32Mpeg2,
  parsePatSection,
  parsePmtSection,
  readPcr,
  readTimestamp,
  StreamType,
  TsMuxer,
  writePcr,
  writePesHeader,
  writeTimestamp,
} from '../src/index.js';
import { writePayloadPackets, writePcrOnlyPacket, writeSectionPackets } from '../src/packet.js';
import { ffmpeg, makeTempDir, readBytes } from './helpers.js';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const bytes = (s: string): Uint8Array => new Uint8Array(s.split(/\s+/).map((x) => Number.parseInt(x, 16)));

describe('crc32Mpeg2', () => {
  it('gives the CRC-32/MPEG-2 check value 0x0376E6E7 for "123456789"', () => {
    expect(crc32Mpeg2(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
  });
  it('gives 0xFFFFFFFF for no bytes and 0 over a section followed by its own CRC', () => {
    expect(crc32Mpeg2(new Uint8Array(0))).toBe(0xffffffff);
    expect(
      crc32Mpeg2(
        buildPatSection({ transportStreamId: 7, version: 3, programs: [{ programNumber: 9, pmtPid: 0x20 }] }),
      ),
    ).toBe(0);
  });
  it('honours start and end', () => {
    const b = new TextEncoder().encode('xx123456789yy');
    expect(crc32Mpeg2(b, 2, 11)).toBe(0x0376e6e7);
  });
});

describe('PAT and PMT bytes', () => {
  it('writes the PAT ffmpeg writes for program 1 on PMT PID 0x1000 (CRC 2A B1 04 B2)', () => {
    const pat = buildPatSection({
      transportStreamId: 1,
      version: 0,
      programs: [{ programNumber: 1, pmtPid: 0x1000 }],
    });
    expect(hex(pat)).toBe('00 b0 0d 00 01 c1 00 00 00 01 f0 00 2a b1 04 b2');
  });

  it('writes the PAT and PMT of our H.264 + AAC program field by field', () => {
    const tables = new TsMuxer({ video: { codec: 'h264' }, audio: { codec: 'aac' } }).writeTables();
    expect(tables.length).toBe(2 * 188);
    // PAT packet: sync, PUSI + PID 0, payload only CC 0, pointer_field 0, then the section.
    expect(hex(tables.subarray(0, 5))).toBe('47 40 00 10 00');
    const pat = tables.subarray(5, 5 + 16);
    // table_id 0, syntax 1 + length 13, TSID 1, version 0 current, section 0/0, program 1 -> PID 0x1001.
    expect(hex(pat.subarray(0, 12))).toBe('00 b0 0d 00 01 c1 00 00 00 01 f0 01');
    expect(crc32Mpeg2(pat)).toBe(0);
    expect(tables.subarray(21, 188).every((b) => b === 0xff)).toBe(true);
    // PMT packet on PID 0x1001.
    expect(hex(tables.subarray(188, 193))).toBe('47 50 01 10 00');
    const pmt = tables.subarray(193, 193 + 26);
    // table_id 2, length 23, program 1, version 0, PCR PID 0x100, no program info,
    // 0x1B on PID 0x100 and 0x0F on PID 0x101, no ES info.
    expect(hex(pmt.subarray(0, 22))).toBe(
      '02 b0 17 00 01 c1 00 00 e1 00 f0 00 1b e1 00 f0 00 0f e1 01 f0 00',
    );
    expect(crc32Mpeg2(pmt)).toBe(0);
    expect(tables.subarray(193 + 26).every((b) => b === 0xff)).toBe(true);
  });

  it('lists H.265 as 0x24 and MP3 as 0x03 (0x04 below 32 kHz), with the audio PID as PCR PID when audio-only', () => {
    const hevc = new TsMuxer({ video: { codec: 'h265' }, audio: { codec: 'mp3' } });
    expect(hevc.streams.map((s) => s.streamType)).toEqual([StreamType.H265, StreamType.MPEG1_AUDIO]);
    expect(new TsMuxer({ audio: { codec: 'mp3', sampleRate: 22050 } }).streams[0]?.streamType).toBe(
      StreamType.MPEG2_AUDIO,
    );
    const audioOnly = new TsMuxer({ audio: { codec: 'aac' } }).writeTables();
    const section = audioOnly.subarray(193, 193 + 3 + 18);
    const pmt = parsePmtSection(section);
    expect(pmt.pcrPid).toBe(0x101);
    expect(pmt.streams.map((s) => [s.streamType, s.pid])).toEqual([[0x0f, 0x101]]);
  });

  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  it('writes the same PAT and PMT packets as ffmpeg’s mpegts muxer for H.264 + AAC', () => {
    const file = join(tmp.dir, 'ff.ts');
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x64:rate=25:duration=0.2',
      '-f',
      'lavfi',
      '-i',
      'sine=duration=0.2',
      '-c:v',
      'libx264',
      '-c:a',
      'aac',
      '-f',
      'mpegts',
      '-mpegts_pmt_start_pid',
      '0x1001',
      file,
    ]);
    const ff = readBytes(file);
    // ffmpeg starts with SDT (PID 0x11), then PAT, then PMT.
    const packets = [0, 1, 2].map((i) => ff.subarray(i * 188, i * 188 + 188));
    const pat = packets.find((p) => p[1] === 0x40 && p[2] === 0x00)!;
    const pmt = packets.find((p) => p[1] === 0x50 && p[2] === 0x01)!;
    const ours = new TsMuxer({ video: { codec: 'h264' }, audio: { codec: 'aac' } }).writeTables();
    expect(hex(ours.subarray(0, 188))).toBe(hex(pat));
    expect(hex(ours.subarray(188, 376))).toBe(hex(pmt));
    expect(parsePatSection(pat.subarray(5, 21)).programs).toEqual([{ programNumber: 1, pmtPid: 0x1001 }]);
  });

  it('round-trips a PMT with descriptors', () => {
    const esInfo = bytes('0a 04 65 6e 67 00');
    const s = buildPmtSection({
      programNumber: 3,
      version: 31,
      pcrPid: 0x1fff,
      streams: [{ streamType: 0x24, pid: 0x1abc, esInfo }],
    });
    const p = parsePmtSection(s);
    expect(p).toMatchObject({ programNumber: 3, version: 31, pcrPid: 0x1fff });
    expect(p.streams.map((x) => [x.streamType, x.pid, hex(x.esInfo)])).toEqual([[0x24, 0x1abc, hex(esInfo)]]);
  });
});

describe('PTS, DTS and PCR fields', () => {
  it('encodes PTS 126000 (ffmpeg’s 1.4 s start) as 21 00 07 d8 61', () => {
    const b = new Uint8Array(5);
    writeTimestamp(b, 0, 0b0010, 126000);
    expect(hex(b)).toBe('21 00 07 d8 61');
    expect(readTimestamp(b, 0)).toBe(126000);
  });

  it('encodes 0 and 2^33-1 at the edges, and wraps 2^33 + 5 to 5 and -1 to 2^33-1', () => {
    const enc = (prefix: number, v: number) => {
      const b = new Uint8Array(5);
      writeTimestamp(b, 0, prefix, v);
      return hex(b);
    };
    expect(enc(0b0010, 0)).toBe('21 00 01 00 01');
    expect(enc(0b0011, 2 ** 33 - 1)).toBe('3f ff ff ff ff');
    expect(enc(0b0001, 2 ** 33 + 5)).toBe(enc(0b0001, 5));
    expect(enc(0b0001, 5)).toBe('11 00 01 00 0b');
    expect(enc(0b0010, -1)).toBe(enc(0b0010, 2 ** 33 - 1));
  });

  it('rejects a PTS field whose marker bit is 0', () => {
    expect(readTimestamp(bytes('21 00 07 d8 60'), 0)).toBe(-1);
  });

  it('writes a PES header with PTS and DTS: flags 0xC0, header length 10, prefixes 0011 and 0001', () => {
    const b = new Uint8Array(19);
    writePesHeader(b, 0, 0xe0, 1000, 129600, 126000);
    expect(hex(b)).toBe('00 00 01 e0 03 f5 84 c0 0a 31 00 07 f4 81 11 00 07 d8 61');
  });

  it('writes PES_packet_length 0 for a PES over 65535 bytes', () => {
    const b = new Uint8Array(14);
    writePesHeader(b, 0, 0xe0, 70000, 0, undefined);
    expect(hex(b.subarray(4, 9))).toBe('00 00 84 80 05');
  });

  it('encodes a PCR as 33-bit base, six 1 bits, 9-bit extension', () => {
    const b = new Uint8Array(6);
    writePcr(b, 0, 126000, 0);
    expect(hex(b)).toBe('00 00 f6 18 7e 00');
    writePcr(b, 0, 2 ** 33 - 1, 299);
    expect(hex(b)).toBe('ff ff ff ff ff 2b');
    expect(readPcr(b, 0)).toEqual({ base90k: 2 ** 33 - 1, ext: 299 });
  });
});

describe('adaptation fields', () => {
  it('puts PCR + random_access_indicator in the first packet and stuffs the last one', () => {
    const payload = new Uint8Array(200).fill(0xaa);
    const out = new Uint8Array(2 * 188);
    writePayloadPackets(out, 0, {
      pid: 0x100,
      cc: 15,
      pieces: [payload],
      length: 200,
      pcr90k: 126000,
      randomAccess: true,
    });
    // First: PUSI, AF+payload, CC 15; AF length 7, flags RAI|PCR, the PCR; 176 payload bytes.
    expect(hex(out.subarray(0, 14))).toBe('47 41 00 3f 07 50 00 00 f6 18 7e 00 aa aa');
    // Second: CC 0, 24 payload bytes left: AF of 160 bytes (length 159, flags 0, 158 × 0xFF).
    expect(hex(out.subarray(188, 194))).toBe('47 01 00 30 9f 00');
    expect(out.subarray(194, 188 + 4 + 160).every((b) => b === 0xff)).toBe(true);
    expect(out.subarray(188 + 4 + 160).every((b) => b === 0xaa)).toBe(true);
  });

  it('uses a 1-byte adaptation field (length 0) when exactly one byte must be stuffed', () => {
    const out = new Uint8Array(188);
    writePayloadPackets(out, 0, {
      pid: 0x101,
      cc: 3,
      pieces: [new Uint8Array(183).fill(1)],
      length: 183,
      pcr90k: undefined,
      randomAccess: false,
    });
    expect(hex(out.subarray(0, 6))).toBe('47 41 01 33 00 01');
  });

  it('uses no adaptation field when the payload fills the packets exactly', () => {
    const out = new Uint8Array(2 * 188);
    writePayloadPackets(out, 0, {
      pid: 0x101,
      cc: 0,
      pieces: [new Uint8Array(100).fill(2), new Uint8Array(0), new Uint8Array(268).fill(3)],
      length: 368,
      pcr90k: undefined,
      randomAccess: false,
    });
    expect(hex(out.subarray(0, 5))).toBe('47 41 01 10 02');
    expect(hex(out.subarray(188, 193))).toBe('47 01 01 11 03');
    expect(out[104]).toBe(3);
  });

  it('writes a PCR-only packet that keeps the continuity counter', () => {
    const out = new Uint8Array(188);
    writePcrOnlyPacket(out, 0, 0x100, 9, 126000);
    expect(hex(out.subarray(0, 12))).toBe('47 01 00 29 b7 10 00 00 f6 18 7e 00');
    expect(out.subarray(12).every((b) => b === 0xff)).toBe(true);
  });

  it('spreads a long section over packets with one pointer_field', () => {
    const section = new Uint8Array(300).fill(0x5a);
    const out = new Uint8Array(2 * 188);
    writeSectionPackets(out, 0, 0x1001, 14, section);
    expect(hex(out.subarray(0, 6))).toBe('47 50 01 1e 00 5a');
    expect(hex(out.subarray(188, 193))).toBe('47 10 01 1f 5a');
    // 183 section bytes in the first packet, the other 117 in the second, then 0xFF padding.
    expect(out[188 + 4 + 116]).toBe(0x5a);
    expect(out[188 + 4 + 117]).toBe(0xff);
  });
});
