// The handshake against real peers: rtmpdump 2.4 (librtmp) and ffmpeg 5.1 as clients of ServerHandshake,
// ffmpeg -listen as the server of ClientHandshake. A thin node:net harness carries the bytes.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ClientHandshake, type HandshakeEvent, ServerHandshake } from '../src/handshake.js';
import { connectWithRetry, freePort, killChildren, outputOf, run } from './harness.js';

type Done = Extract<HandshakeEvent, { type: 'done' }>;

const servers = new Set<net.Server>();
const sockets = new Set<net.Socket>();

afterAll(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  killChildren();
});

/**
 * Feeds the peer's `bytes` to a handshake: our answer goes to `socket` (after `tamper`), an error to
 * `reject`, the end to `onDone`.
 */
function feedHandshake(
  hs: ServerHandshake | ClientHandshake,
  bytes: Uint8Array,
  socket: net.Socket,
  tamper: (ours: Uint8Array) => void,
  reject: (e: unknown) => void,
  onDone: (done: Done) => void,
): void {
  for (const e of hs.receive(bytes)) {
    if (e.type === 'data') {
      tamper(e.bytes);
      socket.write(e.bytes);
    } else if (e.type === 'error') reject(e.error);
    else onDone(e);
  }
}

const CONNECT = Buffer.from('\x02\x00\x07connect', 'latin1');

interface Accepted {
  done: Done;
  /** Bytes the client sent after the handshake, up to and including the AMF0 'connect' name. */
  after: Buffer;
}

/**
 * A TCP server that runs ServerHandshake on its first connection and resolves once 'connect' arrives.
 * `tamper` may damage S0+S1+S2 on the way out (negative controls).
 */
async function handshakeServer(
  tamper: (s0s1s2: Uint8Array) => void = () => {},
): Promise<{ port: number; accepted: Promise<Accepted> }> {
  const server = net.createServer();
  servers.add(server);
  const accepted = new Promise<Accepted>((resolve, reject) => {
    server.once('connection', (socket) => {
      sockets.add(socket);
      const hs = new ServerHandshake();
      let done: Done | undefined;
      let after = Buffer.alloc(0);
      const finish = () => {
        if (done && after.includes(CONNECT)) {
          resolve({ done, after });
          socket.destroy();
        }
      };
      socket.on('data', (bytes: Buffer) => {
        if (done) {
          after = Buffer.concat([after, bytes]);
          return finish();
        }
        feedHandshake(hs, bytes, socket, tamper, reject, (e) => {
          done = e;
          after = Buffer.from(e.rest);
        });
        finish();
      });
      socket.on('close', () => reject(new Error(`client closed; handshake state ${hs.state}`)));
      socket.on('error', () => {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, accepted };
}

/** The first chunk after the handshake is a type-0 header of an AMF0 command (0x14) named connect. */
function expectConnectChunk(after: Buffer): void {
  expect(after[0]! >> 6).toBe(0); // fmt 0: full message header
  expect(after[0]! & 0x3f).toBeGreaterThanOrEqual(2); // a one-byte chunk stream id
  expect(after[7]).toBe(0x14);
  expect(after.subarray(12, 12 + CONNECT.length)).toEqual(CONNECT);
}

const SWF_HASH = '00'.repeat(32);
/** rtmpdump playing rtmp://127.0.0.1:`port`/live/x for at most 5 s; add -w/-x for the FP9 handshake. */
const rtmpdumpArgs = (port: number): string[] => [
  ...['-z', '-m', '5', '-o', '/dev/null'],
  ...['-r', `rtmp://127.0.0.1:${port}/live/x`],
];
/** An ffmpeg player of rtmp://127.0.0.1:`port`/live/x that logs its handshake checks. */
const ffmpegPlayerArgs = (port: number): string[] => [
  ...['-hide_banner', '-loglevel', 'debug', '-rw_timeout', '5000000'],
  ...['-i', `rtmp://127.0.0.1:${port}/live/x`, '-f', 'null', '-'],
];

describe('ServerHandshake with real clients', () => {
  it('completes the digest handshake with rtmpdump, which verifies S1 and S2 (FP9 mode)', async () => {
    const { port, accepted } = await handshakeServer();
    // A SWF hash and size make librtmp send a digest C1 and check the server's digests.
    const peer = run('rtmpdump', [...rtmpdumpArgs(port), '-w', SWF_HASH, '-x', '1']);
    const { done, after } = await accepted;
    await peer.exit;
    expect(done).toMatchObject({
      mode: 'complex',
      schema: 1,
      peerVersion: 0x0a002d02,
      peerDigestValid: true,
    });
    expectConnectChunk(after);
    const log = outputOf(peer);
    expect(log).toMatch(/Genuine Adobe Flash Media Server/);
    expect(log).not.toMatch(/Couldn't verify the server digest|Server not genuine Adobe/);
  });

  it('control: rtmpdump refuses a server whose S2 digest is wrong, and says so', async () => {
    const { port, accepted } = await handshakeServer((out) => {
      out[out.length - 1]! ^= 0xff;
    });
    const peer = run('rtmpdump', [...rtmpdumpArgs(port), '-w', SWF_HASH, '-x', '1']);
    await expect(accepted).rejects.toThrow(/client closed/);
    await peer.exit;
    expect(outputOf(peer)).toMatch(/Server not genuine Adobe/);
  });

  it('completes the simple handshake with rtmpdump in its default mode', async () => {
    const { port, accepted } = await handshakeServer();
    const peer = run('rtmpdump', rtmpdumpArgs(port));
    const { done, after } = await accepted;
    await peer.exit;
    expect(done).toMatchObject({ mode: 'simple', peerVersion: 0 });
    expectConnectChunk(after);
    expect(outputOf(peer)).not.toMatch(/client signature does not match/);
  });

  it('completes the digest handshake with an ffmpeg player, which verifies S1 and S2', async () => {
    const { port, accepted } = await handshakeServer();
    const peer = run('ffmpeg', ffmpegPlayerArgs(port));
    const { done, after } = await accepted;
    await peer.exit;
    // ffmpeg only answers with a digest C2 after finding our S1 digest and checking S2's.
    expect(done).toMatchObject({
      mode: 'complex',
      schema: 1,
      peerVersion: 0x09007c02,
      peerDigestValid: true,
    });
    expectConnectChunk(after);
    expect(outputOf(peer)).not.toMatch(/Server response validating failed|Signature mismatch/);
  });

  it('control: an ffmpeg player refuses a server whose S1 digest is wrong, and says so', async () => {
    const { port, accepted } = await handshakeServer((out) => {
      out[100]! ^= 0xff; // inside S1, outside both possible digest positions' offset bytes
    });
    const peer = run('ffmpeg', ffmpegPlayerArgs(port));
    await expect(accepted).rejects.toThrow(/client closed/);
    await peer.exit;
    expect(outputOf(peer)).toMatch(/Server response validating failed/);
  });

  it('completes the digest handshake with an ffmpeg publisher', async () => {
    const { port, accepted } = await handshakeServer();
    const peer = run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc', '-t', '1'],
      ...['-f', 'flv', `rtmp://127.0.0.1:${port}/live/x`],
    ]);
    const { done, after } = await accepted;
    await peer.exit;
    // A publishing ffmpeg skips the server digest checks and echoes S1 as C2.
    expect(done).toMatchObject({
      mode: 'complex',
      schema: 1,
      peerVersion: 0x09007c02,
      peerDigestValid: false,
    });
    expectConnectChunk(after);
  });
});

/** An AMF0 `connect` command in one chunk (csid 3, type 0x14), enough for ffmpeg's listen mode to answer. */
function connectChunk(app: string, tcUrl: string): Buffer {
  const str = (s: string) => Buffer.concat([Buffer.from([0, s.length]), Buffer.from(s, 'latin1')]);
  const body = Buffer.concat([
    Buffer.from([0x02]),
    str('connect'),
    Buffer.from([0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),
    Buffer.from([0x03]),
    str('app'),
    Buffer.from([0x02]),
    str(app),
    str('tcUrl'),
    Buffer.from([0x02]),
    str(tcUrl),
    Buffer.from([0, 0, 9]),
  ]);
  expect(body.length).toBeLessThanOrEqual(128); // one chunk at the default chunk size
  const header = Buffer.from([0x03, 0, 0, 0, 0, 0, body.length, 0x14, 0, 0, 0, 0]);
  return Buffer.concat([header, body]);
}

/** Runs ClientHandshake against `ffmpeg -listen`, sends connect, and waits for ffmpeg's `_result`. */
async function againstFfmpegListen(tamperC2: (c2: Uint8Array) => void = () => {}) {
  const port = await freePort();
  const peer = run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'debug', '-listen', '1', '-timeout', '10'],
    ...['-i', `rtmp://127.0.0.1:${port}/live/x`, '-f', 'null', '-'],
  ]);
  const socket = await connectWithRetry(port, 10_000, 50);
  sockets.add(socket);
  const client = new ClientHandshake();
  let done: Done | undefined;
  let reply = Buffer.alloc(0);
  const RESULT = Buffer.from('\x02\x00\x07_result', 'latin1');
  const answered = new Promise<void>((resolve, reject) => {
    socket.on('data', (bytes: Buffer) => {
      if (done) {
        reply = Buffer.concat([reply, bytes]);
        if (reply.includes(RESULT)) resolve();
        return;
      }
      feedHandshake(client, bytes, socket, tamperC2, reject, (e) => {
        done = e;
        reply = Buffer.from(e.rest);
        socket.write(connectChunk('live', `rtmp://127.0.0.1:${port}/live`));
      });
    });
    socket.on('close', () => reject(new Error(`server closed; handshake state ${client.state}`)));
  });
  socket.write(client.start());
  await answered;
  socket.destroy();
  await peer.exit;
  return { done, output: outputOf(peer) };
}

describe('ClientHandshake with a real server', () => {
  it('completes against ffmpeg -listen (a simple-handshake server), which then answers connect', async () => {
    const { done, output } = await againstFfmpegListen();
    expect(done).toMatchObject({ mode: 'simple' });
    // ffmpeg checks that C2 echoes S1's time and random bytes, and warns otherwise.
    expect(output).not.toMatch(/Erroneous C2 Message/);
  });

  it('control: ffmpeg -listen warns about a C2 that does not echo S1', async () => {
    const { output } = await againstFfmpegListen((c2) => {
      c2[1000]! ^= 0xff;
    });
    expect(output).toMatch(/Erroneous C2 Message random does not match up/);
  });
});
