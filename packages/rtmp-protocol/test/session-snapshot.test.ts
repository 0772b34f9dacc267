import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClientEvent, ClientSession } from '../src/client-session.js';
import { RtmpError } from '../src/errors.js';
import { type ServerEvent, ServerSession } from '../src/server-session.js';
import { acceptedPublisher, concat, pump } from './pair.js';

/** What a media event says, comparable with toEqual. */
function media(events: ServerEvent[]): unknown[] {
  return events.map((e) =>
    e.type === 'audio' || e.type === 'video'
      ? [e.type, e.streamId, e.timestampMs, Buffer.from(e.payload).toString('hex')]
      : [e.type],
  );
}

describe('ServerSession.snapshot / restore', () => {
  it('refuses to snapshot before the handshake is done', () => {
    const server = new ServerSession();
    expect(() => server.snapshot()).toThrow(RtmpError);
    expect(() => server.snapshot()).toThrow(/handshake is not done/);
  });

  it('answers a pending play from the restored session with the bytes the original would send', () => {
    const run = () => {
      const server = new ServerSession();
      const client = new ClientSession({ url: 'rtmp://h/live/room', mode: 'play' });
      const serverEvents: ServerEvent[] = [];
      const clientEvents: ClientEvent[] = [];
      client.start();
      pump(server, client, serverEvents, clientEvents);
      const play = serverEvents.find((e) => e.type === 'play');
      if (play?.type !== 'play') throw new Error('no play request');
      return { server, client, play, clientEvents };
    };
    const a = run();
    const b = run();
    a.server.acceptPlay(a.play.requestId);
    const direct = concat(a.server.takeOutput());
    // Through structuredClone, as a worker gets it.
    const restored = ServerSession.restore(structuredClone(b.server.snapshot()));
    restored.acceptPlay(b.play.requestId);
    const moved = concat(restored.takeOutput());
    expect(Buffer.from(moved).equals(Buffer.from(direct))).toBe(true);
    // The client takes the restored session's answer as a started play.
    const events = b.client.receive(moved);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.map((e) => e.type)).toContain('playStart');
  });

  it('continues the chunk stream wherever it is cut: mid-header, mid-body, between messages', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 9000 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('audio' as const, 'video' as const),
            delta: fc.nat({ max: 100 }),
            payload: fc.uint8Array({ minLength: 1, maxLength: 12000 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (chunkSize, msgs, cutAt) => {
          const { server, client } = acceptedPublisher(chunkSize);
          // Same timestamps deltas make the client use type 1-3 headers: the restored side needs them.
          let ts = 0;
          for (const m of msgs) {
            ts += m.delta;
            if (m.kind === 'audio') client.publishAudio(ts, m.payload);
            else client.publishVideo(ts, m.payload);
          }
          const bytes = concat(client.takeOutput());
          const cut = Math.floor(cutAt * bytes.length);
          // Reference: the whole rest read by a copy of the session that is never cut.
          const ref = ServerSession.restore(structuredClone(server.snapshot()));
          const want = media(ref.receive(bytes));

          const first = media(server.receive(bytes.subarray(0, cut)));
          server.takeOutput();
          const moved = ServerSession.restore(structuredClone(server.snapshot()));
          const rest = media(moved.receive(bytes.subarray(cut)));
          expect([...first, ...rest].filter((e) => (e as string[])[0] !== 'ack')).toEqual(
            want.filter((e) => (e as string[])[0] !== 'ack'),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});
