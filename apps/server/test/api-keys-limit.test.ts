/**
 * api_keys_per_minute: channel keys created or reset through the API, server-wide, in a sliding
 * minute. Past it the API answers 429 in livego's envelope and logs once per window; existing keys are
 * still handed out.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRateLimit } from '../src/api.js';
import { createServer, type LivegoServer } from '../src/index.js';
import { url } from './helpers.js';

const logs: Array<{ msg: string; limit?: number }> = [];
let server: LivegoServer;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') logs.push(JSON.parse(line));
      done();
    },
  });
  server = createServer(
    {
      rtmpAddr: '127.0.0.1:0',
      httpflvAddr: '',
      hlsAddr: '',
      apiAddr: '127.0.0.1:0',
      apiKeysPerMinute: 3,
      workers: 1,
    },
    { logger: pino({ level: 'warn' }, sink) },
  );
  await server.start();
});
afterAll(async () => {
  await server?.stop(500);
});

const api = async (path: string) => {
  const res = await fetch(url(server, 'api', path));
  return { status: res.status, retry: res.headers.get('retry-after'), text: await res.text() };
};

describe('api_keys_per_minute', () => {
  it('refuses new keys past the limit with 429 in livego’s envelope, and logs it once', async () => {
    const keys: string[] = [];
    for (const room of ['a', 'b']) {
      const r = await api(`/control/get?room=${room}`);
      expect(r.status).toBe(200);
      keys.push(JSON.parse(r.text).data);
    }
    expect((await api('/control/reset?room=a')).status).toBe(200); // the third creation
    const refused = await api('/control/get?room=c');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text)).toEqual({
      status: 429,
      data: expect.stringMatching(
        /^too many channel keys: at most 3 may be created or reset per minute \(api_keys_per_minute\); retry in \d+ s$/,
      ),
    });
    expect(Number(refused.retry)).toBeGreaterThan(0);
    expect(Number(refused.retry)).toBeLessThanOrEqual(60);
    expect((await api('/control/reset?room=b')).status).toBe(429);
    expect(await server.keys.keyForRoom('c')).toBeUndefined();
    // An existing key is no creation: still handed out.
    const b = await api('/control/get?room=b');
    expect(b.status).toBe(200);
    expect(JSON.parse(b.text).data).toBe(keys[1]);
    for (let i = 0; i < 5; i++) expect((await api(`/control/get?room=more${i}`)).status).toBe(429);
    expect(logs.filter((l) => l.msg.includes('api_keys_per_minute'))).toEqual([
      expect.objectContaining({ limit: 3 }),
    ]);
  });
});

describe('KeyRateLimit', () => {
  it('allows `limit` creations in any 60 s and says how long to wait', () => {
    const l = new KeyRateLimit(2);
    expect(l.take(0)).toBe(0);
    expect(l.take(10_000)).toBe(0);
    expect(l.take(20_000)).toBe(40_000);
    expect(l.take(59_999)).toBe(1);
    expect(l.take(60_000)).toBe(0); // the first one left the window
    expect(l.take(60_001)).toBe(9_999);
    expect(l.take(70_000)).toBe(0);
  });

  it('logs a refusal once per minute', () => {
    const l = new KeyRateLimit(1);
    expect(l.shouldLog(0)).toBe(true);
    expect(l.shouldLog(59_999)).toBe(false);
    expect(l.shouldLog(60_000)).toBe(true);
  });

  it('needs a limit of at least 1', () => {
    expect(() => new KeyRateLimit(0)).toThrow(TypeError);
  });
});
