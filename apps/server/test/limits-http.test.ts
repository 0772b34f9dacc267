/**
 * The HTTP listeners (HTTP-FLV, HLS, API) close connections that send no complete request within
 * httpRequestTimeoutSec, idle keep-alive ones after httpKeepaliveTimeoutSec, answer 431 past
 * maxHttpHeaderBytes, and never cut a live HTTP-FLV or WS-FLV response.
 */
import { get as httpGet } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LivegoServer } from '../src/index.js';
import { killAll, publishFlv, rtmpUrl, startServer, url, waitFor } from './helpers.js';
import { makeFlv, type TestMedia } from './media.js';

const REQUEST_TIMEOUT_SEC = 2;
const KEEPALIVE_SEC = 1;
/** A loaded machine: Node checks deadlines every 500 ms here, and the test's own timers lag. */
const SLACK_MS = 4000;

let server: LivegoServer;
let media: TestMedia;
const sockets: Socket[] = [];

beforeAll(async () => {
  media = await makeFlv(8);
  server = await startServer({
    rtmpNoauth: true,
    httpRequestTimeoutSec: REQUEST_TIMEOUT_SEC,
    httpKeepaliveTimeoutSec: KEEPALIVE_SEC,
    maxHttpHeaderBytes: 2048,
  });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  killAll();
  await server?.stop(500);
  media?.cleanup();
});

type HttpListener = 'httpflv' | 'hls' | 'api';

/** Connects, sends `send` (maybe nothing), resolves with the ms from connect to close and what came back. */
function openAndWait(listener: HttpListener, send: string): Promise<{ ms: number; reply: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: server.address()[listener]!.port });
    sockets.push(s);
    let opened = 0;
    let reply = '';
    s.setEncoding('latin1');
    s.on('data', (d) => {
      reply += d;
    });
    s.on('error', () => {});
    s.once('connect', () => {
      opened = Date.now();
      if (send !== '') s.write(send);
    });
    s.once('close', () =>
      opened === 0 ? reject(new Error('never connected')) : resolve({ ms: Date.now() - opened, reply }),
    );
  });
}

describe('HTTP connection bounds', () => {
  it('closes ~100 connections that send nothing or half a request line within the request timeout', async () => {
    const listeners: HttpListener[] = ['httpflv', 'hls', 'api'];
    const started = Date.now();
    const all = Array.from({ length: 102 }, (_, i) =>
      openAndWait(listeners[i % 3]!, i % 2 === 0 ? '' : 'GET /live/x.fl'),
    );
    const results = await Promise.all(all);
    const limitMs = REQUEST_TIMEOUT_SEC * 1000 + SLACK_MS;
    for (const r of results) expect(r.ms).toBeLessThan(limitMs);
    // Not closed early either: each had its request timeout first.
    for (const r of results) expect(r.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_SEC * 1000 - 100);
    expect(Date.now() - started).toBeLessThan(limitMs + 2000);
    await waitFor(() => server.connections.total === 0, 10_000, 'the counters to drop');
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const r = await openAndWait(
      'api',
      'GET /control/get?room=ka HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n',
    );
    expect(r.reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.ms).toBeGreaterThanOrEqual(KEEPALIVE_SEC * 1000 - 100);
    // Node's default (5 s) would be past this.
    expect(r.ms).toBeLessThan(KEEPALIVE_SEC * 1000 + 3000);
  });

  it('answers 431 to a request head over maxHttpHeaderBytes', async () => {
    for (const listener of ['httpflv', 'hls', 'api'] as const) {
      const r = await openAndWait(
        listener,
        `GET /live/x.flv HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`,
      );
      expect(r.reply).toMatch(/^HTTP\/1\.1 431 /);
    }
    // Just under the bound is served.
    const ok = await openAndWait(
      'api',
      `GET /control/get?room=h HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Big: ${'a'.repeat(1500)}\r\n\r\n`,
    );
    expect(ok.reply).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('keeps streaming a live HTTP-FLV and WS-FLV viewer past the request timeout, to the end of the stream', async () => {
    const pub = publishFlv(media.file, rtmpUrl(server, '/live/long'), { realtime: true });
    await waitFor(() => server.hub.stream('live', 'long')?.publisher !== undefined, 20_000, 'the publisher');
    const joined = Date.now();
    // Bytes received by each viewer after the request timeout (plus slack) had passed.
    let flvLate = 0;
    let wsLate = 0;
    const late = () => Date.now() - joined > REQUEST_TIMEOUT_SEC * 1000 + 2000;
    const flvEnd = new Promise<string>((resolve) => {
      httpGet(url(server, 'httpflv', '/live/long.flv'), (res) => {
        res.on('data', (d: Buffer) => {
          if (late()) flvLate += d.length;
        });
        res.on('end', () => resolve('end'));
        res.on('error', () => resolve('error'));
        res.on('aborted', () => resolve('aborted'));
      });
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.address().httpflv!.port}/live/long.flv`);
    const wsEnd = new Promise<number>((resolve) => {
      ws.on('message', (d: Buffer) => {
        if (late()) wsLate += d.length;
      });
      ws.on('close', (code) => resolve(code));
      ws.on('error', () => {});
    });
    expect((await pub.done).code).toBe(0);
    expect(await flvEnd).toBe('end');
    expect(await wsEnd).toBe(1000);
    expect(flvLate).toBeGreaterThan(10_000);
    expect(wsLate).toBeGreaterThan(10_000);
  });
});
