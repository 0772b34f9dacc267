import { encodeAmf0Sequence } from '@livego/amf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkDecoder } from '../src/chunk-decoder.js';
import { encodeMessageChunks } from '../src/chunk-encoder.js';
import { type ClientEvent, ClientSession } from '../src/client-session.js';
import { RtmpError } from '../src/errors.js';
import { buildAggregate, decodeMessage, encodeCommand, type RtmpMessage } from '../src/message.js';
import { type ServerEvent, ServerSession } from '../src/server-session.js';
import { acceptedPublisher, concat, pump } from './pair.js';

function connectPair(mode: 'publish' | 'play', url = 'rtmp://127.0.0.1/live/cam?token=abc') {
  const server = new ServerSession();
  const client = new ClientSession({ url, mode });
  const serverEvents: ServerEvent[] = [];
  const clientEvents: ClientEvent[] = [];
  client.start();
  pump(server, client, serverEvents, clientEvents);
  return { server, client, serverEvents, clientEvents };
}

function describeMessage(m: RtmpMessage): string {
  if (m.type === 'command') {
    const info = m.args[0] as { code?: string } | undefined;
    return `${m.name}${info?.code ? `:${info.code}` : ''}`;
  }
  if (m.type === 'userControl') return `uc:${m.event.kind}`;
  if (m.type === 'data') return `data:${String(m.values[0])}`;
  return m.type;
}

describe('ServerSession + ClientSession, publish', () => {
  it('connects, creates a stream and waits for the app before answering publish', () => {
    const { server, client, serverEvents, clientEvents } = connectPair('publish');
    const connect = serverEvents.find((e) => e.type === 'connect');
    expect(connect).toMatchObject({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live', fourCcList: [] });
    expect(clientEvents.map((e) => e.type)).toEqual(['handshake', 'connected', 'streamCreated']);
    const publish = serverEvents.find((e) => e.type === 'publish');
    expect(publish).toMatchObject({
      streamName: 'cam',
      query: 'token=abc',
      publishType: 'live',
      app: 'live',
    });
    expect(client.active).toBe(false);
    if (publish?.type !== 'publish') throw new Error('no publish');
    server.acceptPublish(publish.requestId);
    pump(server, client, serverEvents, clientEvents);
    expect(clientEvents.at(-1)).toMatchObject({ type: 'publishStart', streamId: publish.streamId });
    expect(client.active).toBe(true);
  });

  it('delivers every published audio, video and data message with its timestamp and bytes', () => {
    const { server, client, serverEvents, clientEvents } = connectPair('publish');
    const publish = serverEvents.find((e) => e.type === 'publish');
    if (publish?.type !== 'publish') throw new Error('no publish');
    server.acceptPublish(publish.requestId);
    pump(server, client, serverEvents, clientEvents);
    serverEvents.length = 0;
    const meta = encodeAmf0Sequence(['@setDataFrame', 'onMetaData', { width: 640 }]);
    client.publishData(0, meta);
    const sent: { type: string; ts: number; hex: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const video = Uint8Array.from({ length: 100 + i * 97 }, (_, k) => (k * 7 + i) & 0xff);
      const audio = Uint8Array.from({ length: 20 + i }, (_, k) => (k + i * 3) & 0xff);
      client.publishVideo(i * 40, video);
      client.publishAudio(i * 23, audio);
      sent.push({ type: 'video', ts: i * 40, hex: Buffer.from(video).toString('hex') });
      sent.push({ type: 'audio', ts: i * 23, hex: Buffer.from(audio).toString('hex') });
    }
    pump(server, client, serverEvents, clientEvents);
    const data = serverEvents.find((e) => e.type === 'data');
    expect(data).toMatchObject({ values: ['@setDataFrame', 'onMetaData', { width: 640 }] });
    const media = serverEvents.filter((e) => e.type === 'audio' || e.type === 'video');
    expect(
      media.map((e) =>
        e.type === 'audio' || e.type === 'video'
          ? { type: e.type, ts: e.timestampMs, hex: Buffer.from(e.payload).toString('hex') }
          : null,
      ),
    ).toEqual(sent);
  });

  it('refuses a publish with NetStream.Publish.BadName and the client reports RTMP_REJECTED', () => {
    const { server, client, serverEvents, clientEvents } = connectPair('publish');
    const publish = serverEvents.find((e) => e.type === 'publish');
    if (publish?.type !== 'publish') throw new Error('no publish');
    server.rejectPublish(publish.requestId, 'bad key');
    pump(server, client, serverEvents, clientEvents);
    const err = clientEvents.at(-1);
    expect(err?.type).toBe('error');
    if (err?.type !== 'error') throw new Error();
    expect(err.error.code).toBe('RTMP_REJECTED');
    expect(err.error.message).toContain('NetStream.Publish.BadName');
    expect(err.error.message).toContain('bad key');
    expect(client.closed).toBe(true);
  });

  it('emits unpublish when the publisher deletes its stream, and drops media of unaccepted streams', () => {
    const { server, client, serverEvents, clientEvents } = connectPair('publish');
    const publish = serverEvents.find((e) => e.type === 'publish');
    if (publish?.type !== 'publish') throw new Error('no publish');
    // Media sent before the publish was accepted is not delivered.
    client.sendVideo(publish.streamId, 0, Uint8Array.of(0x17, 0, 0, 0, 0));
    pump(server, client, serverEvents, clientEvents);
    expect(serverEvents.some((e) => e.type === 'video')).toBe(false);
    server.acceptPublish(publish.requestId);
    pump(server, client, serverEvents, clientEvents);
    client.stop();
    pump(server, client, serverEvents, clientEvents);
    expect(serverEvents.at(-1)).toEqual({ type: 'unpublish', streamId: publish.streamId, streamName: 'cam' });
  });
});

describe('Enhanced RTMP connect', () => {
  it('passes the fourCcList a client announces to the server application', () => {
    const server = new ServerSession();
    const client = new ClientSession({
      url: 'rtmp://h/live/s',
      mode: 'publish',
      fourCcList: ['hvc1', 'av01'],
    });
    const serverEvents: ServerEvent[] = [];
    client.start();
    pump(server, client, serverEvents, []);
    expect(serverEvents.find((e) => e.type === 'connect')).toMatchObject({ fourCcList: ['hvc1', 'av01'] });
  });
});

describe('ServerSession + ClientSession, random media and read boundaries', () => {
  it('delivers random media sequences intact whatever the chunk size and however TCP splits the bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70000 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('audio' as const, 'video' as const),
            timestampMs: fc.nat({ max: 0xffffffff }),
            payload: fc.uint8Array({ maxLength: 3000 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 10 }),
        (chunkSize, media, cuts) => {
          const { server, client } = acceptedPublisher(chunkSize);
          for (const m of media) {
            if (m.kind === 'audio') client.publishAudio(m.timestampMs, m.payload);
            else client.publishVideo(m.timestampMs, m.payload);
          }
          const bytes = concat(client.takeOutput());
          const got: ServerEvent[] = [];
          let pos = 0;
          let i = 0;
          while (pos < bytes.length) {
            const end = Math.min(bytes.length, pos + cuts[i++ % cuts.length]!);
            got.push(...server.receive(bytes.subarray(pos, end)));
            pos = end;
          }
          expect(got.filter((e) => e.type === 'error')).toEqual([]);
          expect(
            got
              .filter((e) => e.type === 'audio' || e.type === 'video')
              .map((e) =>
                e.type === 'audio' || e.type === 'video'
                  ? [e.type, e.timestampMs, Buffer.from(e.payload).toString('hex')]
                  : [],
              ),
          ).toEqual(media.map((m) => [m.kind, m.timestampMs, Buffer.from(m.payload).toString('hex')]));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('ServerSession replies, message by message', () => {
  function handshaken() {
    const server = new ServerSession({ handshake: { complex: false } });
    const c0c1 = new Uint8Array(1537);
    c0c1[0] = 3;
    server.receive(c0c1);
    server.takeOutput();
    server.receive(new Uint8Array(1536));
    return server;
  }

  function command(
    csid: number,
    msid: number,
    values: Parameters<typeof encodeAmf0Sequence>[0],
    typeId = 20,
  ): Uint8Array {
    let payload = encodeAmf0Sequence(values);
    if (typeId === 17) payload = Uint8Array.from([0, ...payload]);
    return encodeMessageChunks(
      { typeId, timestampMs: 0, messageStreamId: msid, payload },
      { chunkSize: 128, chunkStreamId: csid },
    );
  }

  function output(server: ServerSession, decoder = new ChunkDecoder()): RtmpMessage[] {
    return decoder.push(concat(server.takeOutput())).map((m) => decodeMessage(m));
  }

  it('answers connect with window, peer bandwidth, chunk size, then _result with livego fields', () => {
    const server = handshaken();
    const events = server.receive(
      command(
        3,
        0,
        ['connect', 1, { app: 'live', tcUrl: 'rtmp://h/live', flashVer: 'FMLE/3.0', objectEncoding: 3 }],
        17,
      ),
    );
    expect(events).toMatchObject([{ type: 'connect', app: 'live', objectEncoding: 3 }]);
    const out = output(server);
    expect(out.map((m) => m.type)).toEqual(['windowAckSize', 'setPeerBandwidth', 'setChunkSize', 'command']);
    expect(out[0]).toMatchObject({ windowSize: 2_500_000 });
    expect(out[1]).toMatchObject({ windowSize: 2_500_000, limitType: 2 });
    expect(out[2]).toMatchObject({ chunkSize: 4096 });
    expect(out[3]).toMatchObject({
      name: '_result',
      transactionId: 1,
      commandObject: { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
      args: [
        {
          level: 'status',
          code: 'NetConnection.Connect.Success',
          description: 'Connection succeeded.',
          objectEncoding: 3,
        },
      ],
    });
    expect(server.chunkSize).toBe(4096);
  });

  it('answers the NetStream commands of a play session in the order players expect', () => {
    const server = handshaken();
    const dec = new ChunkDecoder();
    server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
    output(server, dec);
    server.receive(command(3, 0, ['createStream', 2, null]));
    expect(output(server, dec)).toMatchObject([{ name: '_result', transactionId: 2, args: [1] }]);
    server.receive(command(3, 0, ['getStreamLength', 3, null, 'movie']));
    expect(output(server, dec)).toMatchObject([{ name: '_result', transactionId: 3, args: [0] }]);
    const [play] = server.receive(command(8, 1, ['play', 4, null, 'movie?t=1', -2]));
    expect(play).toMatchObject({ type: 'play', streamName: 'movie', query: 't=1', streamId: 1, startMs: -2 });
    expect(output(server, dec)).toEqual([]);
    if (play?.type !== 'play') throw new Error();
    server.acceptPlay(play.requestId);
    const out = output(server, dec);
    expect(out.map(describeMessage)).toEqual([
      'uc:streamBegin',
      'onStatus:NetStream.Play.Reset',
      'onStatus:NetStream.Play.Start',
      'data:|RtmpSampleAccess',
      'onStatus:NetStream.Data.Start',
    ]);
    // User control goes on message stream 0 (livego wrongly uses 1); statuses on the play stream.
    expect(out.map((m) => m.messageStreamId)).toEqual([0, 1, 1, 1, 1]);
    expect(out[0]).toMatchObject({ event: { kind: 'streamBegin', streamId: 1 } });

    server.receive(command(8, 1, ['pause', 0, null, true, 1234]));
    expect(output(server, dec).map(describeMessage)).toEqual(['onStatus:NetStream.Pause.Notify']);
    server.receive(command(8, 1, ['seek', 0, null, 5000]));
    expect(output(server, dec)).toMatchObject([
      { name: 'onStatus', args: [{ level: 'error', code: 'NetStream.Seek.Failed' }] },
    ]);
  });

  it('answers releaseStream, FCPublish (with onFCPublish), _checkbw, FCSubscribe, and unknown commands with _error', () => {
    const server = handshaken();
    const dec = new ChunkDecoder();
    server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
    output(server, dec);
    server.receive(command(3, 0, ['releaseStream', 2, null, 'cam']));
    server.receive(command(3, 0, ['FCPublish', 3, null, 'cam']));
    server.receive(command(3, 0, ['_checkbw', 4, null]));
    server.receive(command(3, 0, ['FCSubscribe', 6, null, 'cam']));
    const unknown = server.receive(command(3, 0, ['fancyCall', 5, null, 1]));
    expect(unknown).toMatchObject([{ type: 'command', command: { name: 'fancyCall' } }]);
    expect(
      output(server, dec).map((m) => (m.type === 'command' ? [m.name, m.transactionId] : m.type)),
    ).toEqual([
      ['_result', 2],
      ['onFCPublish', 0],
      ['_result', 3],
      ['_result', 4],
      ['onFCSubscribe', 0],
      ['_result', 6],
      ['_error', 5],
    ]);
  });

  it('refuses a play with NetStream.Play.StreamNotFound after the app decides', () => {
    const server = handshaken();
    const dec = new ChunkDecoder();
    server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
    server.receive(command(3, 0, ['createStream', 2, null]));
    output(server, dec);
    const [play] = server.receive(command(8, 1, ['play', 0, null, 'nothing']));
    if (play?.type !== 'play') throw new Error();
    server.rejectPlay(play.requestId);
    expect(output(server, dec)).toMatchObject([
      { name: 'onStatus', args: [{ level: 'error', code: 'NetStream.Play.StreamNotFound' }] },
    ]);
    expect(() => server.acceptPlay(999)).toThrow(TypeError);
  });

  it('answers a PingRequest with a PingResponse and measures its own pings', () => {
    const server = handshaken();
    const dec = new ChunkDecoder();
    server.receive(
      encodeMessageChunks(
        { typeId: 4, timestampMs: 0, messageStreamId: 0, payload: Uint8Array.of(0, 6, 0, 0, 0x30, 0x39) },
        { chunkSize: 128, chunkStreamId: 2 },
      ),
    );
    expect(output(server, dec)).toMatchObject([
      { type: 'userControl', event: { kind: 'pingResponse', timestamp: 12345 } },
    ]);
    server.ping(1000);
    expect(output(server, dec)).toMatchObject([
      { type: 'userControl', event: { kind: 'pingRequest', timestamp: 1000 } },
    ]);
    const events = server.receive(
      encodeMessageChunks(
        { typeId: 4, timestampMs: 0, messageStreamId: 0, payload: Uint8Array.of(0, 7, 0, 0, 0x03, 0xe8) },
        { chunkSize: 128, chunkStreamId: 2 },
      ),
      1040,
    );
    expect(events).toEqual([{ type: 'pingResponse', timestamp: 1000, rttMs: 40 }]);
  });

  it('acknowledges each crossed window with the cumulative byte count', () => {
    const server = handshaken();
    const dec = new ChunkDecoder();
    server.receive(
      encodeMessageChunks(
        { typeId: 5, timestampMs: 0, messageStreamId: 0, payload: Uint8Array.of(0, 0, 0x10, 0) },
        { chunkSize: 128, chunkStreamId: 2 },
      ),
    );
    let total = 1537 + 1536 + 16;
    const acks: number[] = [];
    for (let i = 0; i < 10; i++) {
      const bytes = encodeMessageChunks(
        { typeId: 9, timestampMs: i, messageStreamId: 1, payload: new Uint8Array(1000) },
        { chunkSize: 128, chunkStreamId: 6 },
      );
      server.receive(bytes);
      total += bytes.length;
      for (const m of output(server, dec)) if (m.type === 'ack') acks.push(m.sequenceNumber);
    }
    expect(acks.length).toBe(2);
    expect(acks.every((a) => a <= total)).toBe(true);
    expect(acks[1]! - acks[0]!).toBeGreaterThanOrEqual(4096);
    expect(acks[0]).toBeGreaterThanOrEqual(4096);
  });

  it('answers Set Peer Bandwidth with its Window Acknowledgement Size', () => {
    const server = handshaken();
    const dec = new ChunkDecoder();
    server.receive(
      encodeMessageChunks(
        { typeId: 6, timestampMs: 0, messageStreamId: 0, payload: Uint8Array.of(0, 0x10, 0, 0, 0) },
        { chunkSize: 128, chunkStreamId: 2 },
      ),
    );
    expect(output(server, dec)).toMatchObject([{ type: 'windowAckSize', windowSize: 0x100000 }]);
  });

  it('splits aggregates with rebased timestamps and reports shared objects as unsupported', () => {
    const server = handshaken();
    server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
    server.receive(command(3, 0, ['createStream', 2, null]));
    const [pub] = server.receive(command(8, 1, ['publish', 3, null, 'x', 'live']));
    if (pub?.type !== 'publish') throw new Error();
    server.acceptPublish(pub.requestId);
    const agg = buildAggregate([
      { typeId: 9, timestampMs: 5000, messageStreamId: 1, payload: Uint8Array.of(1, 2) },
      { typeId: 8, timestampMs: 5020, messageStreamId: 1, payload: Uint8Array.of(3) },
    ]);
    const events = server.receive(
      concat([
        encodeMessageChunks(
          { typeId: 22, timestampMs: 100, messageStreamId: 1, payload: agg },
          { chunkSize: 128, chunkStreamId: 6 },
        ),
        encodeMessageChunks(
          { typeId: 19, timestampMs: 0, messageStreamId: 0, payload: Uint8Array.of(0) },
          { chunkSize: 128, chunkStreamId: 3 },
        ),
      ]),
    );
    expect(events).toEqual([
      { type: 'video', streamId: 1, timestampMs: 100, payload: Uint8Array.of(1, 2) },
      { type: 'audio', streamId: 1, timestampMs: 120, payload: Uint8Array.of(3) },
      { type: 'unsupported', typeId: 19, streamId: 0 },
    ]);
  });

  it('closes with an error event on a broken command and on a limit, and ignores input after', () => {
    const server = handshaken();
    const events = server.receive(
      encodeMessageChunks(
        { typeId: 20, timestampMs: 0, messageStreamId: 0, payload: Uint8Array.of(0x00, 0x40) },
        { chunkSize: 128, chunkStreamId: 3 },
      ),
    );
    expect(events).toMatchObject([{ type: 'error', error: { code: 'RTMP_BAD_COMMAND' } }]);
    expect(server.closed).toBe(true);
    expect(server.receive(command(3, 0, ['connect', 1, { app: 'live' }]))).toEqual([]);

    const limited = new ServerSession({ handshake: { complex: false }, limits: { maxMessageLength: 100 } });
    limited.receive(Uint8Array.from([3, ...new Uint8Array(1536 * 2)]));
    const ev = limited.receive(command(3, 0, ['connect', 1, { app: 'a'.repeat(200) }]));
    expect(ev).toMatchObject([{ type: 'error', error: { code: 'RTMP_MESSAGE_TOO_LARGE' } }]);
  });

  it('bounds the streams of one connection: one createStream too many is refused and ends the session', () => {
    const server = new ServerSession({ handshake: { complex: false }, maxStreams: 2 });
    server.receive(Uint8Array.from([3, ...new Uint8Array(1536 * 2)]));
    server.takeOutput();
    const dec = new ChunkDecoder();
    server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
    output(server, dec);
    const events: ServerEvent[] = [];
    for (let t = 2; t <= 4; t++) events.push(...server.receive(command(3, 0, ['createStream', t, null])));
    expect(output(server, dec).map((m) => (m.type === 'command' ? m.name : m.type))).toEqual([
      '_result',
      '_result',
      '_error',
    ]);
    expect(events).toMatchObject([{ type: 'error', error: { code: 'RTMP_TOO_MANY_STREAMS' } }]);
    const error = events[0]?.type === 'error' ? events[0].error : undefined;
    expect(error?.message).toBe('createStream would open stream 3 of this connection, limit maxStreams is 2');
    expect(server.closed).toBe(true);
  });

  it('bounds the unanswered requests: a newer publish on a stream replaces the older one', () => {
    const server = handshaken();
    const dec = new ChunkDecoder();
    server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
    server.receive(command(3, 0, ['createStream', 2, null]));
    output(server, dec);
    const first = server.receive(command(8, 1, ['publish', 0, null, 'a']));
    const second = server.receive(command(8, 1, ['publish', 0, null, 'b']));
    if (first[0]?.type !== 'publish' || second[0]?.type !== 'publish') throw new Error();
    // The first request was replaced: answering it now sends nothing.
    server.acceptPublish(first[0].requestId);
    expect(output(server, dec)).toEqual([]);
    server.acceptPublish(second[0].requestId);
    expect(output(server, dec).map(describeMessage)).toEqual([
      'uc:streamBegin',
      'onStatus:NetStream.Publish.Start',
    ]);
  });

  it('passes a corrupt data message on undecoded (its values throw) and goes on', () => {
    const server = handshaken();
    server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
    server.receive(command(3, 0, ['createStream', 2, null]));
    const [pub] = server.receive(command(8, 1, ['publish', 0, null, 'x']));
    if (pub?.type !== 'publish') throw new Error();
    server.acceptPublish(pub.requestId);
    const events = server.receive(
      concat([
        encodeMessageChunks(
          { typeId: 18, timestampMs: 0, messageStreamId: 1, payload: Uint8Array.of(0x02, 0x00, 0x10, 0x41) },
          { chunkSize: 128, chunkStreamId: 5 },
        ),
        encodeMessageChunks(
          { typeId: 8, timestampMs: 5, messageStreamId: 1, payload: Uint8Array.of(0xaf, 1) },
          { chunkSize: 128, chunkStreamId: 4 },
        ),
      ]),
    );
    expect(events.map((e) => e.type)).toEqual(['data', 'audio']);
    const data = events[0];
    if (data?.type !== 'data') throw new Error();
    expect(Buffer.from(data.payload).toString('hex')).toBe('02001041');
    expect(() => data.values).toThrow(RtmpError);
    expect(server.closed).toBe(false);
  });

  it('accepts a type 1 header on a fresh chunk stream (librtmp sends its first ping that way)', () => {
    const server = handshaken();
    const dec = new ChunkDecoder();
    server.receive(Uint8Array.from(Buffer.from('42000000000006040006000d0f0f', 'hex')));
    expect(output(server, dec)).toMatchObject([
      { type: 'userControl', event: { kind: 'pingResponse', timestamp: 0x000d0f0f } },
    ]);
  });

  it('bounds AMF nesting depth in commands', () => {
    const server = new ServerSession({ handshake: { complex: false }, limits: { maxAmfDepth: 4 } });
    server.receive(Uint8Array.from([3, ...new Uint8Array(1536 * 2)]));
    let deep: Parameters<typeof encodeAmf0Sequence>[0][number] = 1;
    for (let i = 0; i < 10; i++) deep = { x: deep };
    const ev = server.receive(command(3, 0, ['connect', 1, deep]));
    expect(ev[0]?.type).toBe('error');
    if (ev[0]?.type !== 'error') throw new Error();
    expect(ev[0].error.code).toBe('RTMP_BAD_COMMAND');
    expect((ev[0].error.cause as { code: string }).code).toBe('AMF_TOO_DEEP');
  });

  it('refuses an RTMPE C0 with a clear handshake error', () => {
    const server = new ServerSession();
    const ev = server.receive(Uint8Array.of(6, 0, 0, 0));
    expect(ev).toMatchObject([{ type: 'error', error: { code: 'RTMP_HANDSHAKE_VERSION' } }]);
    expect(server.closed).toBe(true);
  });

  it('never throws from receive() on random input after the handshake', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), (inputs) => {
        const server = handshaken();
        server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
        for (const input of inputs) {
          for (const e of server.receive(input)) {
            if (e.type === 'error' || e.type === 'dropped') expect(e.error).toBeInstanceOf(RtmpError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws from receive() on random command bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(17, 18, 20, 15), (body, typeId) => {
        const server = handshaken();
        const events = server.receive(
          encodeMessageChunks(
            { typeId, timestampMs: 0, messageStreamId: 0, payload: body },
            { chunkSize: 128, chunkStreamId: 3 },
          ),
        );
        for (const e of events)
          if (e.type === 'error' || e.type === 'dropped') expect(e.error).toBeInstanceOf(RtmpError);
      }),
      { numRuns: 300 },
    );
  });
});

describe('ServerSession + ClientSession, play', () => {
  it('plays what the server sends after acceptPlay', () => {
    const { server, client, serverEvents, clientEvents } = connectPair('play', 'rtmp://h/live/movie');
    const play = serverEvents.find((e) => e.type === 'play');
    if (play?.type !== 'play') throw new Error('no play');
    expect(play.streamName).toBe('movie');
    expect(serverEvents.some((e) => e.type === 'userControl' && e.event.kind === 'setBufferLength')).toBe(
      true,
    );
    server.acceptPlay(play.requestId);
    server.sendVideo(play.streamId, 0, Uint8Array.of(0x17, 0, 0, 0, 0, 1, 2, 3));
    server.sendAudio(play.streamId, 10, Uint8Array.of(0xaf, 1, 9));
    pump(server, client, serverEvents, clientEvents);
    expect(
      clientEvents.filter((e) => e.type !== 'userControl' && e.type !== 'status').map((e) => e.type),
    ).toEqual(['handshake', 'connected', 'streamCreated', 'playStart', 'data', 'video', 'audio']);
    expect(
      clientEvents.filter((e) => e.type === 'status').map((e) => (e.type === 'status' ? e.info.code : '')),
    ).toContain('NetStream.Data.Start');
    expect(clientEvents.at(-1)).toEqual({
      type: 'audio',
      streamId: play.streamId,
      timestampMs: 10,
      payload: Uint8Array.of(0xaf, 1, 9),
    });
  });

  it('the command bodies it sends decode as the commands meant', () => {
    const body = encodeCommand({ name: 'play', transactionId: 0, commandObject: null, args: ['x', -2] }, 3);
    expect(body[0]).toBe(0);
    expect(
      decodeMessage({ chunkStreamId: 3, typeId: 17, messageStreamId: 1, timestampMs: 0, payload: body }),
    ).toMatchObject({
      type: 'command',
      amf: 3,
      name: 'play',
      args: ['x', -2],
    });
  });
});
