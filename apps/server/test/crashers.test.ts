// Replays every input that once crashed a fuzz target (scripts/fuzz.mjs saved them to
// test/fixtures/crashers/<target>-<hash>.bin): through the target, and the request-targets also to a
// running server, over a raw socket as a plain and as a WebSocket request, which must be refused while
// the server goes on serving.
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashersSuite } from '../../../scripts/fuzz-suites.mjs';
import { targets } from '../fuzz/targets.js';
import type { LivegoServer } from '../src/index.js';
import { startServer, url } from './helpers.js';

const crashers = crashersSuite(join(import.meta.dirname, '..'), targets);

/** Sends one request with `target` as its request-target and resolves with the status line. */
function statusLine(port: number, target: Uint8Array, upgrade: boolean): Promise<string> {
  const headers = upgrade
    ? 'Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
    : 'Host: x\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([Buffer.from('GET '), target, Buffer.from(` HTTP/1.1\r\n${headers}\r\n`)]));
    });
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) {
        socket.destroy();
        resolve(got.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(got.split('\r\n')[0]!));
  });
}

describe('request-targets that once crashed the URL parsing, sent to a running server', () => {
  let server: LivegoServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const c of crashers.filter((c) => c.target === 'flv-url')) {
    for (const upgrade of [false, true]) {
      it(`${c.name} as a ${upgrade ? 'WebSocket' : 'plain'} HTTP-FLV request is refused, and the server goes on`, async () => {
        const port = server.address().httpflv!.port;
        expect(await statusLine(port, c.data, upgrade)).toMatch(/^HTTP\/1\.1 (400|404) /);
        const res = await fetch(url(server, 'httpflv', '/live/nobody.flv'));
        expect(res.status).toBe(404);
      });
    }
  }
});
