import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { HlsError, HlsSegmenter, type MediaKind } from '../src/index.js';
import { type Media, makeFlv } from './media.js';

let media: Media;
beforeAll(() => {
  media = makeFlv({ seconds: 3, gop: 10 });
});

const kind = fc.constantFrom<MediaKind>('audio', 'video', 'data');
const header = fc.constantFrom(
  [0x17, 0x00], // AVC sequence header
  [0x17, 0x01],
  [0x27, 0x01],
  [0x1c, 0x01], // legacy HEVC
  [0x90, 0x68, 0x76, 0x63, 0x31], // enhanced hvc1 sequence start
  [0x91, 0x68, 0x76, 0x63, 0x31],
  [0xaf, 0x00],
  [0xaf, 0x01],
  [0x2f],
  [0x90, 0x6d, 0x70, 0x34, 0x61],
  [],
);
const message = fc.record({
  kind,
  timestampMs: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 20_000 })),
  payload: fc
    .tuple(header, fc.uint8Array({ maxLength: 64 }))
    .map(([h, rest]) => Uint8Array.from([...h, ...rest])),
});

function checkInvariants(seg: HlsSegmenter, windowSize: number, grace: number): void {
  expect(seg.storedSegments().length).toBeLessThanOrEqual(windowSize + grace);
  for (const s of seg.storedSegments()) expect(s.data.length % 188).toBe(0);
  const text = seg.playlist();
  expect(text.startsWith('#EXTM3U\n#EXT-X-VERSION:3\n')).toBe(true);
  for (const m of text.matchAll(/#EXTINF:([\d.]+),/g)) {
    expect(Number(m[1])).toBeLessThanOrEqual(seg.targetDurationSec);
  }
}

describe('HlsSegmenter properties', () => {
  it('random messages never throw; what is dropped comes back as an HlsError', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 60 }), fc.boolean(), (messages, republish) => {
        const seg = new HlsSegmenter({ targetDurationSec: 0.5, windowSize: 2, graceSegments: 1 });
        for (const [i, m] of messages.entries()) {
          const r = seg.push(m.kind, m.timestampMs, m.payload, 1_700_000_000_000 + i);
          if (r.error !== undefined) expect(r.error).toBeInstanceOf(HlsError);
          if (republish && i === messages.length >> 1) seg.discontinuity();
        }
        seg.end();
        checkInvariants(seg, 2, 1);
      }),
      { numRuns: 300 },
    );
  });

  it('a real stream with corrupted, dropped and shifted messages never throws and keeps its bounds', () => {
    const edit = fc.record({
      index: fc.nat(),
      action: fc.constantFrom('flip', 'truncate', 'drop', 'shift'),
      value: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 20 }), (edits) => {
        const messages = media.messages.map((m) => ({ ...m }));
        for (const e of edits) {
          const i = e.index % messages.length;
          const m = messages[i]!;
          if (e.action === 'flip' && m.payload.length > 0) {
            const p = m.payload.slice();
            const j = e.value % p.length;
            p[j] = p[j]! ^ (1 << (e.value & 7));
            m.payload = p;
          } else if (e.action === 'truncate')
            m.payload = m.payload.subarray(0, e.value % (m.payload.length + 1));
          else if (e.action === 'drop') messages.splice(i, 1);
          else m.timestampMs = (m.timestampMs + e.value * 97) >>> 0;
        }
        const seg = new HlsSegmenter({ targetDurationSec: 1, windowSize: 3, graceSegments: 1 });
        for (const m of messages) {
          const r = seg.push(m.kind, m.timestampMs, m.payload);
          if (r.error !== undefined) expect(r.error).toBeInstanceOf(HlsError);
        }
        seg.end();
        checkInvariants(seg, 3, 1);
      }),
      { numRuns: 60 },
    );
  });
});
