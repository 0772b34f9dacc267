import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { startServer, url } from './helpers.js';

let server: LivegoServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop(500);
});

const api = async (path: string, init?: RequestInit) => {
  const res = await fetch(url(server, 'api', path), init);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('channel keys', () => {
  it('gives a room a 48-character key, the same one on every get', async () => {
    const a = await api('/control/get?room=movie');
    expect(a.status).toBe(200);
    expect(a.type).toBe('application/json');
    const body = JSON.parse(a.text);
    expect(body.status).toBe(200);
    expect(body.data).toMatch(/^[0-9a-zA-Z]{48}$/);
    expect(JSON.parse((await api('/control/get?room=movie')).text).data).toBe(body.data);
    expect(await server.keys.roomForKey(body.data)).toBe('movie');
  });

  it('gives different rooms different keys (from a CSPRNG, not a fixed sequence)', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) keys.add(JSON.parse((await api(`/control/get?room=r${i}`)).text).data);
    expect(keys.size).toBe(20);
    expect(keys.has('rfBd56ti2SMtYvSgD5xAV0YU99zampta7Z7S575KLkIZ9PYk')).toBe(false);
  });

  it('reset issues a new key and revokes the old one (livego keeps the old one valid)', async () => {
    const old = JSON.parse((await api('/control/get?room=reset-me')).text).data;
    const r = await api('/control/reset?room=reset-me');
    expect(r.status).toBe(200);
    const fresh = JSON.parse(r.text).data;
    expect(fresh).not.toBe(old);
    expect(await server.keys.roomForKey(old)).toBeUndefined();
    expect(await server.keys.roomForKey(fresh)).toBe('reset-me');
  });

  it('delete removes the room, then answers 404 room not found', async () => {
    const key = JSON.parse((await api('/control/get?room=gone')).text).data;
    expect(await api('/control/delete?room=gone')).toMatchObject({
      status: 200,
      text: '{"status":200,"data":"Ok"}',
    });
    expect(await server.keys.roomForKey(key)).toBeUndefined();
    expect(await api('/control/delete?room=gone')).toMatchObject({
      status: 404,
      text: '{"status":404,"data":"room not found"}',
    });
  });

  it('answers a missing room with livego usage text, escaped as Go escapes it', async () => {
    for (const op of ['get', 'reset', 'delete']) {
      const r = await api(`/control/${op}`);
      expect(r.status).toBe(400);
      expect(r.text).toBe(`{"status":400,"data":"url: /control/${op}?room=\\u003cROOM_NAME\\u003e"}`);
    }
  });

  it('reads the room from a url-encoded POST body too', async () => {
    const r = await api('/control/get', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'room=posted',
    });
    expect(r.status).toBe(200);
    expect(await server.keys.roomForKey(JSON.parse(r.text).data)).toBe('posted');
  });
});

describe('stats and the rest', () => {
  it('lists no publishers and no players as null, like livego', async () => {
    expect(await api('/stat/livestat')).toMatchObject({
      status: 200,
      text: '{"status":200,"data":{"publishers":null,"players":null}}',
    });
    expect(await api('/stat/livestat?room=live/none')).toMatchObject({
      status: 404,
      text: '{"status":404,"data":"room not found or inactive"}',
    });
  });

  it('answers unknown paths with Go’s 404 text', async () => {
    expect(await api('/nope')).toMatchObject({ status: 404, text: '404 page not found\n' });
  });
});

describe('forms Go cannot parse', () => {
  it('answers them with livego’s usage texts, as its ParseForm error branch does', async () => {
    expect(await api('/control/get?room=%zz')).toMatchObject({
      status: 400,
      text: '{"status":400,"data":"url: /control/get?room=\\u003cROOM_NAME\\u003e"}',
    });
    for (const kind of ['push', 'pull']) {
      expect(await api(`/control/${kind}?app=live&name=x&url=rtmp://h/a/b%2`)).toMatchObject({
        status: 400,
        text: `{"status":400,"data":"url: /control/${kind}?\\u0026oper=start\\u0026app=live\\u0026name=123456\\u0026url=rtmp://192.168.16.136/live/123456"}`,
      });
    }
    const posted = await api('/control/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'room=%',
    });
    expect(posted).toMatchObject({ status: 400, text: expect.stringContaining('url: /control/reset?room=') });
    // livestat ignores the error and lists everything; unknown paths stay 404.
    expect((await api('/stat/livestat?room=%zz')).status).toBe(200);
    expect((await api('/nope?x=%')).status).toBe(404);
  });
});
