import { splitAnnexB } from '@livego/codecs';
import { describe, expect, it } from 'vitest';
import {
  Pid,
  StreamType,
  TS_PACKET_SIZE,
  TsDemuxer,
  TsError,
  type TsEvent,
  TsMuxer,
  type TsPesEvent,
} from '../src/index.js';
import { concat, diff33 } from './helpers.js';
import { ASC_LC_44100_STEREO, avcC, h264Frame, PPS, SPS } from './synth.js';

const demux = (...chunks: Uint8Array[]): TsEvent[] => {
  const d = new TsDemuxer();
  return [...chunks.flatMap((c) => d.push(c)), ...d.flush()];
};
const pes = (evs: TsEvent[]): TsPesEvent[] => evs.filter((e): e is TsPesEvent => e.type === 'pes');
const nalTypes = (data: Uint8Array): number[] => splitAnnexB(data).map((n) => n[0]! & 0x1f);
const errors = (evs: TsEvent[]) => evs.filter((e) => e.type === 'error');

describe('TsMuxer video', () => {
  it('writes AUD, SPS, PPS before an IDR and only AUD before other frames', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const key = h264Frame([6, 5]);
    const inter = h264Frame([1]);
    const out = demux(
      m.writeVideo({ dtsMs: 0, keyframe: true, data: key.data }),
      m.writeVideo({ dtsMs: 40, keyframe: false, data: inter.data }),
    );
    const [a, b] = pes(out);
    expect(nalTypes(a!.data)).toEqual([9, 7, 8, 6, 5]);
    expect(splitAnnexB(a!.data)[1]).toEqual(SPS);
    expect(splitAnnexB(a!.data)[2]).toEqual(PPS);
    expect(a!.randomAccess).toBe(true);
    expect(nalTypes(b!.data)).toEqual([9, 1]);
    expect(b!.randomAccess).toBe(false);
  });

  it('does not repeat parameter sets the key frame carries itself, and drops the input’s own AUD', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const key = h264Frame([9, 7, 8, 5]);
    expect(nalTypes(pes(demux(m.writeVideo({ dtsMs: 0, keyframe: true, data: key.data })))[0]!.data)).toEqual(
      [9, 7, 8, 5],
    );
  });

  it('puts parameter sets before an IDR even when the frame is not flagged as a key frame', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    expect(
      nalTypes(pes(demux(m.writeVideo({ dtsMs: 0, keyframe: false, data: h264Frame([5]).data })))[0]!.data),
    ).toEqual([9, 7, 8, 5]);
  });

  it('honours the NAL length size of the avcC (2 bytes here)', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC(2) } });
    const f = h264Frame([1, 1], 300, 2);
    const data = pes(demux(m.writeVideo({ dtsMs: 0, keyframe: false, data: f.data })))[0]!.data;
    expect(splitAnnexB(data).slice(1)).toEqual(f.nals);
  });

  it('accepts Annex B input as some encoders send it', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const annexB = concat([
      new Uint8Array([0, 0, 0, 1]),
      h264Frame([1]).nals[0]!,
      new Uint8Array([0, 0, 1]),
      h264Frame([1], 20).nals[0]!,
    ]);
    const data = pes(demux(m.writeVideo({ dtsMs: 0, keyframe: false, data: annexB })))[0]!.data;
    expect(nalTypes(data)).toEqual([9, 1, 1]);
  });

  it('writes PTS = DTS + composition time, and DTS only when they differ', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const f = h264Frame([1]).data;
    const [a, b, c] = pes(
      demux(
        m.writeVideo({ dtsMs: 1000, compositionTimeMs: 80, keyframe: false, data: f }),
        m.writeVideo({ dtsMs: 1040, ptsMs: 1040, keyframe: false, data: f }),
        m.writeVideo({ dtsMs: 1080, ptsMs: 1120, keyframe: false, data: f }),
      ),
    );
    expect([a!.dts90k, a!.pts90k]).toEqual([90000, 97200]);
    expect([b!.dts90k, b!.pts90k]).toEqual([93600, 93600]);
    expect([c!.dts90k, c!.pts90k]).toEqual([97200, 100800]);
  });

  it('writes nothing for a frame without NAL units, and PTS = DTS for a negative composition time', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    expect(m.writeVideo({ dtsMs: 0, keyframe: false, data: new Uint8Array(0) })).toEqual(new Uint8Array(0));
    const p = pes(
      demux(m.writeVideo({ dtsMs: 100, compositionTimeMs: -40, keyframe: false, data: h264Frame([1]).data })),
    );
    expect([p[0]!.pts90k, p[0]!.dts90k]).toEqual([9000, 9000]);
  });

  it('throws TsError TS_BAD_NALU on a bad length prefix and leaves the muxer state unchanged', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const good = h264Frame([1]).data;
    const a = m.writeVideo({ dtsMs: 0, keyframe: false, data: good });
    const bad = new Uint8Array([0, 0, 0x10, 0, 0x65, 1, 2]);
    expect(() => m.writeVideo({ dtsMs: 40, keyframe: false, data: bad })).toThrowError(
      expect.objectContaining({ name: 'TsError', code: 'TS_BAD_NALU' }),
    );
    const b = m.writeVideo({ dtsMs: 80, keyframe: false, data: good });
    const evs = demux(a, b);
    expect(errors(evs)).toEqual([]);
    expect(pes(evs).map((p) => p.dts90k)).toEqual([0, 7200]);
  });

  it('throws TsError TS_BAD_CONFIG on a broken avcC, TypeError when there is no video track', () => {
    expect(() => new TsMuxer({ video: { codec: 'h264', config: new Uint8Array([1, 2]) } })).toThrowError(
      TsError,
    );
    expect(() =>
      new TsMuxer({ audio: { codec: 'aac' } }).writeVideo({
        dtsMs: 0,
        keyframe: true,
        data: new Uint8Array(1),
      }),
    ).toThrowError(TypeError);
    expect(() => new TsMuxer().setVideoConfig(avcC())).toThrowError(TypeError);
  });

  it('uses the new parameter sets after setVideoConfig', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const sps2 = new Uint8Array([0x67, 0x42, 0xc0, 0x28, 0xda]);
    const cfg2 = new Uint8Array([
      1,
      0x42,
      0xc0,
      0x28,
      0xff,
      0xe1,
      0,
      sps2.length,
      ...sps2,
      1,
      0,
      PPS.length,
      ...PPS,
    ]);
    const a = m.writeVideo({ dtsMs: 0, keyframe: true, data: h264Frame([5]).data });
    m.setVideoConfig(cfg2);
    const b = m.writeVideo({ dtsMs: 40, keyframe: true, data: h264Frame([5]).data });
    const [pa, pb] = pes(demux(a, b));
    expect(splitAnnexB(pa!.data)[1]).toEqual(SPS);
    expect(splitAnnexB(pb!.data)[1]).toEqual(sps2);
  });

  it('writes H.265 with its own AUD (type 35) and VPS/SPS/PPS before IRAP pictures', () => {
    const vps = new Uint8Array([0x40, 0x01, 0x0c]);
    const sps = new Uint8Array([0x42, 0x01, 0x01]);
    const pps = new Uint8Array([0x44, 0x01, 0xc1]);
    // A minimal hvcC: 22 fixed bytes, then 3 arrays of one NAL unit.
    const fixed = [
      1, 1, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5d, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f,
    ];
    const arr = (type: number, nal: Uint8Array) => [0x80 | type, 0, 1, 0, nal.length, ...nal];
    const hvcC = new Uint8Array([...fixed, 3, ...arr(32, vps), ...arr(33, sps), ...arr(34, pps)]);
    const m = new TsMuxer({ video: { codec: 'h265', config: hvcC } });
    const idr = new Uint8Array([0x26, 0x01, 0xaf, 0x11]); // IDR_W_RADL
    const trail = new Uint8Array([0x02, 0x01, 0xd0, 0x22]); // TRAIL_R
    const evs = demux(
      m.writeVideo({ dtsMs: 0, keyframe: true, data: new Uint8Array([0, 0, 0, 4, ...idr]) }),
      m.writeVideo({ dtsMs: 40, keyframe: false, data: new Uint8Array([0, 0, 0, 4, ...trail]) }),
    );
    expect(evs.find((e) => e.type === 'pmt')).toMatchObject({
      streams: [{ streamType: StreamType.H265, pid: Pid.VIDEO }],
    });
    const [a, b] = pes(evs);
    expect(splitAnnexB(a!.data)).toEqual([new Uint8Array([0x46, 0x01, 0x50]), vps, sps, pps, idr]);
    expect(splitAnnexB(b!.data)).toEqual([new Uint8Array([0x46, 0x01, 0x50]), trail]);
  });

  it('writes a video PES over 65535 bytes with PES_packet_length 0, and the demuxer still gets it whole', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const f = h264Frame([5], 100_000);
    const out = m.writeVideo({ dtsMs: 0, keyframe: true, data: f.data });
    const first = out.subarray(2 * TS_PACKET_SIZE); // after PAT, PMT
    const afLen = first[4]!;
    expect([first[5 + afLen + 4], first[5 + afLen + 5]]).toEqual([0, 0]);
    const p = pes(demux(out))[0]!;
    expect(splitAnnexB(p.data).at(-1)).toEqual(f.nals[0]);
  });
});

describe('TsMuxer audio', () => {
  it('wraps each AAC frame in its own PES with an ADTS header from the AudioSpecificConfig', () => {
    const m = new TsMuxer({ audio: { codec: 'aac', config: ASC_LC_44100_STEREO } });
    const raw = new Uint8Array(300).fill(0x21);
    const p = pes(demux(m.writeAudio({ ptsMs: 23, data: raw })))[0]!;
    // FF F1, profile LC (1), index 4 (44.1 kHz), 2 channels, length 307, fullness 0x7FF, 1 block.
    expect(Array.from(p.data.subarray(0, 7))).toEqual([0xff, 0xf1, 0x50, 0x80, 0x26, 0x7f, 0xfc]);
    expect(p.data.subarray(7)).toEqual(raw);
    expect(p.pts90k).toBe(2070);
    expect(p.randomAccess).toBe(true);
  });

  it('passes frames that already are ADTS through unchanged', () => {
    const m = new TsMuxer({ audio: { codec: 'aac', config: ASC_LC_44100_STEREO } });
    const adts = new Uint8Array([0xff, 0xf1, 0x50, 0x80, 0x01, 0x5f, 0xfc, 1, 2, 3]);
    expect(pes(demux(m.writeAudio({ ptsMs: 0, data: adts })))[0]!.data).toEqual(adts);
  });

  it('reads HE-AAC (explicit SBR) configs as their AAC LC core for ADTS', () => {
    // AOT 5 (SBR), index 6 (24 kHz core), stereo, extension index 3 (48 kHz), core AOT 2.
    const m = new TsMuxer({ audio: { codec: 'aac', config: new Uint8Array([0x2b, 0x11, 0x88, 0x00]) } });
    const p = pes(demux(m.writeAudio({ ptsMs: 0, data: new Uint8Array(10) })))[0]!;
    expect(p.data[2]).toBe((1 << 6) | (6 << 2));
  });

  it('throws TsError TS_BAD_AUDIO for an AAC frame before the ASC, and TS_BAD_CONFIG for an unusable ASC', () => {
    const m = new TsMuxer({ audio: { codec: 'aac' } });
    expect(() => m.writeAudio({ ptsMs: 0, data: new Uint8Array(10) })).toThrowError(
      expect.objectContaining({ code: 'TS_BAD_AUDIO' }),
    );
    expect(() => m.setAudioConfig(new Uint8Array([0x12]))).toThrowError(
      expect.objectContaining({ code: 'TS_BAD_CONFIG' }),
    );
    expect(() => m.setAudioConfig(new Uint8Array([0x12, 0x00]))).toThrowError(
      expect.objectContaining({ code: 'TS_BAD_CONFIG' }),
    );
    expect(() => m.writeAudio({ ptsMs: 0, data: new Uint8Array(9000) })).toThrowError(TsError);
  });

  it('rejects a reserved channelConfiguration (8) with TS_BAD_CONFIG, not a TypeError (fast-check find)', () => {
    const m = new TsMuxer({ audio: { codec: 'aac' } });
    expect(() => m.setAudioConfig(new Uint8Array([0x08, 0x40]))).toThrowError(
      expect.objectContaining({ name: 'TsError', code: 'TS_BAD_CONFIG' }),
    );
  });

  it('rejects AAC frames too long for ADTS', () => {
    const m = new TsMuxer({ audio: { codec: 'aac', config: ASC_LC_44100_STEREO } });
    expect(() => m.writeAudio({ ptsMs: 0, data: new Uint8Array(8185) })).toThrowError(
      expect.objectContaining({ code: 'TS_BAD_AUDIO' }),
    );
    expect(pes(demux(m.writeAudio({ ptsMs: 0, data: new Uint8Array(8184) })))[0]!.data.length).toBe(8191);
  });
});

describe('TsMuxer tables, timestamps and PCR', () => {
  it('writes PAT+PMT before the first PES, and again with a new PMT version when a track is added', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const a = m.writeVideo({ dtsMs: 0, keyframe: true, data: h264Frame([5]).data });
    m.setAudioConfig({ codec: 'aac', config: ASC_LC_44100_STEREO });
    const b = m.writeAudio({ ptsMs: 10, data: new Uint8Array(20) });
    const c = m.writeAudio({ ptsMs: 33, data: new Uint8Array(20) });
    const evs = demux(a, b, c);
    expect(errors(evs)).toEqual([]);
    const pmts = evs.filter((e) => e.type === 'pmt');
    expect(pmts.map((p) => p.type === 'pmt' && [p.version, p.streams.length])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(evs.map((e) => e.type)).toEqual(['pat', 'pmt', 'pcr', 'pes', 'pat', 'pmt', 'pes', 'pes']);
  });

  it('continues continuity counters across writeTables() calls', () => {
    const m = new TsMuxer({ audio: { codec: 'aac', config: ASC_LC_44100_STEREO } });
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      if (i % 7 === 0) chunks.push(m.writeTables());
      chunks.push(m.writeAudio({ ptsMs: i * 23, data: new Uint8Array(400 + i) }));
    }
    const evs = demux(...chunks);
    expect(errors(evs)).toEqual([]);
    expect(evs.filter((e) => e.type === 'pat').length).toBe(6);
    expect(pes(evs).length).toBe(40);
  });

  it('continues the timeline across the 2^32 ms wrap of RTMP timestamps', () => {
    const m = new TsMuxer({ audio: { codec: 'aac', config: ASC_LC_44100_STEREO } });
    const start = 2 ** 32 - 46;
    const out = [0, 1, 2, 3].map((i) =>
      m.writeAudio({ ptsMs: (start + i * 23) % 2 ** 32, data: new Uint8Array(9) }),
    );
    const evs = demux(...out);
    const pts = pes(evs).map((p) => p.pts90k!);
    for (let i = 1; i < pts.length; i++) expect(diff33(pts[i - 1]!, pts[i]!)).toBe(23 * 90);
    // The PCR (audio-only: on every audio PES) keeps advancing through the wrap instead of sticking.
    const pcrs = evs.flatMap((e) => (e.type === 'pcr' ? [e.pcr90k] : []));
    expect(pcrs).toEqual(pts);
  });

  it('wraps PTS at 2^33 (about 26.5 h of ms timestamps) like every demuxer expects', () => {
    const m = new TsMuxer({ video: { codec: 'h264', config: avcC() } });
    const wrapMs = 2 ** 33 / 90; // 95443717.69 ms
    const out = [-1, 0, 1].map((k) =>
      m.writeVideo({ dtsMs: Math.floor(wrapMs) + k * 40, keyframe: false, data: h264Frame([1]).data }),
    );
    const evs = demux(...out);
    const dts = pes(evs).map((p) => p.dts90k!);
    expect(dts[0]).toBeGreaterThan(2 ** 33 - 9000);
    expect(dts[2]).toBeLessThan(9000);
    expect(diff33(dts[0]!, dts[1]!)).toBe(3600);
    expect(diff33(dts[1]!, dts[2]!)).toBe(3600);
    const pcrs = evs.filter((e) => e.type === 'pcr').map((e) => e.type === 'pcr' && e.pcr90k);
    expect(pcrs).toEqual(dts);
  });

  it('inserts PCR-only packets on the video PID when only audio arrives for a while', () => {
    const m = new TsMuxer({
      video: { codec: 'h264', config: avcC() },
      audio: { codec: 'aac', config: ASC_LC_44100_STEREO },
    });
    const chunks = [m.writeVideo({ dtsMs: 0, keyframe: true, data: h264Frame([5]).data })];
    for (let t = 0; t <= 1000; t += 23) chunks.push(m.writeAudio({ ptsMs: t, data: new Uint8Array(100) }));
    chunks.push(m.writeVideo({ dtsMs: 1000, keyframe: false, data: h264Frame([1]).data }));
    const evs = demux(...chunks);
    expect(errors(evs)).toEqual([]);
    const pcrs = evs.filter((e) => e.type === 'pcr');
    expect(pcrs.every((p) => p.type === 'pcr' && p.pid === Pid.VIDEO)).toBe(true);
    const values = pcrs.map((p) => (p.type === 'pcr' ? p.pcr90k : 0));
    for (let i = 1; i < values.length; i++) {
      expect(values[i]! - values[i - 1]!).toBeGreaterThanOrEqual(0);
      expect(values[i]! - values[i - 1]!).toBeLessThanOrEqual(4500 + 23 * 90);
    }
    expect(values.at(-1)).toBe(90000);
  });

  it('never lets the PCR go back when a frame is earlier than the last PCR', () => {
    const m = new TsMuxer({
      video: { codec: 'h264', config: avcC() },
      audio: { codec: 'aac', config: ASC_LC_44100_STEREO },
    });
    const evs = demux(
      m.writeAudio({ ptsMs: 500, data: new Uint8Array(10) }),
      m.writeVideo({ dtsMs: 400, keyframe: true, data: h264Frame([5]).data }),
    );
    expect(evs.filter((e) => e.type === 'pcr').map((e) => e.type === 'pcr' && e.pcr90k)).toEqual([
      45000, 45000,
    ]);
  });

  it('changes the MP3 stream type to 0x04 when the first frame is MPEG-2 audio', () => {
    const m = new TsMuxer({ audio: { codec: 'mp3' } });
    const mpeg2Frame = new Uint8Array([0xff, 0xf3, 0x64, 0xc4, ...new Array(100).fill(0)]);
    const evs = demux(m.writeAudio({ ptsMs: 0, data: mpeg2Frame }));
    const pmt = evs.find((e) => e.type === 'pmt');
    expect(pmt?.type === 'pmt' && pmt.streams[0]!.streamType).toBe(StreamType.MPEG2_AUDIO);
    expect(evs.filter((e) => e.type === 'pmt').length).toBe(1);
  });

  it('returns exactly sized output: whole packets, each starting with 0x47', () => {
    const m = new TsMuxer({
      video: { codec: 'h264', config: avcC() },
      audio: { codec: 'aac', config: ASC_LC_44100_STEREO },
    });
    for (const size of [1, 150, 151, 170, 171, 183, 184, 185, 1000, 5000]) {
      const v = m.writeVideo({ dtsMs: size, keyframe: false, data: h264Frame([1], size).data });
      const a = m.writeAudio({ ptsMs: size, data: new Uint8Array(size) });
      for (const out of [v, a]) {
        expect(out.length % TS_PACKET_SIZE).toBe(0);
        for (let p = 0; p < out.length; p += TS_PACKET_SIZE) expect(out[p]).toBe(0x47);
      }
    }
  });
});
