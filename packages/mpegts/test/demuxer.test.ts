import { describe, expect, it } from 'vitest';
import {
  Pid,
  TS_PACKET_SIZE,
  TsDemuxer,
  TsError,
  type TsEvent,
  TsMuxer,
  type TsPesEvent,
} from '../src/index.js';
import { concat } from './helpers.js';
import { ASC_LC_44100_STEREO, avcC, h264Frame } from './synth.js';

const pes = (evs: TsEvent[]): TsPesEvent[] => evs.filter((e): e is TsPesEvent => e.type === 'pes');
const errs = (evs: TsEvent[]) => evs.flatMap((e) => (e.type === 'error' ? [e] : []));
const run = (bytes: Uint8Array, d = new TsDemuxer()): TsEvent[] => [...d.push(bytes), ...d.flush()];

/** A small stream: tables, then 10 video frames of ~3 packets and 10 audio frames of 1 packet, alternating. */
function stream(): Uint8Array {
  const m = new TsMuxer({
    video: { codec: 'h264', config: avcC() },
    audio: { codec: 'aac', config: ASC_LC_44100_STEREO },
  });
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 10; i++) {
    chunks.push(
      m.writeVideo({ dtsMs: i * 40, keyframe: i === 0, data: h264Frame([i === 0 ? 5 : 1], 400, 4, i).data }),
    );
    chunks.push(m.writeAudio({ ptsMs: i * 40, data: new Uint8Array(100).fill(i) }));
  }
  return concat(chunks);
}
const pidAt = (b: Uint8Array, index: number): number =>
  ((b[index * TS_PACKET_SIZE + 1]! & 0x1f) << 8) | b[index * TS_PACKET_SIZE + 2]!;
const packetCount = (b: Uint8Array) => b.length / TS_PACKET_SIZE;
const withoutPacket = (b: Uint8Array, index: number): Uint8Array =>
  concat([b.subarray(0, index * TS_PACKET_SIZE), b.subarray((index + 1) * TS_PACKET_SIZE)]);

describe('TsDemuxer', () => {
  it('reads PAT, PMT, PCR and PES events in stream order', () => {
    const evs = run(stream());
    expect(errs(evs)).toEqual([]);
    expect(evs.slice(0, 4).map((e) => e.type)).toEqual(['pat', 'pmt', 'pcr', 'pes']);
    expect(evs[0]).toMatchObject({
      type: 'pat',
      transportStreamId: 1,
      programs: [{ programNumber: 1, pmtPid: Pid.PMT }],
    });
    expect(pes(evs).map((p) => p.pid)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? Pid.AUDIO : Pid.VIDEO)),
    );
  });

  it('gives identical events for any chunking, down to 1 byte', () => {
    const b = stream();
    const whole = run(b);
    for (const size of [1, 7, 187, 188, 189, 1000]) {
      const d = new TsDemuxer();
      const evs: TsEvent[] = [];
      for (let i = 0; i < b.length; i += size) evs.push(...d.push(b.subarray(i, i + size)));
      evs.push(...d.flush());
      expect(evs).toEqual(whole);
    }
  });

  it('reports a lost packet as a continuity error with its packet index and drops only that PES', () => {
    const b = stream();
    // Drop the second packet of the third video PES.
    const videoStarts: number[] = [];
    for (let i = 0; i < packetCount(b); i++)
      if (pidAt(b, i) === Pid.VIDEO && b[i * 188 + 1]! & 0x40) videoStarts.push(i);
    const victim = videoStarts[2]! + 1;
    const evs = run(withoutPacket(b, victim));
    const e = errs(evs);
    expect(e.length).toBe(1);
    expect(e[0]!.error).toBeInstanceOf(TsError);
    expect(e[0]!.error.code).toBe('TS_CONTINUITY');
    expect(e[0]!.packetIndex).toBe(victim); // the packet now at that index is the one after the gap
    expect(e[0]!.error.message).toMatch(
      new RegExp(`packet ${victim} \\(PID 0x100\\): continuity_counter \\d+, expected \\d+`),
    );
    const video = pes(evs).filter((p) => p.pid === Pid.VIDEO);
    expect(video.length).toBe(9);
    expect(video.map((p) => p.dts90k! / 3600)).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9]);
    expect(pes(evs).filter((p) => p.pid === Pid.AUDIO).length).toBe(10);
  });

  it('ignores a duplicated packet (same continuity counter, 2.4.3.3)', () => {
    const b = stream();
    const dup = concat([b.subarray(0, 4 * 188), b.subarray(3 * 188)]);
    const evs = run(dup);
    expect(errs(evs)).toEqual([]);
    const strip = (x: TsPesEvent[]) => x.map(({ packetIndex: _, ...rest }) => rest);
    expect(strip(pes(evs))).toEqual(strip(pes(run(b))));
  });

  it('resyncs after garbage, reporting one TS_LOST_SYNC with its offset', () => {
    const b = stream();
    const garbage = new Uint8Array(77).fill(0x47); // sync-looking bytes must not fool it
    garbage[0] = 0x12;
    const at = 10 * 188;
    const evs = run(concat([b.subarray(0, at), garbage, b.subarray(at)]));
    const e = errs(evs);
    expect(e.map((x) => x.error.code)).toEqual(['TS_LOST_SYNC']);
    expect(e[0]!.error.offset).toBe(at);
    expect(e[0]!.packetIndex).toBe(10);
    expect(pes(evs).length).toBe(20);
  });

  it('resyncs when a packet is cut short in the middle of the stream', () => {
    const b = stream();
    const cut = concat([b.subarray(0, 5 * 188 + 100), b.subarray(6 * 188)]);
    const evs = run(cut);
    expect(errs(evs).map((e) => e.error.code)).toContain('TS_LOST_SYNC');
    expect(pes(evs).length).toBeGreaterThanOrEqual(18);
  });

  it('reports a PMT with a bad CRC and keeps going', () => {
    const b = stream().slice();
    b[188 + 5 + 14] = b[188 + 5 + 14]! ^ 0x01; // inside the PMT section
    const evs = run(b);
    expect(errs(evs).map((e) => [e.error.code, e.packetIndex])).toEqual([['TS_BAD_CRC', 1]]);
    expect(errs(evs)[0]!.error.message).toMatch(
      /packet 1 \(PID 0x1001\): PMT CRC_32 is 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/,
    );
    expect(pes(evs)).toEqual([]); // without a PMT the elementary PIDs are unknown
  });

  it('reports transport_error_indicator, a reserved adaptation_field_control and an oversized adaptation field', () => {
    const b = stream().slice();
    b[3 * 188 + 1]! |= 0x80;
    b[4 * 188 + 3] = (b[4 * 188 + 3]! & 0x0f) | 0x00;
    b[5 * 188 + 3] = (b[5 * 188 + 3]! & 0x0f) | 0x30;
    b[5 * 188 + 4] = 184;
    const codes = errs(run(b)).map((e) => [e.error.code, e.packetIndex]);
    expect(codes.slice(0, 3)).toEqual([
      ['TS_TRANSPORT_ERROR', 3],
      ['TS_BAD_PACKET', 4],
      ['TS_BAD_PACKET', 5],
    ]);
  });

  it('reports a trailing partial packet on flush()', () => {
    const b = stream();
    const d = new TsDemuxer();
    d.push(b.subarray(0, b.length - 50));
    const evs = d.flush();
    expect(errs(evs).map((e) => e.error.code)).toEqual(['TS_TRUNCATED']);
    expect(errs(evs)[0]!.error.message).toMatch(/input ended 138 bytes into packet \d+/);
  });

  it('completes an unbounded (length 0) video PES at the next start or at flush()', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const big = m.writeVideo({ dtsMs: 0, keyframe: true, data: h264Frame([5], 70_000).data });
    const d = new TsDemuxer();
    expect(pes(d.push(big))).toEqual([]);
    const evs = d.flush();
    expect(pes(evs).length).toBe(1);
    expect(pes(evs)[0]!.data.length).toBeGreaterThan(70_000);
  });

  it('drops a PES larger than maxPesBytes with TS_PES_TOO_LARGE', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const big = m.writeVideo({ dtsMs: 0, keyframe: true, data: h264Frame([5], 200_000).data });
    const evs = run(big, new TsDemuxer({ maxPesBytes: 100_000 }));
    expect(errs(evs).map((e) => e.error.code)).toEqual(['TS_PES_TOO_LARGE']);
    expect(pes(evs)).toEqual([]);
  });

  it('reports a PES whose start code is wrong', () => {
    const b = stream().slice();
    const first = 3; // PAT, PMT, then PCR-bearing video packet at index 2; audio PES starts later
    const v = 2 * 188;
    const afLen = b[v + 4]!;
    b[v + 5 + afLen + 2] = 0x02; // 00 00 02
    const e = errs(run(b));
    expect(e.map((x) => x.error.code)).toEqual(['TS_BAD_PES']);
    expect(e[0]!.packetIndex).toBe(first - 1);
    expect(e[0]!.error.message).toMatch(/PES starting at packet 2 \(PID 0x100\): PES starts with 00 00 02/);
  });

  it('forgets an elementary PID that a new PMT version no longer lists', () => {
    const m = new TsMuxer({
      video: { codec: 'h264', config: avcC() },
      audio: { codec: 'aac', config: ASC_LC_44100_STEREO },
    });
    const first = m.writeAudio({ ptsMs: 0, data: new Uint8Array(10) });
    const d = new TsDemuxer();
    expect(pes(d.push(first)).length).toBe(1);
    expect([...d.elementaryStreams.keys()]).toEqual([Pid.VIDEO, Pid.AUDIO]);
    // A PMT (version 1) with only the video stream, then audio packets on the old PID.
    const video = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    video.setVideoConfig({ codec: 'h265' });
    video.setVideoConfig({ codec: 'h264' });
    video.writeTables(); // so the next PMT has continuity_counter 1, following the first stream's 0
    const tables = video.writeTables();
    const evs = d.push(concat([tables.subarray(188), m.writeAudio({ ptsMs: 23, data: new Uint8Array(10) })]));
    expect(evs.find((e) => e.type === 'pmt')).toMatchObject({ version: 2, streams: [{ pid: Pid.VIDEO }] });
    expect([...d.elementaryStreams.keys()]).toEqual([Pid.VIDEO]);
    expect(pes(evs)).toEqual([]);
  });

  it('skips null packets and data on PIDs no PMT names', () => {
    const nul = new Uint8Array(188).fill(0xff);
    nul.set([0x47, 0x1f, 0xff, 0x10]);
    const stray = new Uint8Array(188).fill(0);
    stray.set([0x47, 0x40, 0x42, 0x10, 0, 0, 1, 0xe0]);
    const evs = run(concat([nul, stray, stream()]));
    expect(errs(evs)).toEqual([]);
    expect(pes(evs).length).toBe(20);
  });
});
