import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hub, MediaPacket } from '../src/index.js';
import { countingForm, decode, recordingSink, VIDEO_SEQ } from './helpers.js';

// A video body carrying its publish index in bytes 9..10, so the test can tell which frames were skipped.
const frame = (keyframe: boolean, index: number) =>
  Uint8Array.of(keyframe ? 0x17 : 0x27, 0x01, 0, 0, 0, 0, 0, 0, 2, index >> 8, index & 0xff);
// AAC: 0xAF then packet type 0 (sequence header, kept across overflows) or 1 (raw frame).
const audioBody = (size: number, seq: boolean) => {
  const b = new Uint8Array(size);
  b[0] = 0xaf;
  b[1] = seq ? 0 : 1;
  return b;
};
const indexOf = (p: Uint8Array) => (p[9]! << 8) | p[10]!;

const op = fc.oneof(
  fc.record({ t: fc.constant('key' as const) }),
  fc.record({ t: fc.constant('inter' as const) }),
  fc.record({ t: fc.constant('audio' as const), size: fc.integer({ min: 2, max: 300 }), seq: fc.boolean() }),
  fc.record({ t: fc.constant('take' as const), who: fc.nat(2), max: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ t: fc.constant('join' as const) }),
);

describe('fan-out invariants (property)', () => {
  it('queues stay bounded and every viewer only ever decodes from a keyframe', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 400 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 50, max: 3000 }),
        (ops, gopNum, maxQueueBytes) => {
          const hub = new Hub({ gopNum, subscriber: { maxQueueBytes, maxQueueMs: 2000, maxLagMs: 4000 } });
          const pub = hub.publish('a', 'b', { id: 'p', kind: 't' }, { onEnd() {} });
          const form = countingForm();
          const viewers = [hub.subscribe('a', 'b', { id: 'v0', kind: 't' }, recordingSink(form))];
          const lastIndex = new Map<number, number | undefined>();
          pub.write('video', 0, VIDEO_SEQ);
          let ts = 0;
          let n = 0;
          const maxPacket = 305;
          // Viewers past their start-up burst (drained once, or overflowed): the live bound applies.
          const settled = new Set<(typeof viewers)[number]>();
          const check = (vi: number, chunks: Uint8Array[]) => {
            for (const d of decode(chunks)) {
              if (d.type !== 9 || d.payload[1] !== 1) continue;
              const i = indexOf(d.payload);
              if (d.payload[0] === 0x27) expect(lastIndex.get(vi)).toBe(i - 1); // inter frames only follow their predecessor
              lastIndex.set(vi, i);
            }
          };
          for (const o of ops) {
            if (o.t === 'key' || o.t === 'inter') {
              ts += 40;
              pub.write('video', ts, frame(o.t === 'key', n++));
            } else if (o.t === 'audio') {
              pub.write('audio', ts, audioBody(o.size, o.seq));
            } else if (o.t === 'join') {
              if (viewers.length < 3)
                viewers.push(
                  hub.subscribe('a', 'b', { id: `v${viewers.length}`, kind: 't' }, recordingSink(form)),
                );
            } else {
              const v = viewers[o.who];
              if (v !== undefined && !v.closed) {
                check(o.who, v.take(o.max));
                if (v.queuedPackets === 0) settled.add(v);
              }
            }
            for (const v of viewers) {
              if (v.closed) continue;
              // The start-up burst may exceed the bound once; live traffic never goes past bound + one message.
              if (settled.has(v) || v.stats.overflows > 0)
                expect(v.queuedByteCount).toBeLessThanOrEqual(maxQueueBytes + 3 * maxPacket);
            }
          }
          viewers.forEach((v, i) => {
            if (!v.closed) check(i, v.take());
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('start-up cache accounting (property)', () => {
  const body = (kind: 'key' | 'inter' | 'vseq' | 'aseq' | 'aac', size: number, variant: number) => {
    const b = new Uint8Array(Math.max(size, 6));
    b.set(
      {
        key: [0x17, 1],
        inter: [0x27, 1],
        vseq: [0x17, 0],
        aseq: [0xaf, 0],
        aac: [0xaf, 1],
      }[kind],
    );
    b[5] = variant;
    return b;
  };
  const write = fc.record({
    t: fc.constant('write' as const),
    kind: fc.constantFrom('key', 'inter', 'vseq', 'aseq', 'aac'),
    size: fc.integer({ min: 6, max: 600 }),
    variant: fc.nat(1),
  });
  const join = fc.record({ t: fc.constant('join' as const), form: fc.nat(11) });
  const take = fc.record({ t: fc.constant('take' as const), who: fc.nat(5) });

  it('holds what it counts, never more than maxCacheBytes of GOPs, whatever forms viewers encode in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(write, write, join, take), { maxLength: 200 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 500, max: 5000 }),
        (ops, gopNum, maxCacheBytes) => {
          const hub = new Hub({ gopNum, maxCacheBytes });
          const pub = hub.publish('a', 'b', { id: 'p', kind: 't' }, { onEnd() {} });
          const forms = Array.from({ length: 12 }, (_, i) => countingForm(`f${i}`));
          const viewers: ReturnType<Hub['subscribe']>[] = [];
          const cache = hub.stream('a', 'b')!.cache;
          let ts = 0;
          for (const o of ops) {
            if (o.t === 'write') {
              ts += 20;
              pub.write(
                o.kind === 'aseq' || o.kind === 'aac' ? 'audio' : 'video',
                ts,
                body(o.kind, o.size, o.variant),
              );
            } else if (o.t === 'join') {
              if (viewers.length < 6)
                viewers.push(
                  hub.subscribe(
                    'a',
                    'b',
                    { id: `v${viewers.length}`, kind: 't' },
                    recordingSink(forms[o.form]!),
                  ),
                );
            } else viewers[o.who]?.take();
            const snapshot = cache.snapshot();
            expect(cache.heldBytes).toBe(snapshot.reduce((n, p) => n + p.retainedBytes, 0));
            if (cache.gopCount > 0) expect(cache.heldBytes).toBeLessThanOrEqual(maxCacheBytes);
            for (const p of snapshot)
              expect(p.retainedBytes).toBeLessThanOrEqual(
                p.payload.length * (1 + MediaPacket.MAX_ENCODINGS) + 5 * MediaPacket.MAX_ENCODINGS,
              );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
