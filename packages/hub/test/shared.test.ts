/**
 * The shared path: caught-up viewers get each window of a stream in one write, encoded once per form;
 * a viewer that cannot take a window drains its own queue and comes back; every byte arrives once,
 * in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hub, type LiveStream, type OutputForm, type Subscriber } from '../src/index.js';
import { AUDIO_SEQ, aac, countingForm, decode, inter, key, VIDEO_SEQ } from './helpers.js';

interface Viewer {
  sub: Subscriber;
  /** Everything the connection received, shared windows and private takes alike, in order. */
  bytes: Uint8Array[];
  sharedWrites: number;
  accept: boolean;
  ended: string | undefined;
}

function setup(options: ConstructorParameters<typeof Hub>[0] = {}) {
  const opened: LiveStream[] = [];
  const hub = new Hub({ ...options, onSharedWindow: (s) => opened.push(s) });
  /** What the server's timer does: end each window that opened. */
  const flush = () => {
    for (const s of opened.splice(0)) s.flushShared();
  };
  return { hub, opened, flush };
}

function watch(hub: Hub, id: string, form: OutputForm): Viewer {
  const v: Viewer = {
    sub: undefined as unknown as Subscriber,
    bytes: [],
    sharedWrites: 0,
    accept: true,
    ended: undefined,
  };
  v.sub = hub.subscribe(
    'live',
    's',
    { id, kind: 'test' },
    {
      form,
      onData() {},
      writeShared(b) {
        if (!v.accept) return false;
        v.bytes.push(b);
        v.sharedWrites++;
        return true;
      },
      onEnd(reason) {
        v.ended = reason;
      },
    },
  );
  return v;
}

/** What the server's pump does: write out everything queued, then ask for the shared path. */
function drain(v: Viewer): void {
  v.bytes.push(...v.sub.take());
  v.sub.requestShared();
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Splits concatenated test-form messages (5-byte header + payload of a known length) back apart. */
function messages(bytes: Uint8Array, lengths: Map<number, number>): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const ts = new DataView(bytes.buffer, bytes.byteOffset + at).getUint32(1);
    const len = lengths.get(ts)!;
    out.push(`${bytes[at]}@${ts}`);
    at += 5 + len;
  }
  return out;
}

describe('the shared path', () => {
  it('gives caught-up viewers one write per window, encoded once per form', () => {
    const { hub, opened, flush } = setup();
    const pub = hub.publish('live', 's', { id: 'p', kind: 'test' }, { onEnd() {} });
    const form = countingForm('f');
    pub.write('video', 0, VIDEO_SEQ);
    pub.write('video', 0, key(1));
    const viewers = Array.from({ length: 5 }, (_, i) => watch(hub, `v${i}`, form));
    for (const v of viewers) drain(v); // the start-up burst, alone
    expect(opened).toEqual([]); // nobody on the path yet: no window
    pub.write('video', 33, inter(2)); // opens a window: the viewers join at its end
    expect(opened).toHaveLength(1);
    for (const v of viewers) drain(v);
    flush();
    const stream = hub.stream('live', 's')!;
    expect(stream.sharedViewers).toBe(5);
    const encodesBefore = form.encodes;
    for (let i = 3; i < 9; i++) pub.write(i % 2 ? 'audio' : 'video', i * 33, i % 2 ? aac(i) : inter(i));
    expect(opened).toHaveLength(1); // one window, one timer, however many packets
    for (const v of viewers) expect(v.sub.queuedPackets).toBe(0);
    flush();
    expect(form.encodes - encodesBefore).toBe(6); // once per packet, not per viewer
    for (const v of viewers) {
      expect(v.sharedWrites).toBe(1);
      // The burst, the packet taken alone before joining, then the window's first message.
      expect(decode(v.bytes).map((m) => m.timestampMs)).toEqual([0, 0, 33, 99]);
      expect(v.bytes.at(-1)!.length).toBe(3 * (5 + 13) + 3 * (5 + 4)); // three frames, three AAC
      expect(v.sub.stats.packetsOut).toBe(9);
    }
  });

  it('moves a viewer that cannot take a window to its own queue, and back once drained', () => {
    const { hub, flush } = setup();
    const pub = hub.publish('live', 's', { id: 'p', kind: 'test' }, { onEnd() {} });
    const form = countingForm('f');
    pub.write('video', 0, VIDEO_SEQ);
    pub.write('video', 0, key(0));
    const fast = watch(hub, 'fast', form);
    const slow = watch(hub, 'slow', form);
    drain(fast);
    drain(slow);
    let ts = 0;
    const frame = () => {
      ts += 33;
      pub.write('video', ts, inter(ts));
    };
    frame();
    drain(fast);
    drain(slow);
    flush(); // both join
    frame();
    slow.accept = false;
    flush();
    const stream = hub.stream('live', 's')!;
    expect(slow.sub.shared).toBe(false);
    expect(slow.sub.queuedPackets).toBe(1); // the window it could not take
    expect(stream.sharedViewers).toBe(1);
    frame(); // a private viewer gets packets one by one
    expect(slow.sub.queuedPackets).toBe(2);
    slow.accept = true;
    drain(slow);
    frame();
    drain(slow); // its pump keeps up again: empty at the boundary
    flush(); // back on at the boundary
    expect(slow.sub.shared).toBe(true);
    frame();
    flush();
    // The same bytes, in the same order, over a different mix of shared and private writes.
    expect(slow.sharedWrites).toBeLessThan(fast.sharedWrites);
    expect(concat(slow.bytes)).toEqual(concat(fast.bytes));
    expect(concat(fast.bytes).length).toBe(2 * 5 + VIDEO_SEQ.length + 13 + 5 * (5 + 13));
  });

  it('keeps the skip and drop rules for a viewer that stays backed up', () => {
    const { hub, flush } = setup({
      subscriber: { maxQueueMs: 1000, maxLagMs: 3000, maxQueueBytes: 1 << 20 },
    });
    const pub = hub.publish('live', 's', { id: 'p', kind: 'test' }, { onEnd() {} });
    const form = countingForm('f');
    pub.write('video', 0, VIDEO_SEQ);
    pub.write('video', 0, key(0));
    const v = watch(hub, 'v', form);
    drain(v);
    pub.write('video', 33, inter(1));
    drain(v);
    flush();
    expect(v.sub.shared).toBe(true);
    v.accept = false;
    for (let t = 66; t <= 5000 && v.ended === undefined; t += 33) {
      pub.write('video', t, t % 990 === 0 ? key(t) : inter(t));
      if (t % 99 === 0) flush();
    }
    expect(v.sub.stats.overflows).toBeGreaterThan(0);
    expect(v.ended).toBe('too-slow');
  });

  it('delivers every byte once and in order to every viewer, whatever the windows and stalls', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('frame' as const), kind: fc.constantFrom('audio', 'video') }),
      fc.record({ t: fc.constant('flush' as const) }),
      fc.record({ t: fc.constant('drain' as const), v: fc.nat(3) }),
      fc.record({ t: fc.constant('stall' as const), v: fc.nat(3), accept: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const { hub, flush } = setup();
        const pub = hub.publish('live', 's', { id: 'p', kind: 'test' }, { onEnd() {} });
        const forms = [countingForm('a'), countingForm('b')];
        const lengths = new Map<number, number>([
          [0, VIDEO_SEQ.length],
          [1, key(1).length],
        ]);
        pub.write('video', 0, VIDEO_SEQ);
        pub.write('video', 1, key(1));
        const viewers = [0, 1, 2, 3].map((i) => watch(hub, `v${i}`, forms[i % 2]!));
        let ts = 0;
        const sent: string[] = ['9@0', '9@1'];
        for (const o of ops) {
          if (o.t === 'frame') {
            ts += 10;
            const payload = o.kind === 'video' ? (ts % 100 === 0 ? key(ts) : inter(ts)) : aac(ts);
            lengths.set(ts, payload.length);
            pub.write(o.kind, ts, payload);
            sent.push(`${o.kind === 'video' ? 9 : 8}@${ts}`);
          } else if (o.t === 'flush') flush();
          else if (o.t === 'drain') drain(viewers[o.v]!);
          else viewers[o.v]!.accept = o.accept;
        }
        for (const v of viewers) v.accept = true;
        flush();
        for (const v of viewers) drain(v);
        for (const v of viewers) {
          expect(v.ended).toBeUndefined();
          expect(messages(concat(v.bytes), lengths)).toEqual(sent);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('dissolves at a publisher change: viewers drain alone to the new keyframe, then rejoin', () => {
    const { hub, flush } = setup();
    const form = countingForm('f');
    const a = hub.publish('live', 's', { id: 'a', kind: 'test' }, { onEnd() {} });
    a.write('video', 0, VIDEO_SEQ);
    a.write('audio', 0, AUDIO_SEQ);
    a.write('video', 0, key(0));
    const v = watch(hub, 'v', form);
    drain(v);
    a.write('video', 33, inter(1));
    drain(v);
    flush();
    a.write('video', 66, inter(2)); // pending in the window when A leaves
    a.close();
    expect(v.sub.shared).toBe(false);
    expect(decode(v.bytes).map((m) => m.timestampMs)).toEqual([0, 0, 0, 33, 66]);
    expect(v.sharedWrites).toBe(1);
    const b = hub.publish('live', 's', { id: 'b', kind: 'test' }, { onEnd() {} });
    b.write('video', 5000, inter(3)); // before B's keyframe: not sent
    b.write('video', 5033, VIDEO_SEQ);
    b.write('video', 5066, key(4));
    drain(v);
    b.write('video', 5100, inter(5));
    drain(v);
    flush();
    b.write('video', 5133, inter(6));
    flush();
    expect(v.sub.shared).toBe(true);
    // B's header and keyframe alone (its inter frame before them skipped), then the shared window.
    const after = decode(v.bytes).slice(5);
    expect(after.map((m) => Array.from(m.payload.subarray(0, 2)))).toEqual([
      [0x17, 0],
      [0x17, 1],
      [0x27, 1],
      [0x27, 1],
    ]);
    // Rebased to follow A's last timestamp.
    expect(after.map((m) => m.timestampMs)).toEqual([100, 133, 167, 200]);
    expect(v.sharedWrites).toBe(2);
  });

  it('is off without onSharedWindow: viewers keep their own queues', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 's', { id: 'p', kind: 'test' }, { onEnd() {} });
    pub.write('video', 0, VIDEO_SEQ);
    const v = watch(hub, 'v', countingForm());
    drain(v);
    pub.write('video', 0, key(0));
    expect(v.sub.shared).toBe(false);
    expect(v.sub.queuedPackets).toBe(1);
  });
});
