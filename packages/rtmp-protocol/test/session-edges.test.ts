import { type AmfValue, encodeAmf0Sequence } from '@livego/amf';
import { describe, expect, it } from 'vitest';
import { ChunkDecoder, type RawMessage } from '../src/chunk-decoder.js';
import { encodeMessageChunks } from '../src/chunk-encoder.js';
import { RtmpError } from '../src/errors.js';
import { decodeMessage, type RtmpMessage } from '../src/message.js';
import { type ServerEvent, ServerSession, type ServerSessionOptions } from '../src/server-session.js';

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

function handshaken(options: ServerSessionOptions = {}): ServerSession {
  const server = new ServerSession({ handshake: { complex: false }, ...options });
  server.receive(Uint8Array.from([3, ...new Uint8Array(1536 * 2)]));
  server.takeOutput();
  return server;
}

function message(csid: number, msid: number, typeId: number, payload: Uint8Array, timestampMs = 0) {
  return encodeMessageChunks(
    { typeId, timestampMs, messageStreamId: msid, payload },
    { chunkSize: 128, chunkStreamId: csid },
  );
}

function command(csid: number, msid: number, values: AmfValue[]): Uint8Array {
  return message(csid, msid, 20, encodeAmf0Sequence(values));
}

/** A connected server with `streams` created (ids 1..streams); its output so far is read. */
function connected(streams: number, options: ServerSessionOptions = {}) {
  const server = handshaken(options);
  const decoder = new ChunkDecoder();
  server.receive(command(3, 0, ['connect', 1, { app: 'live' }]));
  for (let i = 0; i < streams; i++) server.receive(command(3, 0, ['createStream', 2 + i, null]));
  const raw = () => decoder.push(concat(server.takeOutput()));
  raw();
  return { server, raw, out: () => raw().map((m) => decodeMessage(m)) };
}

function status(m: RtmpMessage): { level?: string; code?: string; description?: string } {
  return m.type === 'command' ? ((m.args[0] ?? {}) as { level?: string; code?: string }) : {};
}

describe('NetStream.Data.Start', () => {
  it('goes out as an onStatus command (type 20) on the play stream, never as a data message', () => {
    const { server, raw } = connected(1);
    const [play] = server.receive(command(8, 1, ['play', 4, null, 'room']));
    if (play?.type !== 'play') throw new Error('no play');
    server.acceptPlay(play.requestId);
    const sent: RawMessage[] = raw();
    const decoded = sent.map((m) => decodeMessage(m));
    const i = decoded.findIndex((m) => status(m).code === 'NetStream.Data.Start');
    expect(i).toBe(sent.length - 1);
    expect(sent[i]).toMatchObject({ typeId: 20, messageStreamId: 1, timestampMs: 0 });
    expect(decoded[i]).toMatchObject({
      name: 'onStatus',
      transactionId: 0,
      commandObject: null,
      args: [{ level: 'status', code: 'NetStream.Data.Start' }],
    });
    // The one data message a player gets before media is |RtmpSampleAccess, which FFmpeg knows.
    const data = decoded.filter((m) => m.type === 'data');
    expect(data.map((m) => (m.type === 'data' ? m.values[0] : undefined))).toEqual(['|RtmpSampleAccess']);
  });
});

describe('NetStream commands on a stream id that createStream never gave', () => {
  it('refuses play on id 7 with NetStream.Play.Failed on that id, and emits no play', () => {
    const { server, out } = connected(1);
    const events = server.receive(command(8, 7, ['play', 5, null, 'room']));
    expect(events).toEqual([]);
    const replies = out();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      type: 'command',
      name: 'onStatus',
      messageStreamId: 7,
      transactionId: 5,
    });
    expect(status(replies[0]!)).toEqual({
      level: 'error',
      code: 'NetStream.Play.Failed',
      description: 'play on stream 7, which was not created with createStream.',
    });
    expect(server.closed).toBe(false);
    expect(server.streamState(7)).toBeUndefined();
    // The created stream still plays.
    const [play] = server.receive(command(8, 1, ['play', 6, null, 'room']));
    expect(play).toMatchObject({ type: 'play', streamId: 1, streamName: 'room' });
  });

  it('refuses publish (NetStream.Publish.BadName) and play2 the same way, and takes no media on that id', () => {
    const { server, out } = connected(1);
    const events = [
      ...server.receive(command(8, 7, ['publish', 0, null, 'room', 'live'])),
      ...server.receive(command(8, 7, ['play2', 0, null, { streamName: 'room' }])),
      ...server.receive(message(6, 7, 9, Uint8Array.of(0x17, 0, 0, 0, 0))),
    ];
    expect(events).toEqual([]);
    expect(out().map((m) => [m.messageStreamId, status(m).level, status(m).code])).toEqual([
      [7, 'error', 'NetStream.Publish.BadName'],
      [7, 'error', 'NetStream.Play.Failed'],
    ]);
  });

  it('refuses stream 0 (the NetConnection) and a deleted stream', () => {
    const { server, out } = connected(1);
    expect(server.receive(command(3, 0, ['play', 0, null, 'room']))).toEqual([]);
    expect(server.receive(command(3, 0, ['deleteStream', 0, null, 1]))).toEqual([]);
    expect(server.receive(command(8, 1, ['publish', 0, null, 'room']))).toEqual([]);
    expect(out().map((m) => [m.messageStreamId, status(m).code])).toEqual([
      [0, 'NetStream.Play.Failed'],
      [1, 'NetStream.Publish.BadName'],
    ]);
  });

  it('answers pause, seek and receiveVideo on an uncreated id with NetStream.Failed, and ignores closeStream', () => {
    const { server, out } = connected(1);
    const events = [
      ...server.receive(command(8, 9, ['pause', 0, null, true, 0])),
      ...server.receive(command(8, 9, ['seek', 0, null, 0])),
      ...server.receive(command(8, 9, ['receiveVideo', 0, null, false])),
      ...server.receive(command(8, 9, ['closeStream', 0, null])),
    ];
    expect(events).toEqual([]);
    expect(out().map((m) => [m.messageStreamId, status(m).level, status(m).code])).toEqual([
      [9, 'error', 'NetStream.Failed'],
      [9, 'error', 'NetStream.Failed'],
      [9, 'error', 'NetStream.Failed'],
    ]);
    expect(server.closed).toBe(false);
  });

  it('keeps the stream-0 commands as they are', () => {
    const { server, out } = connected(0);
    const events = [
      ...server.receive(command(3, 0, ['releaseStream', 2, null, 'room'])),
      ...server.receive(command(3, 0, ['FCPublish', 3, null, 'room'])),
      ...server.receive(command(3, 0, ['createStream', 4, null])),
      ...server.receive(command(3, 0, ['deleteStream', 5, null, 1])),
    ];
    expect(events).toEqual([]);
    expect(out().map((m) => (m.type === 'command' ? `${m.name}:${m.transactionId}` : m.type))).toEqual([
      '_result:2',
      'onFCPublish:0',
      '_result:3',
      '_result:4',
    ]);
  });
});

describe('limits reachable from ServerSession options', () => {
  function errorOf(events: ServerEvent[]): RtmpError {
    const e = events.find((x) => x.type === 'error');
    if (e?.type !== 'error')
      throw new Error(`no error event in ${JSON.stringify(events.map((x) => x.type))}`);
    return e.error;
  }

  it('limits.maxAmfElements bounds a command (default 65536), naming the limit', () => {
    const small = handshaken({ limits: { maxAmfElements: 5 } });
    const obj = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, i]));
    const e = errorOf(small.receive(command(3, 0, ['connect', 1, obj])));
    expect(e.code).toBe('RTMP_BAD_COMMAND');
    expect((e.cause as { code: string }).code).toBe('AMF_TOO_MANY_ELEMENTS');
    expect(e.message).toContain('command message is over an AMF limit');
    expect(e.message).toContain('limit maxElements is 5');
    expect(small.closed).toBe(true);

    const byDefault = handshaken();
    const big = Array.from({ length: 65537 }, () => null);
    expect(
      errorOf(byDefault.receive(command(3, 0, ['connect', 1, { app: 'live' }, big]))).cause,
    ).toMatchObject({
      code: 'AMF_TOO_MANY_ELEMENTS',
    });
    // The command object's one property counts too.
    const fits = handshaken();
    const ok = fits.receive(command(3, 0, ['connect', 1, { app: 'live' }, big.slice(0, 65535)]));
    expect(ok.map((x) => x.type)).toEqual(['connect']);
  });

  it('limits.maxAmfDepth bounds a command (default 32)', () => {
    let deep: AmfValue = 1;
    for (let i = 0; i < 33; i++) deep = { x: deep };
    const e = errorOf(handshaken().receive(command(3, 0, ['connect', 1, deep])));
    expect((e.cause as { code: string }).code).toBe('AMF_TOO_DEEP');
    expect(e.message).toContain('maxDepth');
  });

  it('limits.maxChunkSize defaults to 16 MiB', () => {
    const setChunkSize = (v: number) =>
      message(2, 0, 1, Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
    const ok = handshaken();
    expect(ok.receive(setChunkSize(16 * 1024 * 1024))).toEqual([]);
    expect(ok.peerChunkSize).toBe(16 * 1024 * 1024);
    const e = errorOf(handshaken().receive(setChunkSize(16 * 1024 * 1024 + 1)));
    expect(e.code).toBe('RTMP_CHUNK_TOO_LARGE');
    expect(e.message).toContain('limit maxChunkSize is 16777216');
    expect(errorOf(handshaken({ limits: { maxChunkSize: 4096 } }).receive(setChunkSize(4097))).code).toBe(
      'RTMP_CHUNK_TOO_LARGE',
    );
  });

  it('limits.maxMessageLength, maxChunkStreams and maxBufferedBytes end the session, naming the limit', () => {
    const long = errorOf(
      handshaken({ limits: { maxMessageLength: 100 } }).receive(message(6, 1, 9, new Uint8Array(101))),
    );
    expect(long.code).toBe('RTMP_MESSAGE_TOO_LARGE');
    expect(long.message).toContain('limit maxMessageLength is 100');

    const streams = handshaken({ limits: { maxChunkStreams: 2 } });
    const many = streams.receive(concat([4, 5, 6].map((csid) => message(csid, 1, 9, Uint8Array.of(1)))));
    expect(errorOf(many).message).toContain('limit maxChunkStreams is 2');

    const held = handshaken({ limits: { maxBufferedBytes: 1000 } });
    const first = message(6, 1, 9, new Uint8Array(1001)).subarray(0, 12 + 128);
    expect(errorOf(held.receive(first)).message).toContain('limit maxBufferedBytes is 1000');
  });
});

describe('data messages are decoded only when read', () => {
  function publishing(options: ServerSessionOptions = {}) {
    const { server } = connected(1, options);
    const [pub] = server.receive(command(8, 1, ['publish', 0, null, 'room']));
    if (pub?.type !== 'publish') throw new Error('no publish');
    server.acceptPublish(pub.requestId);
    server.takeOutput();
    return server;
  }

  it('delivers a data message over the AMF limits as is; reading its values reports the limit', () => {
    const server = publishing({ limits: { maxAmfElements: 5 } });
    const body = encodeAmf0Sequence([
      'onMetaData',
      Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, i])),
    ]);
    const [data] = server.receive(message(5, 1, 18, body, 40));
    if (data?.type !== 'data') throw new Error('no data event');
    expect(data).toMatchObject({ streamId: 1, timestampMs: 40 });
    expect(Buffer.from(data.payload).equals(Buffer.from(body))).toBe(true);
    let error: unknown;
    try {
      void data.values;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RtmpError);
    expect((error as RtmpError).cause).toMatchObject({ code: 'AMF_TOO_MANY_ELEMENTS' });
    expect(server.closed).toBe(false);
  });

  it('decodes values once, on first read, and keeps them', () => {
    const server = publishing();
    const body = encodeAmf0Sequence(['@setDataFrame', 'onMetaData', { width: 640 }]);
    const [data] = server.receive(message(5, 1, 18, body));
    if (data?.type !== 'data') throw new Error('no data event');
    // Not an own property: spreading or comparing the event does not decode it.
    expect(Object.keys(data)).not.toContain('values');
    const values = data.values;
    expect(values).toEqual(['@setDataFrame', 'onMetaData', { width: 640 }]);
    expect(data.values).toBe(values);
  });

  it('gives the AMF0 body of a type 15 message without its format byte', () => {
    const server = publishing();
    const body = encodeAmf0Sequence(['onTextData', { text: 'hi' }]);
    const [data] = server.receive(message(5, 1, 15, Uint8Array.from([0, ...body])));
    if (data?.type !== 'data') throw new Error('no data event');
    expect(Buffer.from(data.payload).equals(Buffer.from(body))).toBe(true);
    expect(data.values).toEqual(['onTextData', { text: 'hi' }]);
  });
});
