import { describe, expect, it } from 'vitest';
import { Hub, HubError, type MediaPacket, type Subscriber } from '../src/index.js';
import {
  AUDIO_SEQ,
  aac,
  countingForm,
  decode,
  inter,
  isInterBody,
  isKeyframeBody,
  key,
  mp3,
  recordingSink,
  VIDEO_SEQ,
  VIDEO_SEQ_2,
} from './helpers.js';

const pubSink = () => {
  const s = { ended: [] as string[], onEnd: (r: string) => s.ended.push(r) };
  return s;
};

/** Publishes headers and `gops` GOPs of `frames` video frames (40 ms apart) with one audio frame each. */
function feed(pub: ReturnType<Hub['publish']>, gops: number, frames = 5, startMs = 0): number {
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

describe('start-up cache', () => {
  it('starts a late viewer with headers, then the cached GOP from its keyframe', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'movie', { id: 'p', kind: 'rtmp' }, pubSink());
    pub.write('video', 0, VIDEO_SEQ);
    pub.write('audio', 0, AUDIO_SEQ);
    feed(pub, 3, 5);
    const sink = recordingSink(countingForm());
    const sub = hub.subscribe('live', 'movie', { id: 's', kind: 'rtmp' }, sink);
    const got = decode(sub.take());
    expect(got[0]!.payload).toEqual(VIDEO_SEQ);
    expect(got[1]!.payload).toEqual(AUDIO_SEQ);
    const media = got.slice(2);
    expect(isKeyframeBody(media[0]!.payload)).toBe(true);
    expect(media[0]!.timestampMs).toBe(2 * 5 * 40); // the last GOP (gop_num 1)
    expect(media).toHaveLength(10); // 5 video + 5 audio: audio is cached too (livego caches video only)
    expect(media.filter((m) => m.type === 8)).toHaveLength(5);
  });

  it.each([2, 3, 5])('keeps exactly %i GOPs (livego crashes at gop_num >= 3)', (gopNum) => {
    const hub = new Hub({ gopNum });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    pub.write('video', 0, VIDEO_SEQ);
    feed(pub, 8, 4);
    expect(hub.stream('live', 'm')!.cache.gopCount).toBe(gopNum);
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'rtmp' }, recordingSink(countingForm()));
    const video = decode(sub.take()).filter((d) => d.type === 9);
    expect(video.filter((v) => isKeyframeBody(v.payload))).toHaveLength(gopNum);
    expect(isKeyframeBody(video[1]!.payload)).toBe(true);
  });

  it('with gop_num 0 sends headers only and starts the viewer at the next keyframe', () => {
    const hub = new Hub({ gopNum: 0 });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    pub.write('video', 0, VIDEO_SEQ);
    let ts = feed(pub, 2, 4);
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'rtmp' }, recordingSink(countingForm()));
    expect(decode(sub.take()).map((d) => d.payload)).toEqual([VIDEO_SEQ]);
    pub.write('video', ts, inter(1));
    pub.write('audio', ts, aac(1));
    expect(sub.take()).toEqual([]);
    ts += 40;
    pub.write('video', ts, key(9));
    pub.write('audio', ts, aac(2));
    const got = decode(sub.take());
    expect(isKeyframeBody(got[0]!.payload)).toBe(true);
    expect(got).toHaveLength(2);
  });

  it('drops cached GOPs when the video sequence header changes', () => {
    const hub = new Hub({ gopNum: 2 });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    pub.write('video', 0, VIDEO_SEQ);
    const ts = feed(pub, 2, 3);
    pub.write('video', ts, VIDEO_SEQ_2);
    const stream = hub.stream('live', 'm')!;
    expect(stream.cache.gopCount).toBe(0);
    pub.write('video', ts, key(7));
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'rtmp' }, recordingSink(countingForm()));
    const got = decode(sub.take());
    expect(got.map((g) => g.payload)).toEqual([VIDEO_SEQ_2, key(7)]);
  });

  it('bounds the cache: a GOP larger than the limit is not cached, and the viewer waits for a keyframe', () => {
    const hub = new Hub({ maxCacheBytes: 100 });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    pub.write('video', 0, VIDEO_SEQ);
    feed(pub, 1, 20);
    expect(hub.stream('live', 'm')!.cache.heldBytes).toBeLessThanOrEqual(100);
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'rtmp' }, recordingSink(countingForm()));
    expect(decode(sub.take()).map((d) => d.payload)).toEqual([VIDEO_SEQ]);
    expect(sub.skipping).toBe(true);
  });

  it('plays an audio-only stream (MP3 too) to a late viewer at once', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'radio', { id: 'p', kind: 'rtmp' }, pubSink());
    for (let i = 0; i < 5; i++) pub.write('audio', i * 26, mp3(i));
    const sub = hub.subscribe('live', 'radio', { id: 's', kind: 'rtmp' }, recordingSink(countingForm()));
    expect(sub.take()).toEqual([]);
    pub.write('audio', 200, mp3(9));
    expect(decode(sub.take()).map((d) => d.payload)).toEqual([mp3(9)]);
  });
});

describe('fan-out', () => {
  it('encodes each message once per output form, whatever the number of viewers', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const rtmp = countingForm('rtmp:4096:1');
    const flv = countingForm('flv');
    const subs = Array.from({ length: 20 }, (_, i) =>
      hub.subscribe('live', 'm', { id: `s${i}`, kind: 'x' }, recordingSink(i % 2 ? rtmp : flv)),
    );
    pub.write('video', 0, VIDEO_SEQ);
    feed(pub, 2, 5);
    const taken = subs.map((s) => s.take());
    expect(rtmp.encodes).toBe(21);
    expect(flv.encodes).toBe(21);
    // Viewers of one form get the very same buffers.
    expect(taken[0]![3]).toBe(taken[2]![3]);
    expect(taken[1]![3]).toBe(taken[3]![3]);
  });

  it('hands out a batch no larger than asked (but at least one message)', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'x' }, recordingSink(countingForm()));
    feed(pub, 1, 10);
    const first = sub.take(1);
    expect(first).toHaveLength(1);
    const rest = sub.take(40);
    expect(rest.reduce((n, b) => n + b.length, 0)).toBeGreaterThanOrEqual(40);
    expect(rest.length).toBeLessThan(19);
  });

  it('a viewer that stops reading stays under its bound, skips to keyframes, and is dropped in time; others get everything', () => {
    const hub = new Hub({ subscriber: { maxQueueBytes: 400, maxQueueMs: 1000, maxLagMs: 3000 } });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const slowSink = recordingSink(countingForm());
    const slow = hub.subscribe('live', 'm', { id: 'slow', kind: 'x' }, slowSink);
    const fast = hub.subscribe('live', 'm', { id: 'fast', kind: 'x' }, recordingSink(countingForm()));
    const events: string[] = [];
    hub.on((e) =>
      events.push(e.type === 'unsubscribe' ? `${e.type}:${e.subscriber.id}:${e.reason}` : e.type),
    );
    pub.write('video', 0, VIDEO_SEQ);
    let received = 0;
    let ts = 0;
    let maxQueued = 0;
    for (let g = 0; g < 40; g++) {
      for (let f = 0; f < 10; f++) {
        pub.write('video', ts, f === 0 ? key(g) : inter(f));
        pub.write('audio', ts, aac(f));
        ts += 40;
        maxQueued = Math.max(maxQueued, slow.queuedByteCount);
        received += fast.take().length;
      }
    }
    expect(received).toBe(1 + 40 * 20);
    expect(fast.stats.droppedPackets).toBe(0);
    expect(maxQueued).toBeLessThanOrEqual(400 + 20);
    expect(slowSink.ended).toEqual(['too-slow']);
    expect(slow.closed).toBe(true);
    expect(events).toContain('unsubscribe:slow:too-slow');
    // Dropped within the lag limit plus one queue's worth of media, not at the end of the stream.
    expect(slow.stats.overflows).toBeGreaterThan(0);
    expect(hub.stream('live', 'm')!.subscribers.size).toBe(1);
  });

  it('a viewer that falls behind once and catches up resumes at a keyframe and is kept', () => {
    const hub = new Hub({ subscriber: { maxQueueBytes: 1 << 20, maxQueueMs: 500, maxLagMs: 2000 } });
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'x' }, recordingSink(countingForm()));
    pub.write('video', 0, VIDEO_SEQ);
    sub.take();
    let ts = feed(pub, 2, 10); // 800 ms unread: over the 500 ms bound
    expect(sub.stats.overflows).toBe(1);
    expect(sub.skipping).toBe(true);
    const video: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) {
      pub.write('video', ts, i % 10 === 0 ? key(i) : inter(i));
      pub.write('audio', ts, aac(i));
      ts += 40;
      for (const d of decode(sub.take())) if (d.type === 9) video.push(d.payload);
    }
    // After the skip, the first video frame is a keyframe: the picture never decodes from a gap.
    expect(isKeyframeBody(video[0]!)).toBe(true);
    expect(video).toHaveLength(100);
    expect(sub.stats.overflows).toBe(1);
    expect(sub.closed).toBe(false);
  });
});

describe('publishers', () => {
  it('a second publisher takes over: the old one is ended, viewers stay with monotonic timestamps', () => {
    const hub = new Hub();
    const oldSink = pubSink();
    const first = hub.publish('live', 'm', { id: 'p1', kind: 'rtmp' }, oldSink);
    const viewerSink = recordingSink(countingForm());
    const viewer = hub.subscribe('live', 'm', { id: 'v', kind: 'x' }, viewerSink);
    first.write('video', 5000, VIDEO_SEQ);
    feed(first, 2, 5, 5000);
    const before = decode(viewer.take());
    const events: string[] = [];
    hub.on((e) => events.push(`${e.type}${e.type === 'publish' ? `:${e.takeover}` : ''}`));
    const second = hub.publish('live', 'm', { id: 'p2', kind: 'rtmp' }, pubSink());
    expect(oldSink.ended).toEqual(['takeover']);
    expect(first.closed).toBe(true);
    expect(events).toEqual(['publish:true']);
    expect(viewerSink.unpublished).toBe(0);
    expect(viewerSink.published).toBe(1);
    // The new encoder starts its clock at 0.
    second.write('video', 0, VIDEO_SEQ);
    second.write('audio', 0, AUDIO_SEQ);
    second.write('video', 0, inter(1)); // not decodable without a keyframe: skipped
    feed(second, 2, 5, 0);
    const after = decode(viewer.take());
    const all = [...before, ...after];
    for (let i = 1; i < all.length; i++)
      expect(all[i]!.timestampMs).toBeGreaterThanOrEqual(all[i - 1]!.timestampMs);
    expect(after[0]!.payload).toEqual(VIDEO_SEQ);
    expect(after.find((d) => d.type === 9 && !isInterBody(d.payload) && d.payload[1] === 1)!.payload).toEqual(
      key(0),
    );
    expect(after.filter((d) => isInterBody(d.payload))).toHaveLength(8);
    expect(first.write('video', 9999, key(1)).packet).toBeUndefined();
  });

  it('refuses a second publisher when takeover is off', () => {
    const hub = new Hub({ takeover: false });
    hub.publish('live', 'm', { id: 'p1', kind: 'rtmp' }, pubSink());
    expect(() => hub.publish('live', 'm', { id: 'p2', kind: 'rtmp' }, pubSink())).toThrowError(
      expect.objectContaining({ code: 'HUB_STREAM_BUSY' }),
    );
    expect(() => hub.publish('live', 'm', { id: 'p2', kind: 'rtmp' }, pubSink())).toThrow(HubError);
  });

  it('a viewer that arrives before the publisher starts at its first keyframe', () => {
    const hub = new Hub();
    const sink = recordingSink(countingForm());
    const viewer = hub.subscribe('live', 'early', { id: 'v', kind: 'rtmp' }, sink);
    expect(hub.stream('live', 'early')!.publisher).toBeUndefined();
    const pub = hub.publish('live', 'early', { id: 'p', kind: 'rtmp' }, pubSink());
    expect(sink.published).toBe(1);
    pub.write('video', 0, VIDEO_SEQ);
    feed(pub, 1, 3);
    const got = decode(viewer.take());
    expect(got[0]!.payload).toEqual(VIDEO_SEQ);
    expect(isKeyframeBody(got[1]!.payload)).toBe(true);
  });

  it('tells viewers when the publisher leaves and forgets the stream when nobody is left', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const sink = recordingSink(countingForm());
    const viewer = hub.subscribe('live', 'm', { id: 'v', kind: 'x' }, sink);
    const events: string[] = [];
    hub.on((e) => events.push(e.type));
    pub.close();
    expect(sink.unpublished).toBe(1);
    expect(events).toEqual(['unpublish']);
    expect(hub.streams()).toHaveLength(1);
    viewer.close();
    expect(sink.ended).toEqual([]); // a close the server asked for is not echoed back
    expect(events).toEqual(['unpublish', 'unsubscribe']);
    expect(hub.streams()).toHaveLength(0);
  });

  it('drops a message whose tag header does not parse, and goes on', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const viewer = hub.subscribe('live', 'm', { id: 'v', kind: 'x' }, recordingSink(countingForm()));
    const bad = pub.write('video', 0, new Uint8Array(0));
    expect(bad.packet).toBeUndefined();
    expect(bad.error).toMatchObject({ code: expect.stringMatching(/^FLV_/) });
    pub.write('video', 0, key(1));
    expect(decode(viewer.take())).toHaveLength(1);
    expect(hub.stream('live', 'm')!.stats.corruptPackets).toBe(1);
  });

  it('closing the hub ends everyone', () => {
    const hub = new Hub();
    const ps = pubSink();
    hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, ps);
    const sink = recordingSink(countingForm());
    hub.subscribe('live', 'm', { id: 'v', kind: 'x' }, sink);
    hub.close();
    expect(ps.ended).toEqual(['hub-closed']);
    expect(sink.ended).toEqual(['hub-closed']);
    expect(() => hub.subscribe('live', 'm', { id: 'v', kind: 'x' }, sink)).toThrow(HubError);
  });

  it('rejects gop_num values that make no sense', () => {
    expect(() => new Hub({ gopNum: -1 })).toThrow(TypeError);
    expect(() => new Hub({ gopNum: 1.5 })).toThrow(TypeError);
  });
});

describe('takePackets', () => {
  it('hands an in-process consumer every packet as it arrives, in order, and keeps the queue empty', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'movie', { id: 'p', kind: 'rtmp' }, pubSink());
    const got: MediaPacket[] = [];
    const form = { id: 'payload', encode: (p: MediaPacket) => p.payload };
    const sub: Subscriber = hub.subscribe(
      'live',
      'movie',
      { id: 'hls', kind: 'hls' },
      {
        form,
        onData: () => {
          got.push(...sub.takePackets());
          expect(sub.queuedPackets).toBe(0);
          expect(sub.queuedByteCount).toBe(0);
        },
        onEnd: () => {},
      },
    );
    const written: MediaPacket[] = [];
    const w = (kind: 'audio' | 'video', ts: number, body: Uint8Array) =>
      written.push(pub.write(kind, ts, body).packet!);
    w('video', 0, VIDEO_SEQ);
    w('audio', 0, AUDIO_SEQ);
    for (let i = 0; i < 10; i++) {
      w('video', i * 40, i % 5 === 0 ? key(i) : inter(i));
      w('audio', i * 40, aac(i));
    }
    expect(got).toEqual(written); // the very same packet objects, none skipped
    expect(got.every((p, i) => p === written[i])).toBe(true);
    expect(sub.stats.packetsOut).toBe(written.length);
    expect(sub.stats.bytesOut).toBe(written.reduce((n, p) => n + p.payload.length, 0));
  });

  it('takes at most maxPackets and leaves the rest queued', () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const sub = hub.subscribe('live', 'm', { id: 's', kind: 'hls' }, recordingSink(countingForm()));
    pub.write('video', 0, VIDEO_SEQ);
    feed(pub, 2, 3);
    const queued = sub.queuedPackets;
    const first = sub.takePackets(2);
    expect(first).toHaveLength(2);
    expect(sub.queuedPackets).toBe(queued - 2);
    expect(decode(sub.take())).toHaveLength(queued - 2);
    expect(sub.queuedByteCount).toBe(0);
  });
});

describe('internal subscribers', () => {
  it('are fed like viewers but are not listed, counted or announced as viewers', () => {
    const hub = new Hub();
    const events: string[] = [];
    hub.on((e) => events.push(e.type));
    const pub = hub.publish('live', 'm', { id: 'p', kind: 'rtmp' }, pubSink());
    const sink = recordingSink(countingForm());
    const tap = hub.subscribe('live', 'm', { id: 'hls', kind: 'hls', internal: true }, sink);
    const stream = hub.stream('live', 'm')!;
    expect(stream.subscribers.size).toBe(0);
    expect([...stream.internalSubscribers]).toEqual([tap]);
    pub.write('video', 0, VIDEO_SEQ);
    feed(pub, 2, 3);
    expect(decode(tap.take()).filter((d) => d.type === 9)).toHaveLength(7); // header + 6 frames
    pub.close();
    expect(sink.unpublished).toBe(1);
    expect(hub.stream('live', 'm')).toBe(stream); // still attached: the stream stays registered
    tap.close();
    expect(hub.stream('live', 'm')).toBeUndefined();
    expect(events).toEqual(['publish', 'unpublish']);
  });

  it('get onPublish on a takeover and end with the hub', () => {
    const hub = new Hub();
    hub.publish('live', 'm', { id: 'p1', kind: 'rtmp' }, pubSink());
    const sink = recordingSink(countingForm());
    hub.subscribe('live', 'm', { id: 'hls', kind: 'hls', internal: true }, sink);
    hub.publish('live', 'm', { id: 'p2', kind: 'rtmp' }, pubSink());
    expect(sink.published).toBe(1);
    hub.close();
    expect(sink.ended).toEqual(['hub-closed']);
  });
});

describe('MediaPacket encodings', () => {
  it('keeps both encodings when one form is built on another', async () => {
    const { MediaPacket } = await import('../src/index.js');
    const base = countingForm('rtmp');
    const derived = {
      id: 'push',
      encodes: 0,
      encode: (p: InstanceType<typeof MediaPacket>) => p.encoded(base).slice(1),
    };
    const p = new MediaPacket('video', 0, key(1), { keyframe: true, sequenceHeader: false, metadata: false });
    p.encoded(derived);
    p.encoded(derived);
    p.encoded(base);
    expect(base.encodes).toBe(1);
  });
});
