import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type LivegoServer } from '../src/index.js';
import { KeyStoreError, RedisKeyStore } from '../src/redis-keys.js';
import { channelKey, killAll, publishFlv, rtmpUrl, start, startServer, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

/** A port nobody listens on right now (bind 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** True when something on the port answers PING with +PONG or -NOAUTH. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) done(got.startsWith('+PONG') || got.startsWith('-NOAUTH'));
    });
  });
}

interface RedisProc {
  port: number;
  child: ChildProcess;
  done: Promise<unknown>;
}

const dataDir = mkdtempSync(join(tmpdir(), 'livego-redis-'));

/** A real redis-server on a free port (retried if another process takes the port first). */
async function startRedis(port?: number, extra: string[] = []): Promise<RedisProc> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const p = port ?? (await freePort());
    const args = ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const proc = start('redis-server', [...args, '--dir', dataDir, ...extra], 120_000);
    const end = Date.now() + 5000;
    let exited = false;
    proc.done.then(() => {
      exited = true;
    });
    while (!exited && Date.now() < end) {
      if (await answersPing(p)) return { port: p, child: proc.child, done: proc.done };
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.child.kill('SIGKILL');
    await proc.done;
  }
  throw new Error('could not start redis-server');
}

async function stopRedis(r: RedisProc): Promise<void> {
  r.child.kill('SIGKILL');
  await r.done;
}

const stores: RedisKeyStore[] = [];
const raws: Redis[] = [];
function store(port: number, opts: { password?: string; commandTimeoutMs?: number } = {}): RedisKeyStore {
  const s = new RedisKeyStore({ addr: `127.0.0.1:${port}`, ...opts });
  stores.push(s);
  return s;
}
function rawClient(port: number): Redis {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  raws.push(r);
  return r;
}

let redis: RedisProc;
let raw: Redis;
beforeAll(async () => {
  redis = await startRedis();
  raw = rawClient(redis.port);
  await raw.connect();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  for (const r of raws) r.disconnect();
  killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('RedisKeyStore on a real redis-server', () => {
  it("stores keys in livego's layout: SET <room> <key> and SET <key> <room>", async () => {
    const s = store(redis.port);
    await s.connect();
    const key = await s.get('movie');
    expect(key).toMatch(/^[0-9a-zA-Z]{48}$/);
    expect(await raw.get('movie')).toBe(key);
    expect(await raw.get(key)).toBe('movie');
    expect(await s.get('movie')).toBe(key);
    expect(await s.roomForKey(key)).toBe('movie');
    expect(await s.roomForKey('x'.repeat(48))).toBeUndefined();
  });

  it("uses keys a Go livego wrote, and refuses the ones livego's reset and delete leave valid", async () => {
    const s = store(redis.port);
    const k1 = 'A'.repeat(24) + 'b'.repeat(24);
    const k2 = 'C'.repeat(24) + 'd'.repeat(24);
    await raw.set('golive', k1);
    await raw.set(k1, 'golive');
    expect(await s.get('golive')).toBe(k1);
    expect(await s.roomForKey(k1)).toBe('golive');
    // livego's reset: room -> k2, k2 -> room, and k1 -> room stays.
    await raw.set('golive', k2);
    await raw.set(k2, 'golive');
    expect(await s.roomForKey(k1)).toBeUndefined();
    expect(await s.roomForKey(k2)).toBe('golive');
    // livego's delete removes only the room entry.
    await raw.del('golive');
    expect(await s.roomForKey(k2)).toBeUndefined();
  });

  it('reset revokes the old key; delete removes both entries', async () => {
    const s = store(redis.port);
    const old = await s.get('resettable');
    const fresh = await s.reset('resettable');
    expect(fresh).not.toBe(old);
    expect(await raw.exists(old)).toBe(0);
    expect(await s.roomForKey(old)).toBeUndefined();
    expect(await s.roomForKey(fresh)).toBe('resettable');
    expect(await s.delete('resettable')).toBe(true);
    expect(await raw.exists('resettable', fresh)).toBe(0);
    expect(await s.roomForKey(fresh)).toBeUndefined();
    expect(await s.delete('resettable')).toBe(false);
  });

  it('two stores racing on get for one room agree on one key; racing resets leave one valid key', async () => {
    const a = store(redis.port);
    const b = store(redis.port);
    const before = await raw.dbsize();
    const got = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).get('race')));
    expect(new Set(got).size).toBe(1);
    expect(await raw.dbsize()).toBe(before + 2);
    const resets = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reset('race')));
    expect(new Set(resets).size).toBe(20);
    const valid = (await Promise.all(resets.map((k) => a.roomForKey(k)))).filter((r) => r === 'race');
    expect(valid).toHaveLength(1);
    expect(await a.roomForKey(got[0]!)).toBeUndefined();
    // Every revoked key entry is gone: only the room and its current key remain.
    expect(await raw.dbsize()).toBe(before + 2);
  });

  it('does not take a room name for a key, nor a key-shaped name for a room (livego #213)', async () => {
    const s = store(redis.port);
    const key = await s.get('public-room');
    expect(await s.roomForKey('public-room')).toBeUndefined();
    await expect(s.get(key)).rejects.toMatchObject({ code: 'KEYS_BAD_ROOM' });
    await expect(s.reset(key)).rejects.toBeInstanceOf(KeyStoreError);
    expect(await s.roomForKey(key)).toBe('public-room');
  });

  it('refuses foreign data under a room name with a clear error, and reset replaces it', async () => {
    const s = store(redis.port);
    await raw.set('foreign', 'not-a-key');
    await expect(s.get('foreign')).rejects.toMatchObject({ code: 'KEYS_CONFLICT' });
    await raw.lpush('listy', 'x');
    await expect(s.get('listy')).rejects.toMatchObject({
      code: 'KEYS_REDIS_ERROR',
      message: expect.stringContaining('WRONGTYPE'),
    });
    const key = await s.reset('foreign');
    expect(await s.get('foreign')).toBe(key);
  });

  it('any room name round-trips or is refused with a KeyStoreError; random tokens find no room', async () => {
    const s = store(redis.port);
    const keyShaped = fc.string({ unit: fc.constantFrom(...'09azAZ'), minLength: 48, maxLength: 48 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'grapheme' }), keyShaped), async (room) => {
        const prefixed = `prop:${room}`;
        for (const name of [room, prefixed]) {
          try {
            const key = await s.get(name);
            expect(await s.roomForKey(key)).toBe(name);
            expect(await s.get(name)).toBe(key);
          } catch (err) {
            expect(err).toBeInstanceOf(KeyStoreError);
            expect((err as KeyStoreError).code).toBe(
              /^[0-9a-zA-Z]{48}$/.test(name) ? 'KEYS_BAD_ROOM' : 'KEYS_CONFLICT',
            );
          }
          expect(await s.roomForKey(name)).toBeUndefined();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a hung Redis fails each command within the command timeout, then recovers', async () => {
    const s = store(redis.port, { commandTimeoutMs: 300 });
    await s.connect();
    redis.child.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      await expect(s.get('hung')).rejects.toMatchObject({
        code: 'KEYS_UNAVAILABLE',
        message: expect.stringMatching(/timed out/),
      });
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      redis.child.kill('SIGCONT');
    }
    expect(await s.get('hung')).toMatch(/^[0-9a-zA-Z]{48}$/);
  });

  it('uses redis_pwd, and says so when Redis wants one', async () => {
    const locked = await startRedis(undefined, ['--requirepass', 's3cret']);
    try {
      await expect(store(locked.port).connect()).rejects.toMatchObject({
        code: 'KEYS_REDIS_ERROR',
        message: expect.stringMatching(/NOAUTH/),
      });
      const s = store(locked.port, { password: 's3cret' });
      expect(await s.roomForKey(await s.get('pw'))).toBe('pw');
    } finally {
      await stopRedis(locked);
    }
  });

  it('refuses to start a server when Redis is not there, naming the address', async () => {
    const port = await freePort();
    const server = createServer(
      {
        workers: 1,
        rtmpAddr: '127.0.0.1:0',
        httpflvAddr: '127.0.0.1:0',
        hlsAddr: '127.0.0.1:0',
        apiAddr: '127.0.0.1:0',
        redisAddr: `127.0.0.1:${port}`,
      },
      { logger: pino({ level: 'silent' }) },
    );
    await expect(server.start()).rejects.toThrow(
      new RegExp(`Redis at 127\\.0\\.0\\.1:${port} is unavailable: .*ECONNREFUSED`),
    );
    expect(server.address()).toEqual({});
    await server.stop(100);
  });
});

describe('two servers sharing channel keys through Redis', () => {
  let media: TestMedia;
  let a: LivegoServer;
  let b: LivegoServer;
  beforeAll(async () => {
    media = await makeFlv(2);
    a = await startServer({ redisAddr: `127.0.0.1:${redis.port}`, playerWaitSec: 20 });
    b = await startServer({ redisAddr: `127.0.0.1:${redis.port}`, playerWaitSec: 20 });
  });
  afterAll(async () => {
    killAll();
    await a?.stop(500);
    await b?.stop(500);
    media?.cleanup();
  });

  const publish = (server: LivegoServer, key: string) =>
    publishFlv(media.file, rtmpUrl(server, `/live/${key}`)).done;
  const api = async (server: LivegoServer, path: string) => {
    const res = await fetch(url(server, 'api', path));
    return { status: res.status, body: (await res.json()) as { status: number; data: string } };
  };

  it("a key from server A's API lets ffmpeg publish to server B; a reset on B revokes it on A", async () => {
    const key = await channelKey(a, 'shared');
    expect((await api(b, '/control/get?room=shared')).body.data).toBe(key);
    const player = probeFrames(rtmpUrl(b, '/live/shared'));
    await waitFor(() => (b.hub.stream('live', 'shared')?.subscribers.size ?? 0) === 1, 10_000, 'the player');
    const pub = await publish(b, key);
    expect(pub.stderr).toBe('');
    expect(pub.code).toBe(0);
    expect((await player).video).toBe(media.videoFrames);

    const fresh = (await api(b, '/control/reset?room=shared')).body.data;
    expect(fresh).not.toBe(key);
    const refused = await publish(a, key);
    expect(refused.code).not.toBe(0);
    expect(a.hub.stream('live', 'shared')?.publisher).toBeUndefined();
  });

  it('with Redis stopped the API answers an error and publishing is refused; restarted, both work again', async () => {
    const key = await channelKey(a, 'outage');
    await stopRedis(redis);

    const down = await api(a, '/control/get?room=outage');
    expect(down.status).toBe(400);
    expect(down.body.data).toMatch(new RegExp(`^Redis at 127\\.0\\.0\\.1:${redis.port} is unavailable`));
    const refused = await publish(b, key);
    expect(refused.code).not.toBe(0);
    expect(b.hub.stream('live', 'outage')?.publisher).toBeUndefined();

    // A fresh Redis on the same address (no persistence, so the old key is gone with it).
    redis = await startRedis(redis.port);
    let fresh = '';
    const end = Date.now() + 10_000;
    while (fresh === '' && Date.now() < end) {
      const r = await api(a, '/control/get?room=outage');
      if (r.status === 200) fresh = r.body.data;
      else await new Promise((res) => setTimeout(res, 100));
    }
    expect(fresh).toMatch(/^[0-9a-zA-Z]{48}$/);
    expect(fresh).not.toBe(key);
    const player = probeFrames(rtmpUrl(b, '/live/outage'));
    await waitFor(() => (b.hub.stream('live', 'outage')?.subscribers.size ?? 0) === 1, 10_000, 'the player');
    const pub = await publish(b, fresh);
    expect(pub.code).toBe(0);
    expect((await player).video).toBe(media.videoFrames);
  });
});
