/**
 * maxConnections / maxConnectionsPerIp over every listener. Hostile peers connect from other loopback
 * addresses (127.0.0.2, ...: all of 127/8 is loopback on Linux) so the good publisher and viewer on
 * 127.0.0.1 have their own count.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../src/config.js';
import { createServer, type LivegoServer } from '../src/index.js';
import { killAll, publishFlv, rtmpUrl, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let media: TestMedia;
const servers: LivegoServer[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  media = await makeFlv(6);
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  killAll();
  for (const s of servers.splice(0)) await s.stop(500);
});
afterAll(() => media?.cleanup());

async function start(config: Partial<ServerConfig>): Promise<{ server: LivegoServer; logs: string[] }> {
  const logs: string[] = [];
  const server = createServer(
    {
      workers: 1,
      rtmpAddr: '127.0.0.1:0',
      httpflvAddr: '127.0.0.1:0',
      hlsAddr: '127.0.0.1:0',
      apiAddr: '127.0.0.1:0',
      rtmpNoauth: true,
      // Long enough that idle HTTP test sockets are not closed by the request timeout meanwhile.
      httpRequestTimeoutSec: 60,
      ...config,
    },
    { logger: pino({ level: 'info' }, { write: (line: string) => logs.push(line) }) },
  );
  servers.push(server);
  await server.start();
  return { server, logs };
}

type Listener = 'rtmp' | 'httpflv' | 'hls' | 'api';

function port(server: LivegoServer, listener: Listener): number {
  return server.address()[listener]!.port;
}

/** A TCP connection from `from` that sends nothing; resolves once connected. */
function idle(server: LivegoServer, listener: Listener, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: port(server, listener), localAddress: from });
    sockets.push(s);
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Connects and sends an RTMP C0+C1; resolves with the bytes received before the socket closed or 2 s passed. */
function rtmpHello(server: LivegoServer, from: string): Promise<{ bytes: number; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: port(server, 'rtmp'), localAddress: from });
    sockets.push(s);
    let bytes = 0;
    s.on('error', () => {});
    s.on('connect', () => s.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)])));
    s.on('data', (d) => {
      bytes += d.length;
    });
    const timer = setTimeout(() => resolve({ bytes, closed: false }), 2000);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes, closed: true });
    });
  });
}

/** GET over a fresh connection from `from`: status and body. */
function get(
  server: LivegoServer,
  listener: Exclude<Listener, 'rtmp'>,
  path: string,
  from: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: port(server, listener), path, localAddress: from, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const refusals = (logs: string[]) => logs.filter((l) => l.includes('refused:')).map((l) => JSON.parse(l).msg);

describe('connection limits', () => {
  it('refuses the 6th connection from one address on every listener, logs it once, and a good stream plays on', async () => {
    const { server, logs } = await start({ maxConnectionsPerIp: 5 });
    const evil = '127.0.0.2';
    // A good publisher and viewer on 127.0.0.1 while 127.0.0.2 is at its limit.
    const pub = publishFlv(media.file, rtmpUrl(server, '/live/good'), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'good')?.publisher !== undefined, 20_000, 'the publisher');
    const probe = probeFrames(url(server, 'httpflv', '/live/good.flv'), 60_000);

    const held = [
      await idle(server, 'rtmp', evil),
      await idle(server, 'rtmp', evil),
      await idle(server, 'httpflv', evil),
      await idle(server, 'hls', evil),
      await idle(server, 'api', evil),
    ];
    await waitFor(() => server.connections.from(evil) === 5, 10_000, 'five connections counted');

    // RTMP: closed before the handshake (no S0/S1/S2 comes back).
    expect(await rtmpHello(server, evil)).toEqual({ bytes: 0, closed: true });
    // HTTP listeners: a 503 with a short text.
    for (const [listener, path] of [
      ['httpflv', '/live/good.flv'],
      ['hls', '/live/good.m3u8'],
      ['api', '/control/get?room=x'],
    ] as const) {
      expect(await get(server, listener, path, evil)).toEqual({
        status: 503,
        body: 'too many connections\n',
      });
    }
    expect(server.connections.from(evil)).toBe(5);
    expect(server.connections.refused).toBe(4);
    expect(refusals(logs)).toEqual([
      'connection from 127.0.0.2 refused: 5 connections from this address, limit is 5',
    ]);

    // The good stream was served all along: every frame reached the viewer.
    const counts = await probe;
    expect(counts.video).toBeGreaterThanOrEqual(media.videoFrames - 1);
    expect((await pub.done).code).toBe(0);

    // Closing two makes room for two again; the counter follows.
    held[0]!.destroy();
    held[2]!.destroy();
    await waitFor(() => server.connections.from(evil) === 3, 10_000, 'the counter to drop');
    const hello = await rtmpHello(server, evil);
    expect(hello.bytes).toBeGreaterThanOrEqual(1 + 1536);
    expect((await get(server, 'api', '/control/get?room=y', evil)).status).toBe(200);
  });

  it('refuses past the total limit whatever the address, and accepts again when connections close', async () => {
    const { server, logs } = await start({ maxConnections: 4 });
    const held = [
      await idle(server, 'rtmp', '127.0.0.3'),
      await idle(server, 'httpflv', '127.0.0.4'),
      await idle(server, 'hls', '127.0.0.5'),
      await idle(server, 'api', '127.0.0.6'),
    ];
    await waitFor(() => server.connections.total === 4, 10_000, 'four connections counted');
    expect(await rtmpHello(server, '127.0.0.7')).toEqual({ bytes: 0, closed: true });
    expect((await get(server, 'api', '/control/get?room=x', '127.0.0.7')).status).toBe(503);
    expect((await get(server, 'httpflv', '/live/x.flv', '127.0.0.8')).status).toBe(503);
    expect(refusals(logs)).toEqual([
      'connection from 127.0.0.7 refused: 4 connections open, limit is 4',
      'connection from 127.0.0.8 refused: 4 connections open, limit is 4',
    ]);
    held[3]!.destroy();
    await waitFor(() => server.connections.total === 3, 10_000, 'the counter to drop');
    expect((await get(server, 'api', '/control/get?room=x', '127.0.0.7')).status).toBe(200);
    // The API connection of that request closed too (agent: false): back to three.
    await waitFor(() => server.connections.total === 3, 10_000, 'the request connection to close');
  });

  it('counts a WebSocket-FLV viewer as a connection of its address', async () => {
    const { server } = await start({ maxConnectionsPerIp: 1 });
    const pub = server.hub.publish('live', 'ws', { id: 'p', kind: 'test' }, { onEnd() {} });
    for (const t of media.tags.slice(0, 3))
      pub.write(t.type === 8 ? 'audio' : t.type === 9 ? 'video' : 'data', t.timestampMs, t.data);
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`ws://127.0.0.1:${port(server, 'httpflv')}/live/ws.flv`, {
      localAddress: '127.0.0.9',
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(server.connections.from('127.0.0.9')).toBe(1);
    expect((await get(server, 'api', '/control/get?room=x', '127.0.0.9')).status).toBe(503);
    ws.terminate();
    await waitFor(() => server.connections.from('127.0.0.9') === 0, 10_000, 'the WebSocket to be released');
    pub.close();
  });
});
