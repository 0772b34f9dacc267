import { encodeFlvTag, encodeScriptTag } from '@livego/flv';
import { describe, expect, it } from 'vitest';
import { Hub, HubError, MediaPacket, type Publisher, type Subscriber } from '../src/index.js';
import {
  AUDIO_SEQ,
  aac,
  countingForm,
  decode,
  inter,
  isKeyframeBody,
  key,
  recordingSink,
  VIDEO_SEQ,
} from './helpers.js';

const pubSink = () => ({ onEnd() {} });
const META = encodeScriptTag('onMetaData', { duration: 0 });
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Writes GOPs of `frames` video frames 40 ms apart (keyframe first), one audio frame each; returns the next ts. */
function feed(pub: Publisher, gops: number, frames: number, startMs: number): number {
  let ts = startMs;
  for (let g = 0; g < gops; g++) {
    for (let f = 0; f < frames; f++) {
      pub.write('video', ts, f === 0 ? key(g) : inter(f));
      pub.write('audio', ts, aac(f));
      ts += 40;
    }
  }
  return ts;
}

/** A stream whose headers and metadata were sent at timestamp 0 and that has run `minutes` of media. */
function longRunning(hub: Hub, minutes: number): { pub: Publisher; ts: number } {
  const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
  pub.write('data', 0, META);
  pub.write('video', 0, VIDEO_SEQ);
  pub.write('audio', 0, AUDIO_SEQ);
  // One-second GOPs (25 frames of 40 ms).
  return { pub, ts: feed(pub, minutes * 60, 25, 0) };
}

describe('late joiner bounds (issue 11.1)', () => {
  it('skips a stalled late joiner of a long-running stream at maxQueueMs and drops it after maxLagMs, like any viewer', () => {
    const hub = new Hub({ subscriber: { maxQueueBytes: 1 << 30, maxQueueMs: 10_000, maxLagMs: 20_000 } });
    const { pub, ts: joinTs } = longRunning(hub, 5);
    const late = hub.subscribe('live', 'm', { id: 'late', kind: 'x' }, recordingSink(countingForm()));
    expect(late.queuedPackets).toBe(3 + 50); // metadata, headers, then one 1 s GOP with its audio
    // Its socket takes the first few messages of the burst, then stalls for good.
    expect(late.takePackets(10).map((p) => p.timestampMs)).toEqual([
      0,
      0,
      0,
      ...[0, 0, 40, 40, 80, 80, 120].map((t) => joinTs - 1000 + t),
    ]);
    let ts = joinTs;
    let overflowAtMs: number | undefined;
    let endedAtMs: number | undefined;
    for (let i = 0; i < 60 * 25 && endedAtMs === undefined; i++) {
      pub.write('video', ts, i % 25 === 0 ? key(i) : inter(i));
      pub.write('audio', ts, aac(i));
      if (overflowAtMs === undefined && late.stats.overflows > 0) overflowAtMs = ts - joinTs;
      if (late.closed) endedAtMs = ts - joinTs;
      ts += 40;
    }
    // The allowance is the burst's one second of media, not the five minutes since the headers.
    expect(overflowAtMs).toBeDefined();
    expect(overflowAtMs!).toBeGreaterThanOrEqual(9_000);
    expect(overflowAtMs!).toBeLessThanOrEqual(11_000);
    expect(endedAtMs).toBeDefined();
    expect(endedAtMs! - overflowAtMs!).toBeGreaterThan(20_000);
    expect(endedAtMs! - overflowAtMs!).toBeLessThanOrEqual(20_040);
  });

  it('a late joiner of a long-running stream that falls behind once resumes at a keyframe and is kept', () => {
    const hub = new Hub({ subscriber: { maxQueueBytes: 1 << 30, maxQueueMs: 2_000, maxLagMs: 4_000 } });
    const { pub, ts: joinTs } = longRunning(hub, 5);
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'x' }, recordingSink(countingForm()));
    let ts = feed(pub, 3, 25, joinTs); // 3 s unread (the burst too): over the bound
    expect(sub.stats.overflows).toBe(1);
    const got: Array<{ type: number; payload: Uint8Array }> = [];
    for (let i = 0; i < 250; i++) {
      pub.write('video', ts, i % 25 === 0 ? key(i) : inter(i));
      pub.write('audio', ts, aac(i));
      ts += 40;
      got.push(...decode(sub.take()));
    }
    // The headers kept from timestamp 0 are not queued media: the next keyframe is not dropped again.
    expect(got.slice(0, 3).map((d) => d.payload)).toEqual([META, VIDEO_SEQ, AUDIO_SEQ]);
    const video = got.filter((d) => d.type === 9 && d.payload[1] === 1);
    expect(isKeyframeBody(video[0]!.payload)).toBe(true);
    expect(video.length).toBeGreaterThanOrEqual(250); // every frame sent while it reads, and those since the skip
    expect(sub.stats.overflows).toBe(1);
    expect(sub.closed).toBe(false);
  });
});

describe('overflow at a keyframe (issue 11.4)', () => {
  it('resumes at the keyframe that overflowed the queue, after the kept headers', () => {
    const hub = new Hub({ subscriber: { maxQueueBytes: 1 << 20, maxQueueMs: 360, maxLagMs: 5_000 } });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'x' }, recordingSink(countingForm()));
    pub.write('data', 0, META);
    pub.write('video', 0, VIDEO_SEQ);
    pub.write('audio', 0, AUDIO_SEQ);
    // 0..360 ms queue 360 ms; the keyframe at 400 ms takes the queue over its bound.
    feed(pub, 1, 10, 0);
    expect(sub.stats.overflows).toBe(0);
    pub.write('video', 400, key(1));
    expect(sub.stats.overflows).toBe(1);
    expect(sub.skipping).toBe(false);
    pub.write('audio', 400, aac(1));
    pub.write('video', 440, inter(1));
    const got = decode(sub.take());
    expect(got.map((d) => d.payload)).toEqual([META, VIDEO_SEQ, AUDIO_SEQ, key(1), aac(1), inter(1)]);
    expect(got[3]!.timestampMs).toBe(400);
    expect(sub.stats.droppedPackets).toBe(20);
  });

  it('an inter frame that overflows still skips to the next keyframe', () => {
    const hub = new Hub({ subscriber: { maxQueueBytes: 1 << 20, maxQueueMs: 300, maxLagMs: 5_000 } });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'x' }, recordingSink(countingForm()));
    pub.write('video', 0, VIDEO_SEQ);
    feed(pub, 1, 10, 0);
    expect(sub.stats.overflows).toBe(1);
    expect(sub.skipping).toBe(true);
    pub.write('video', 400, key(1));
    expect(decode(sub.take()).map((d) => d.payload)).toEqual([VIDEO_SEQ, key(1)]);
  });
});

describe('subscribe delivers after it returns (issue 11.5)', () => {
  const flv = {
    id: 'flv',
    encode: (p: MediaPacket) =>
      encodeFlvTag({
        type: p.kind === 'audio' ? 8 : p.kind === 'video' ? 9 : 18,
        timestampMs: p.timestampMs,
        data: p.payload,
      }),
  };

  function liveHub(): { hub: Hub; pub: Publisher } {
    const hub = new Hub({ gopNum: 1 });
    const pub = hub.publish('live', 'movie', { id: 'p1', kind: 'rtmp' }, pubSink());
    pub.write('video', 0, VIDEO_SEQ);
    feed(pub, 2, 3, 0);
    return { hub, pub };
  }

  it("runs the README's pattern: the returned viewer is read in onData", async () => {
    const { hub } = liveHub();
    const out: Uint8Array[] = [];
    const ended: string[] = [];
    let calls = 0;
    // As in the README: `viewer` is the value subscribe() returns, used from onData.
    const viewer = hub.subscribe(
      'live',
      'movie',
      { id: 'v1', kind: 'http-flv' },
      {
        form: flv,
        onData: () => {
          calls++;
          for (const bytes of viewer.take(64 * 1024)) out.push(bytes);
        },
        onUnpublish: () => viewer.close(),
        onEnd: (reason) => ended.push(reason),
      },
    );
    expect(calls).toBe(0);
    expect(viewer.queuedPackets).toBe(7); // the burst is queued at subscribe: header + 6 packets
    await nextTurn();
    expect(calls).toBe(1);
    expect(out).toHaveLength(7);
    expect(out[0]).toEqual(
      flv.encode(
        new MediaPacket('video', 0, VIDEO_SEQ, { keyframe: false, sequenceHeader: true, metadata: false }),
      ),
    );
    expect(hub.stream('live', 'movie')!.subscribers.size).toBe(1);
    expect(ended).toEqual([]);
  });

  it('does not call onData for a viewer closed before the delivery', async () => {
    const { hub } = liveHub();
    const sink = recordingSink(countingForm());
    const sub = hub.subscribe('live', 'movie', { id: 'v', kind: 'x' }, sink);
    sub.close();
    await nextTurn();
    expect(sink.dataCalls).toBe(0);
  });

  it('does not repeat an onData that a live packet already fired', async () => {
    const { hub, pub } = liveHub();
    const sink = recordingSink(countingForm());
    const sub = hub.subscribe('live', 'movie', { id: 'v', kind: 'x' }, sink);
    pub.write('audio', 240, aac(9));
    expect(sink.dataCalls).toBe(1);
    await nextTurn();
    expect(sink.dataCalls).toBe(1);
    expect(decode(sub.take())).toHaveLength(8);
  });

  it('does not call onData when the burst was taken before the delivery', async () => {
    const { hub } = liveHub();
    const sink = recordingSink(countingForm());
    const sub = hub.subscribe('live', 'movie', { id: 'v', kind: 'x' }, sink);
    expect(sub.take()).toHaveLength(7);
    await nextTurn();
    expect(sink.dataCalls).toBe(0);
  });
});

describe('bounded encodings per packet (issue 11.2)', () => {
  const packet = () =>
    new MediaPacket('video', 0, key(1), { keyframe: true, sequenceHeader: false, metadata: false });

  it('keeps at most MAX_ENCODINGS encodings, evicting the oldest, and re-encodes on a miss', () => {
    const p = packet();
    const forms = Array.from({ length: 20 }, (_, i) => countingForm(`rtmp:4096:${i}`));
    for (const f of forms) p.encoded(f);
    const one = forms[0]!.encode(p).length;
    forms[0]!.encodes = 0;
    expect(p.retainedBytes).toBe(p.payload.length + MediaPacket.MAX_ENCODINGS * one);
    // The newest forms are still memoised ...
    const newest = forms[19]!;
    const before = newest.encodes;
    p.encoded(newest);
    expect(newest.encodes).toBe(before);
    // ... the oldest was evicted: encoded again, with the same bytes.
    const again = p.encoded(forms[0]!);
    expect(forms[0]!.encodes).toBe(1);
    expect(again).toEqual(forms[0]!.encode(p));
    expect(p.retainedBytes).toBe(p.payload.length + MediaPacket.MAX_ENCODINGS * one);
  });

  it('shares one encoding between form objects with the same id', () => {
    const p = packet();
    const a = countingForm('flv');
    const b = countingForm('flv');
    expect(p.encoded(b)).toBe(p.encoded(a));
    expect(a.encodes + b.encodes).toBe(1);
  });

  it('does not count an encoding that is the payload itself', () => {
    const p = packet();
    p.encoded({ id: 'payload', encode: (q) => q.payload });
    expect(p.retainedBytes).toBe(p.payload.length);
  });
});

describe('start-up cache counts encodings (issue 11.6)', () => {
  const body = (keyframe: boolean, size: number) => {
    const b = new Uint8Array(size);
    b[0] = keyframe ? 0x17 : 0x27;
    b[1] = 1;
    return b;
  };
  const held = (hub: Hub) =>
    hub
      .stream('live', 'm')!
      .cache.snapshot()
      .reduce((n, p) => n + p.retainedBytes, 0);

  it('stays under maxCacheBytes as viewers add encodings to cached packets', () => {
    const hub = new Hub({ gopNum: 2, maxCacheBytes: 4000 });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    pub.write('video', 0, VIDEO_SEQ);
    // Two GOPs of 1800 payload bytes each: 3600 + the header fit in 4000 before any encoding.
    let ts = 0;
    for (let g = 0; g < 2; g++) {
      for (let f = 0; f < 5; f++) {
        pub.write('video', ts, body(f === 0, f === 0 ? 1000 : 200));
        ts += 40;
      }
    }
    const cache = hub.stream('live', 'm')!.cache;
    expect(cache.gopCount).toBe(2);
    expect(cache.heldBytes).toBe(held(hub));
    // A viewer's encoding doubles what the cached packets hold: the older GOP has to go.
    const sub = hub.subscribe('live', 'm', { id: 'v', kind: 'x' }, recordingSink(countingForm('a')));
    expect(held(hub)).toBeLessThanOrEqual(4000);
    expect(cache.heldBytes).toBe(held(hub));
    expect(cache.gopCount).toBe(1);
    // The viewer still got both GOPs it was sent.
    expect(decode(sub.take()).filter((d) => d.type === 9)).toHaveLength(11);
    // A second form would take the current GOP over the bound too: cached nothing until the next keyframe.
    hub.subscribe('live', 'm', { id: 'w', kind: 'x' }, recordingSink(countingForm('b')));
    expect(held(hub)).toBeLessThanOrEqual(4000);
    expect(cache.heldBytes).toBe(held(hub));
    expect(cache.hasKeyframe).toBe(false);
    pub.write('video', ts, body(true, 300));
    expect(cache.gopCount).toBe(1);
    expect(cache.heldBytes).toBe(held(hub));
  });

  it('counts a live viewer encoding packets as they arrive, and replaced headers are no longer counted', () => {
    const hub = new Hub({ gopNum: 1, maxCacheBytes: 1 << 20 });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    hub.subscribe('live', 'm', { id: 'v', kind: 'x' }, recordingSink(countingForm('a')));
    pub.write('video', 0, VIDEO_SEQ);
    pub.write('data', 0, META);
    feed(pub, 3, 4, 0);
    const cache = hub.stream('live', 'm')!.cache;
    expect(cache.heldBytes).toBe(held(hub));
    pub.write('data', 500, META);
    pub.write('video', 500, VIDEO_SEQ);
    expect(cache.heldBytes).toBe(held(hub));
  });
});

describe('fan-out while callbacks change the subscriber set (issue 11.9)', () => {
  it('a viewer added or removed from a callback during fan-out gets each packet at most once', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    pub.write('video', 0, VIDEO_SEQ);
    const form = countingForm();
    let joined: Subscriber | undefined;
    let removeB = false;
    const a = hub.subscribe(
      'live',
      'm',
      { id: 'a', kind: 'x' },
      {
        ...recordingSink(form),
        onData: () => {
          // The first keyframe makes A bring in a friend, the third makes it close B.
          const stream = hub.stream('live', 'm')!;
          if (joined === undefined && stream.cache.hasKeyframe)
            joined = hub.subscribe('live', 'm', { id: 'c', kind: 'x' }, recordingSink(form));
          if (removeB) {
            b.close();
            removeB = false;
          }
        },
      },
    );
    const b = hub.subscribe('live', 'm', { id: 'b', kind: 'x' }, recordingSink(form));
    const d = hub.subscribe('live', 'm', { id: 'd', kind: 'x' }, recordingSink(form));
    let ts = feed(pub, 2, 5, 0);
    removeB = true;
    ts = feed(pub, 1, 5, ts);
    const all = (s: Subscriber) => decode(s.take()).map((x) => `${x.type}@${x.timestampMs}`);
    const expected = (from: number) =>
      [
        ['9@0'],
        Array.from({ length: (ts - from) / 40 }, (_, i) => [`9@${from + i * 40}`, `8@${from + i * 40}`]),
      ].flat(2);
    expect(all(a)).toEqual(expected(0));
    expect(all(d)).toEqual(expected(0));
    // C joined at the first keyframe: the burst holds it, and no packet came twice.
    expect(all(joined!)).toEqual(expected(0));
    expect(b.closed).toBe(true);
    expect(hub.stream('live', 'm')!.subscribers.size).toBe(3);
  });

  it('a viewer dropped as too slow during fan-out does not disturb the others', () => {
    const hub = new Hub({ subscriber: { maxQueueBytes: 1 << 20, maxQueueMs: 200, maxLagMs: 400 } });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const subs = Array.from({ length: 5 }, (_, i) =>
      hub.subscribe('live', 'm', { id: `s${i}`, kind: 'x' }, recordingSink(countingForm())),
    );
    const taken = subs.map(() => 0);
    let ts = 0;
    for (let i = 0; i < 100; i++) {
      pub.write('video', ts, i % 5 === 0 ? key(i) : inter(i));
      ts += 40;
      // Viewers 1 and 3 never read.
      for (const j of [0, 2, 4]) taken[j]! += subs[j]!.take().length;
    }
    expect(subs.map((s) => s.closed)).toEqual([false, true, false, true, false]);
    expect([taken[0], taken[2], taken[4]]).toEqual([100, 100, 100]);
    expect(hub.stream('live', 'm')!.subscribers.size).toBe(3);
  });
});

describe('hub limits', () => {
  it('refuses a viewer over maxSubscribersPerStream, internal subscribers aside', () => {
    const hub = new Hub({ maxSubscribersPerStream: 3 });
    const events: string[] = [];
    hub.on((e) => events.push(e.type));
    const subs = [0, 1, 2].map((i) =>
      hub.subscribe('live', 'x', { id: `v${i}`, kind: 'x' }, recordingSink(countingForm())),
    );
    let err: unknown;
    try {
      hub.subscribe('live', 'x', { id: 'v3', kind: 'x' }, recordingSink(countingForm()));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HubError);
    expect(err).toMatchObject({
      code: 'HUB_TOO_MANY_VIEWERS',
      message: 'stream live/x has 3 viewers, limit is 3',
    });
    expect(events).toEqual(['subscribe', 'subscribe', 'subscribe']);
    expect(hub.stream('live', 'x')!.subscribers.size).toBe(3);
    hub.subscribe('live', 'x', { id: 'hls', kind: 'hls', internal: true }, recordingSink(countingForm()));
    subs[0]!.close();
    expect(() =>
      hub.subscribe('live', 'x', { id: 'v4', kind: 'x' }, recordingSink(countingForm())),
    ).not.toThrow();
  });

  it('counts the viewers served elsewhere against maxSubscribersPerStream', () => {
    const elsewhere = new Map([['live/x', 2]]);
    const hub = new Hub({ maxSubscribersPerStream: 3, viewersElsewhere: (key) => elsewhere.get(key) ?? 0 });
    hub.subscribe('live', 'x', { id: 'v0', kind: 'x' }, recordingSink(countingForm()));
    expect(() =>
      hub.subscribe('live', 'x', { id: 'v1', kind: 'x' }, recordingSink(countingForm())),
    ).toThrowError(
      expect.objectContaining({
        code: 'HUB_TOO_MANY_VIEWERS',
        message: 'stream live/x has 3 viewers, limit is 3',
      }),
    );
    // Another stream, and this one once the others left, have room.
    hub.subscribe('live', 'y', { id: 'v2', kind: 'x' }, recordingSink(countingForm()));
    elsewhere.set('live/x', 1);
    hub.subscribe('live', 'x', { id: 'v3', kind: 'x' }, recordingSink(countingForm()));
    expect(hub.stream('live', 'x')!.subscribers.size).toBe(2);
  });

  it('refuses a stream over maxStreams, whether published or waited for', () => {
    const hub = new Hub({ maxStreams: 2 });
    const pub = hub.publish('live', 'a', { id: 'p', kind: 'rtmp' }, pubSink());
    const waiting = hub.subscribe('live', 'b', { id: 'v', kind: 'x' }, recordingSink(countingForm()));
    const expected = {
      code: 'HUB_TOO_MANY_STREAMS',
      message: 'cannot add stream live/c: the hub holds 2 streams, limit is 2',
    };
    expect(() => hub.publish('live', 'c', { id: 'p2', kind: 'rtmp' }, pubSink())).toThrowError(
      expect.objectContaining(expected),
    );
    expect(() =>
      hub.subscribe('live', 'c', { id: 'v2', kind: 'x' }, recordingSink(countingForm())),
    ).toThrowError(expect.objectContaining(expected));
    expect(hub.streams()).toHaveLength(2);
    // Streams held already stay usable.
    hub.subscribe('live', 'a', { id: 'v3', kind: 'x' }, recordingSink(countingForm()));
    hub.publish('live', 'b', { id: 'p3', kind: 'rtmp' }, pubSink());
    // Once one is forgotten there is room again.
    pub.close();
    for (const s of [...hub.stream('live', 'a')!.subscribers]) s.close();
    expect(hub.streams()).toHaveLength(1);
    hub.publish('live', 'c', { id: 'p4', kind: 'rtmp' }, pubSink());
    expect(waiting.closed).toBe(false);
  });

  it('defaults to 10000 viewers per stream and 1000 streams', () => {
    const hub = new Hub();
    for (let i = 0; i < 10_000; i++)
      hub.subscribe('live', 'x', { id: `v${i}`, kind: 'x' }, recordingSink(countingForm()));
    expect(() =>
      hub.subscribe('live', 'x', { id: 'one-more', kind: 'x' }, recordingSink(countingForm())),
    ).toThrowError(expect.objectContaining({ code: 'HUB_TOO_MANY_VIEWERS' }));
    for (let i = 1; i < 1000; i++) hub.publish('live', `s${i}`, { id: `p${i}`, kind: 'rtmp' }, pubSink());
    expect(() => hub.publish('live', 'last', { id: 'p', kind: 'rtmp' }, pubSink())).toThrowError(
      expect.objectContaining({ code: 'HUB_TOO_MANY_STREAMS' }),
    );
  });

  it('rejects limits that make no sense', () => {
    expect(() => new Hub({ maxStreams: 0 })).toThrow(TypeError);
    expect(() => new Hub({ maxSubscribersPerStream: -1 })).toThrow(TypeError);
    expect(() => new Hub({ maxStreams: 2.5 })).toThrow(TypeError);
  });
});
