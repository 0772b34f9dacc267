// Fuzz targets of @livego/rtmp-protocol: see scripts/fuzz.mjs (`pnpm fuzz server-session`). The
// machines never throw: a bad peer is an `error` event carrying an RtmpError of the protocol's own
// (not the catch-all "internal error" wrapping some other exception), a bad URL an RtmpError.
import type { FuzzTarget } from '../../../scripts/fuzz.mjs';
import {
  ChunkDecoder,
  ClientHandshake,
  ClientSession,
  encodeMessageChunks,
  HANDSHAKE_PACKET_SIZE,
  MessageType,
  parseRtmpUrl,
  type RawMessage,
  RtmpError,
  ServerHandshake,
  ServerSession,
} from '../src/index.js';

/** Fixed "random" bytes, so a run is repeatable. */
const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 97 + 13) & 0xff;
  return out;
};
const LIMITS = { maxMessageLength: 1 << 20, maxBufferedBytes: 4 << 20, maxChunkStreams: 16 };
const PIECES = [1, 2, 5, 3, 17, 128, 7, 11, 64, 4];

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function pieces(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = PIECES[i % PIECES.length]!;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** An `error` event must carry an RtmpError that the protocol code raised itself. */
function checkError(error: unknown): string {
  if (!(error instanceof RtmpError)) throw new Error(`error event carries ${String(error)}`);
  if (
    error.cause !== undefined &&
    !(error.cause instanceof RtmpError) &&
    error.message.includes('internal error')
  ) {
    throw error.cause;
  }
  return `error:${error.code}`;
}

function eventFeatures(events: readonly { type: string; error?: unknown }[]): string[] {
  return events.map((e) => (e.type === 'error' || e.type === 'dropped' ? checkError(e.error) : e.type));
}

interface Conversation {
  clientToServer: Uint8Array;
  serverToClient: Uint8Array;
}

/** A ClientSession and a ServerSession talking in memory: the bytes each sent (real message flows). */
function converse(mode: 'publish' | 'play'): Conversation {
  const client = new ClientSession({ url: 'rtmp://127.0.0.1/live/key?token=1', mode, handshake: { random } });
  const server = new ServerSession({ handshake: { random } });
  const c2s: Uint8Array[] = [];
  const s2c: Uint8Array[] = [];
  client.start(0);
  let publishing = false;
  for (let round = 0; round < 12; round++) {
    const up = client.takeOutput();
    c2s.push(...up);
    for (const e of server.receive(concat(up), round)) {
      if (e.type === 'publish') server.acceptPublish(e.requestId);
      if (e.type === 'play') {
        server.acceptPlay(e.requestId);
        server.sendVideo(e.streamId, 0, new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff]));
        server.sendAudio(e.streamId, 0, new Uint8Array([0xaf, 0, 0x12, 0x10]));
      }
    }
    const down = server.takeOutput();
    s2c.push(...down);
    for (const e of client.receive(concat(down), round)) {
      if (e.type === 'publishStart') publishing = true;
    }
    if (publishing) {
      client.publishData(0, new Uint8Array([2, 0, 10, ...new TextEncoder().encode('onMetaData'), 5]));
      client.publishVideo(0x1000000 + round, new Uint8Array(300).fill(0x27));
      client.publishAudio(round * 23, new Uint8Array([0xaf, 1, 2, 3]));
    }
  }
  return { clientToServer: concat(c2s), serverToClient: concat(s2c) };
}

/** A C0+C1 with no digest and a C2: what a simple-handshake client sends first. */
const SIMPLE_C0C1C2 = concat([new Uint8Array([3]), new Uint8Array(2 * HANDSHAKE_PACKET_SIZE)]);

function chunked(typeId: number, payload: Uint8Array, chunkStreamId: number, timestampMs = 0): Uint8Array {
  return encodeMessageChunks(
    { typeId, timestampMs, messageStreamId: 1, payload },
    { chunkSize: 128, chunkStreamId },
  );
}

interface Decoded {
  messages: string[];
  error: string | undefined;
}

function decode(parts: readonly Uint8Array[]): Decoded {
  const d = new ChunkDecoder(LIMITS);
  const messages: string[] = [];
  const describe = (m: RawMessage) =>
    `${m.chunkStreamId}:${m.typeId}:${m.messageStreamId}:${m.timestampMs}:${m.payload.length}:${m.payload.join(',')}`;
  for (const p of parts) {
    for (const m of d.push(p)) {
      messages.push(describe(m));
      // Set Chunk Size is applied by the session layer, as the server does.
      if (m.typeId === MessageType.SetChunkSize && m.payload.length >= 4) {
        const size = new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0) & 0x7fffffff;
        if (size >= 1 && size <= 1 << 16) d.chunkSize = size;
      }
    }
    if (d.error !== undefined) break;
  }
  return { messages, error: d.error === undefined ? undefined : checkError(d.error) };
}

const text = (s: string) => new TextEncoder().encode(s);
const amf0String = (s: string) => concat([new Uint8Array([2, 0, s.length]), text(s)]);

export const targets: FuzzTarget[] = [
  {
    name: 'handshake-server',
    seedFiles: ['test/fixtures/handshake/*-c0c1.bin'],
    fromSeedFile: (c0c1) => [
      concat([c0c1, new Uint8Array(HANDSHAKE_PACKET_SIZE).fill(7), new Uint8Array([2, 0, 0])]),
    ],
    seeds: () => [SIMPLE_C0C1C2],
    maxLen: 1 + 2 * HANDSHAKE_PACKET_SIZE + 64,
    run(data) {
      const features: string[] = [];
      for (const complex of [true, false]) {
        const h = new ServerHandshake({ random, complex });
        for (const p of complex ? [data] : pieces(data)) {
          for (const e of h.receive(p)) features.push(e.type === 'error' ? checkError(e.error) : e.type);
        }
      }
      return features;
    },
    expected: () => false,
  },
  {
    name: 'handshake-client',
    seeds: () => {
      // What the server answers to a digest and to a simple client.
      const answers: Uint8Array[] = [];
      for (const complex of [true, false]) {
        const c = new ClientHandshake({ random, complex });
        const s = new ServerHandshake({ random });
        const reply = s.receive(c.start());
        for (const e of reply) if (e.type === 'data') answers.push(e.bytes);
      }
      return answers;
    },
    maxLen: 1 + 2 * HANDSHAKE_PACKET_SIZE + 64,
    run(data) {
      const features: string[] = [];
      for (const complex of [true, false]) {
        const h = new ClientHandshake({ random, complex });
        h.start();
        for (const p of complex ? [data] : pieces(data)) {
          for (const e of h.receive(p)) features.push(e.type === 'error' ? checkError(e.error) : e.type);
        }
      }
      return features;
    },
    expected: () => false,
  },
  {
    name: 'chunk-decoder',
    seedFiles: ['../amf/test/fixtures/*.amf0'],
    fromSeedFile: (body) => [
      concat([
        chunked(MessageType.SetChunkSize, new Uint8Array([0, 0, 0, 200]), 2),
        chunked(MessageType.CommandAmf0, body, 3),
      ]),
      concat([chunked(MessageType.CommandAmf0, body, 3), chunked(MessageType.Video, body, 400, 0x1234567)]),
    ],
    seeds: () => [converse('publish').clientToServer.subarray(SIMPLE_C0C1C2.length)],
    maxLen: 4096,
    run(data) {
      const whole = decode([data]);
      const split = decode(pieces(data));
      if (whole.error !== split.error || whole.messages.join('|') !== split.messages.join('|')) {
        throw new Error(
          `different messages in pieces: whole input gives ${whole.messages.length} messages and ${whole.error ?? 'no error'}, ` +
            `in pieces ${split.messages.length} and ${split.error ?? 'no error'}`,
        );
      }
      return [...whole.messages.map((m) => m.split(':')[1]!), whole.error ?? 'ok'];
    },
    expected: () => false,
  },
  {
    name: 'server-session',
    seedFiles: ['../amf/test/fixtures/*.amf0'],
    // Each captured command after a simple handshake and a real connect.
    fromSeedFile: (body) => [
      concat([
        SIMPLE_C0C1C2,
        chunked(MessageType.CommandAmf0, body, 3),
        chunked(MessageType.DataAmf0, body, 4),
      ]),
    ],
    seeds: () => [converse('publish').clientToServer, converse('play').clientToServer],
    maxLen: 8192,
    dictionary: [
      amf0String('connect'),
      amf0String('createStream'),
      amf0String('publish'),
      amf0String('play'),
      amf0String('deleteStream'),
      amf0String('@setDataFrame'),
      new Uint8Array([0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),
      new Uint8Array([0x05]),
      new Uint8Array([0xff, 0xff, 0xff]),
    ],
    run(data) {
      const s = new ServerSession({
        handshake: { random },
        limits: { ...LIMITS, maxAmfDepth: 16 },
        maxStreams: 4,
      });
      const features = new Set<string>();
      let now = 0;
      for (const p of [data.subarray(0, 3073), ...pieces(data.subarray(3073))]) {
        now += 10;
        const events = s.receive(p, now);
        for (const f of eventFeatures(events)) features.add(f);
        for (const e of events) {
          if (e.type === 'publish') {
            if (e.streamName.length % 2) s.acceptPublish(e.requestId);
            else s.rejectPublish(e.requestId, 'no');
          } else if (e.type === 'play') {
            if (e.streamName.length % 2) s.acceptPlay(e.requestId);
            else s.rejectPlay(e.requestId, 'no');
          }
        }
        s.takeOutput();
        if (s.closed) break;
      }
      return [...features];
    },
    expected: () => false,
  },
  {
    name: 'client-session',
    smokeExecs: 1000,
    seeds: () => [converse('publish').serverToClient, converse('play').serverToClient],
    maxLen: 8192,
    run(data) {
      const features = new Set<string>();
      for (const mode of ['publish', 'play'] as const) {
        const c = new ClientSession({ url: 'rtmp://h/live/key', mode, handshake: { random } });
        c.start(0);
        let now = 0;
        for (const p of pieces(data)) {
          now += 10;
          for (const f of eventFeatures(c.receive(p, now))) features.add(`${mode}:${f}`);
          c.takeOutput();
          if (c.closed) break;
        }
      }
      return [...features];
    },
    expected: () => false,
  },
  {
    name: 'rtmp-url',
    seeds: () =>
      [
        'rtmp://127.0.0.1:1935/live/movie?key=1',
        'rtmps://[::1]:443/app/inst/a/b#x',
        'RTMP://user:pw@host/live',
        'rtmp://host:0/a/b',
        'rtmp://h//x/',
      ].map(text),
    maxLen: 256,
    dictionary: ['rtmp://', 'rtmps://', '[', ']', ':', '/', '?', '#', '@', '%2F', '65535', '\u00e9'].map(
      text,
    ),
    run(data) {
      const url = new TextDecoder().decode(data);
      const u = parseRtmpUrl(url);
      if (!(u.port >= 1 && u.port <= 65535) || u.app === '' || u.host === '') {
        throw new Error(
          `parseRtmpUrl gave a bad field: '${url}' gave port ${u.port}, app '${u.app}', host '${u.host}'`,
        );
      }
      // Re-parsing is only meaningful for printable URLs: trim() eats a stream name of spaces.
      if (!/^[\x21-\x7e]*$/.test(url)) return [u.protocol, 'unprintable'];
      const again = parseRtmpUrl(`${u.tcUrl}/${u.streamName}`);
      if (again.app !== u.app || again.host !== u.host || again.port !== u.port) {
        throw new Error(
          `tcUrl does not parse back: '${u.tcUrl}' of '${url}' parses back to app '${again.app}', host '${again.host}'`,
        );
      }
      return [`segments:${u.streamName.split('/').length}`, u.protocol, u.query === '' ? 'noquery' : 'query'];
    },
    expected: (e) => e instanceof RtmpError && e.code === 'RTMP_BAD_URL',
  },
];
