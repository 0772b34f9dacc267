import { splitAnnexB } from '@livego/codecs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPatSection,
  buildPmtSection,
  parsePatSection,
  parsePes,
  parsePmtSection,
  TsDemuxer,
  TsError,
  type TsEvent,
  TsMuxer,
  type TsPesEvent,
  wrap33,
  writePesHeader,
} from '../src/index.js';
import { concat } from './helpers.js';
import { ASC_LC_44100_STEREO, avcC, h264Frame } from './synth.js';

/** Pushes `bytes` cut at `cuts` (fractions), then flushes; fails the property if anything throws. */
function demuxChunked(bytes: Uint8Array, cuts: number[]): TsEvent[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const d = new TsDemuxer({ maxPesBytes: 1 << 20 });
  const events: TsEvent[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    events.push(...d.push(bytes.subarray(prev, p)));
    prev = p;
  }
  events.push(...d.flush());
  return events;
}

function validStream(seed: number): Uint8Array {
  const m = new TsMuxer({
    video: { codec: 'h264', config: avcC() },
    audio: { codec: 'aac', config: ASC_LC_44100_STEREO },
  });
  const chunks: Uint8Array[] = [m.writeTables()];
  for (let i = 0; i < 12; i++) {
    chunks.push(
      m.writeVideo({
        dtsMs: i * 40,
        keyframe: i % 6 === 0,
        data: h264Frame([i % 6 ? 1 : 5], 100 + ((seed * i) % 900), 4, seed).data,
      }),
    );
    chunks.push(m.writeAudio({ ptsMs: i * 40 + 5, data: new Uint8Array(50 + ((seed + i) % 300)).fill(i) }));
    if (i === 6) chunks.push(m.writeTables());
  }
  return concat(chunks);
}
const STREAMS = [1, 2, 3].map(validStream);

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

describe('TsDemuxer never throws', () => {
  it('on random bytes in random chunks; every problem is a TsError event', () => {
    const packetish = fc
      .array(fc.uint8Array({ minLength: 187, maxLength: 187 }), { maxLength: 12 })
      .map((ps) => concat(ps.map((p) => concat([new Uint8Array([0x47]), p]))));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 4000 }), packetish), cuts, (bytes, c) => {
        for (const e of demuxChunked(bytes, c))
          if (e.type === 'error') expect(e.error).toBeInstanceOf(TsError);
      }),
      { numRuns: 300 },
    );
  });

  it('on a valid stream with random corruptions (flips, deletions, insertions)', () => {
    const edit = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        value: fc.integer({ min: 1, max: 255 }),
      }),
      fc.record({
        kind: fc.constant('delete' as const),
        at: fc.nat(),
        value: fc.integer({ min: 1, max: 400 }),
      }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        value: fc.integer({ min: 1, max: 400 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(edit, { minLength: 1, maxLength: 8 }),
        cuts,
        (s, edits, c) => {
          let b: Uint8Array = STREAMS[s]!.slice();
          for (const e of edits) {
            const at = e.at % b.length;
            if (e.kind === 'flip') b[at] = b[at]! ^ e.value;
            else if (e.kind === 'delete') b = concat([b.subarray(0, at), b.subarray(at + e.value)]);
            else
              b = concat([b.subarray(0, at), new Uint8Array(e.value).fill(e.value & 0xff), b.subarray(at)]);
          }
          const events = demuxChunked(b, c);
          for (const e of events) if (e.type === 'error') expect(e.error).toBeInstanceOf(TsError);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('TsMuxer on random input', () => {
  const isOurs = (e: unknown) => e instanceof TsError;

  it('throws nothing but TsError for random configs and frames, and what it writes demuxes cleanly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('h264' as const, 'h265' as const),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 16 }),
        fc.array(
          fc.record({ video: fc.boolean(), keyframe: fc.boolean(), data: fc.uint8Array({ maxLength: 600 }) }),
          {
            maxLength: 10,
          },
        ),
        (codec, videoConfig, asc, frames) => {
          const m = new TsMuxer({ video: { codec }, audio: { codec: 'aac' } });
          for (const set of [() => m.setVideoConfig(videoConfig), () => m.setAudioConfig(asc)]) {
            try {
              set();
            } catch (e) {
              expect(isOurs(e), String(e)).toBe(true);
            }
          }
          const out: Uint8Array[] = [];
          frames.forEach((f, i) => {
            try {
              out.push(
                f.video
                  ? m.writeVideo({ dtsMs: i * 10, keyframe: f.keyframe, data: f.data })
                  : m.writeAudio({ ptsMs: i * 10, data: f.data }),
              );
            } catch (e) {
              expect(isOurs(e), String(e)).toBe(true);
            }
          });
          const events = demuxChunked(concat(out), []);
          expect(events.filter((e) => e.type === 'error')).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes any MP3 payload as one PES with the bytes unchanged', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), (data) => {
        const m = new TsMuxer({ audio: { codec: 'mp3' } });
        const got = demuxChunked(m.writeAudio({ ptsMs: 0, data }), []).filter(
          (e): e is TsPesEvent => e.type === 'pes',
        );
        expect(got.map((p) => p.data)).toEqual([data]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('mux → demux identity', () => {
  const videoOp = fc.record({
    kind: fc.constant('video' as const),
    deltaMs: fc.integer({ min: 1, max: 300 }),
    ctsMs: fc.integer({ min: 0, max: 500 }),
    keyframe: fc.boolean(),
    nals: fc.array(
      fc.record({
        type: fc.constantFrom(1, 5, 6, 12),
        body: fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  });
  const audioOp = fc.record({
    kind: fc.constant('audio' as const),
    offsetMs: fc.integer({ min: -200, max: 200 }),
    data: fc.uint8Array({ minLength: 1, maxLength: 2000 }),
  });

  it('gives back every frame’s bytes and timestamps (33-bit and 2^32 ms wraps included), for any chunking', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.nat({ max: 2 ** 32 - 1 }),
          fc.constant(2 ** 32 - 500),
          fc.constant(Math.floor(2 ** 33 / 90) - 300),
        ),
        fc.array(fc.oneof(videoOp, audioOp), { minLength: 1, maxLength: 25 }),
        cuts,
        (startMs, ops, c) => {
          const m = new TsMuxer({
            video: { codec: 'h264', config: avcC() },
            audio: { codec: 'aac', config: ASC_LC_44100_STEREO },
          });
          const out: Uint8Array[] = [];
          const expected: { pid: number; pts: number; dts: number; check: (d: Uint8Array) => void }[] = [];
          let clockMs = startMs; // unwrapped
          for (const op of ops) {
            if (op.kind === 'video') {
              clockMs += op.deltaMs;
              const nals = op.nals.map(({ type, body }) => concat([new Uint8Array([0x60 | type]), body]));
              const data = concat(
                nals.map((n) => concat([new Uint8Array([0, 0, n.length >>> 8, n.length & 0xff]), n])),
              );
              out.push(
                m.writeVideo({
                  dtsMs: clockMs % 2 ** 32,
                  compositionTimeMs: op.ctsMs,
                  keyframe: op.keyframe,
                  data,
                }),
              );
              const needsParams = op.keyframe || op.nals.some((n) => n.type === 5);
              expected.push({
                pid: 0x100,
                dts: wrap33(clockMs * 90),
                pts: wrap33((clockMs + op.ctsMs) * 90),
                check: (d) => {
                  const got = splitAnnexB(d);
                  expect(got[0]).toEqual(new Uint8Array([0x09, 0xf0]));
                  // splitAnnexB trims trailing zero bytes of a NAL unit (they read as start-code padding).
                  const trim = (n: Uint8Array) => {
                    let e = n.length;
                    while (e > 1 && n[e - 1] === 0) e--;
                    return n.subarray(0, e);
                  };
                  expect(got.slice(needsParams ? 3 : 1)).toEqual(nals.map(trim));
                },
              });
            } else {
              const ptsMs = clockMs + op.offsetMs;
              out.push(m.writeAudio({ ptsMs: ((ptsMs % 2 ** 32) + 2 ** 32) % 2 ** 32, data: op.data }));
              clockMs = ptsMs; // the shared timeline follows the last input
              expected.push({
                pid: 0x101,
                dts: wrap33(ptsMs * 90),
                pts: wrap33(ptsMs * 90),
                check: (d) => expect(d.subarray(7)).toEqual(op.data),
              });
            }
          }
          const events = demuxChunked(concat(out), c);
          expect(events.filter((e) => e.type === 'error')).toEqual([]);
          const got = events.filter((e): e is TsPesEvent => e.type === 'pes');
          expect(got.length).toBe(expected.length);
          got.forEach((p, i) => {
            const x = expected[i]!;
            expect([p.pid, p.pts90k, p.dts90k]).toEqual([x.pid, x.pts, x.dts]);
            x.check(p.data);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('round-trips PES headers for any PTS/DTS below 2^33', () => {
    const ts = fc.integer({ min: 0, max: 2 ** 33 - 1 });
    fc.assert(
      fc.property(
        ts,
        fc.option(ts, { nil: undefined }),
        fc.uint8Array({ maxLength: 300 }),
        (pts, dts, payload) => {
          const h = new Uint8Array(dts === undefined ? 14 : 19);
          writePesHeader(h, 0, 0xc0, payload.length, pts, dts);
          const p = parsePes(concat([h, payload]));
          expect([p.streamId, p.pts90k, p.dts90k]).toEqual([0xc0, pts, dts ?? pts]);
          expect(p.data).toEqual(payload);
        },
      ),
    );
  });

  it('round-trips PAT and PMT sections', () => {
    const pid = fc.integer({ min: 0x10, max: 0x1ffe });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 31 }),
        fc.array(fc.record({ programNumber: fc.integer({ min: 1, max: 0xffff }), pmtPid: pid }), {
          maxLength: 40,
        }),
        fc.array(
          fc.record({
            streamType: fc.integer({ min: 0, max: 255 }),
            pid,
            esInfo: fc.uint8Array({ maxLength: 20 }),
          }),
          { maxLength: 30 },
        ),
        (id, version, programs, streams) => {
          expect(parsePatSection(buildPatSection({ transportStreamId: id, version, programs }))).toEqual({
            transportStreamId: id,
            version,
            programs,
          });
          const pmt = parsePmtSection(
            buildPmtSection({ programNumber: id, version, pcrPid: 0x100, streams }),
          );
          expect(pmt).toEqual({ programNumber: id, version, pcrPid: 0x100, streams });
        },
      ),
    );
  });
});
