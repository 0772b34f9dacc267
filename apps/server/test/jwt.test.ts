import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { createJwtGuard, extractToken, JwtGuard } from '../src/jwt.js';
import { startServer, url } from './helpers.js';

const SECRET = 'correct horse battery staple';
const enc = (s: string) => new TextEncoder().encode(s);
const nowSec = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown> = {}, alg = 'HS256', secret = SECRET): Promise<string> {
  return new SignJWT({ sub: 'lead', ...claims }).setProtectedHeader({ alg }).sign(enc(secret));
}

/** A compact JWS with any header, signed with HS256 over whatever the header says. */
async function forge(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(claims)}`;
  const key = await crypto.subtle.importKey('raw', enc(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const sig = Buffer.from(await crypto.subtle.sign('HMAC', key, enc(input))).toString('base64url');
  return `${input}.${sig}`;
}

let server: LivegoServer;
beforeAll(async () => {
  server = await startServer({ jwt: { secret: SECRET, algorithm: 'HS256' } });
});
afterAll(async () => {
  await server?.stop(500);
});

const api = async (path: string, init?: RequestInit) => {
  const res = await fetch(url(server, 'api', path), init);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
const refused = (message: string) => ({
  status: 403,
  type: 'application/json',
  text: JSON.stringify({ status: 403, data: message }),
});
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('JWT on the API', () => {
  it('accepts a valid token in the Authorization header (scheme in any case)', async () => {
    const token = await sign({ exp: nowSec() + 60 });
    const r = await api('/control/get?room=jwt-room', bearer(token));
    expect(r.status).toBe(200);
    const key = JSON.parse(r.text).data;
    expect(await server.keys.roomForKey(key)).toBe('jwt-room');
    const lower = await api('/control/get?room=jwt-room', { headers: { authorization: `bearer  ${token}` } });
    expect(JSON.parse(lower.text)).toEqual({ status: 200, data: key });
  });

  it('accepts a valid token in ?jwt=', async () => {
    const token = await sign();
    const r = await api(`/stat/livestat?jwt=${token}`);
    expect(r).toMatchObject({
      status: 200,
      text: '{"status":200,"data":{"publishers":null,"players":null}}',
    });
  });

  it('refuses a request without a token, and creates no key', async () => {
    expect(await api('/control/get?room=no-token')).toEqual(
      refused('Required authorization token not found'),
    );
    const token = await sign();
    // The room did not exist: a later authorized delete finds nothing.
    expect((await api('/control/delete?room=no-token', bearer(token))).status).toBe(404);
  });

  it('refuses OPTIONS, POST and unknown paths without a token (livego lets OPTIONS through)', async () => {
    const missing = refused('Required authorization token not found');
    expect(await api('/control/get?room=x', { method: 'OPTIONS' })).toEqual(missing);
    expect(
      await api('/control/get', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'room=x',
      }),
    ).toEqual(missing);
    expect(await api('/nope')).toEqual(missing);
    const token = await sign();
    expect((await api('/control/delete?room=x', bearer(token))).status).toBe(404);
  });

  it('refuses a malformed Authorization header even when ?jwt= holds a good token', async () => {
    const token = await sign();
    const bad = refused('Authorization header format must be Bearer {token}');
    expect(await api(`/stat/livestat?jwt=${token}`, { headers: { authorization: token } })).toEqual(bad);
    expect(await api('/stat/livestat', { headers: { authorization: `Basic ${token}` } })).toEqual(bad);
    expect(await api('/stat/livestat', { headers: { authorization: `Bearer ${token} x` } })).toEqual(bad);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await sign({}, 'HS256', 'another secret');
    expect(await api('/stat/livestat', bearer(token))).toEqual(refused('signature is invalid'));
  });

  it('refuses a token whose signature was altered or whose claims were swapped', async () => {
    const good = await sign({ sub: 'viewer' });
    const other = await sign({ sub: 'admin' });
    const [h, , s] = good.split('.');
    const swapped = `${h}.${other.split('.')[1]}.${s}`;
    expect(await api('/stat/livestat', bearer(swapped))).toEqual(refused('signature is invalid'));
  });

  it('refuses a token for another algorithm, even one signed with the right secret', async () => {
    const hs512 = await sign({}, 'HS512');
    expect(await api('/stat/livestat', bearer(hs512))).toEqual(
      refused('Expected HS256 signing method but token specified HS512'),
    );
    // jwt-go verifies a token with its own algorithm first: a wrong secret is named before the algorithm.
    const wrong512 = await sign({}, 'HS512', 'another secret');
    expect(await api('/stat/livestat', bearer(wrong512))).toEqual(refused('signature is invalid'));
  });

  it("refuses alg none, asymmetric and unknown algorithms with jwt-go's messages", async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = (header: Record<string, unknown>) => `${b64(header)}.${b64({ sub: 'x' })}.`;
    const none = unsigned({ alg: 'none' });
    const r = await api('/stat/livestat', bearer(none));
    // livego's bytes exactly: 403, the envelope, the apostrophes as they are (Go escapes only <, > and &).
    expect(r).toEqual({
      status: 403,
      type: 'application/json',
      text: `{"status":403,"data":"'none' signature type is not allowed"}`,
    });
    expect(await api(`/stat/livestat?jwt=${none}`)).toEqual(refused("'none' signature type is not allowed"));
    expect(await api('/stat/livestat', bearer(`${b64({ alg: 'RS256' })}.${b64({})}.c2ln`))).toEqual(
      refused('key is of invalid type'),
    );
    expect(await api('/stat/livestat', bearer(unsigned({ alg: 'XX1' })))).toEqual(
      refused('signing method (alg) is unavailable.'),
    );
    expect(await api('/stat/livestat', bearer(unsigned({ typ: 'JWT' })))).toEqual(
      refused('signing method (alg) is unspecified.'),
    );
  });

  it('refuses expired, not-yet-valid and future-issued tokens', async () => {
    const expired = await sign({ exp: nowSec() - 10 });
    expect(await api('/stat/livestat', bearer(expired))).toEqual(refused('Token is expired'));
    const early = await sign({ nbf: nowSec() + 600 });
    expect(await api('/stat/livestat', bearer(early))).toEqual(refused('Token is not valid yet'));
    const future = await forge({ alg: 'HS256', typ: 'JWT' }, { iat: nowSec() + 600 });
    expect(await api('/stat/livestat', bearer(future))).toEqual(refused('Token used before issued'));
    // The forger itself makes tokens the server accepts, so the refusal above is about iat.
    const fine = await forge({ alg: 'HS256', typ: 'JWT' }, { iat: nowSec() - 5 });
    expect((await api('/stat/livestat', bearer(fine))).status).toBe(200);
  });

  it('refuses garbage tokens with jwt-go’s messages', async () => {
    expect(await api('/stat/livestat', bearer('abc'))).toEqual(
      refused('token contains an invalid number of segments'),
    );
    expect(await api('/stat/livestat', bearer('a.b.c'))).toEqual(refused("The token isn't valid"));
  });
});

describe('JwtGuard', () => {
  it('is off without a secret, and refuses unsupported algorithms at configuration time', () => {
    expect(createJwtGuard({ secret: '', algorithm: 'HS256' })).toBeUndefined();
    expect(new JwtGuard({ secret: 's', algorithm: '' }).algorithm).toBe('HS256');
    expect(() => new JwtGuard({ secret: 's', algorithm: 'RS256' })).toThrow(TypeError);
    expect(() => new JwtGuard({ secret: 's', algorithm: 'hs256' })).toThrow(/jwt.algorithm/);
  });

  it('verifies HS384 and HS512 when configured, and only those', async () => {
    for (const alg of ['HS384', 'HS512'] as const) {
      const guard = new JwtGuard({ secret: SECRET, algorithm: alg });
      const u = new URL('http://x/');
      expect(await guard.verify(`Bearer ${await sign({}, alg)}`, u)).toMatchObject({ ok: true });
      expect(await guard.verify(`Bearer ${await sign({}, 'HS256')}`, u)).toEqual({
        ok: false,
        message: `Expected ${alg} signing method but token specified HS256`,
      });
    }
  });

  it('checks exp against the time it is given', async () => {
    const guard = new JwtGuard({ secret: SECRET, algorithm: 'HS256' });
    const exp = nowSec() + 100;
    const header = `Bearer ${await sign({ exp })}`;
    const u = new URL('http://x/');
    expect((await guard.verify(header, u, (exp - 1) * 1000)).ok).toBe(true);
    expect(await guard.verify(header, u, exp * 1000)).toEqual({ ok: false, message: 'Token is expired' });
  });

  it('takes the header before ?jwt= and ?jwt= when there is no header', () => {
    const u = new URL('http://x/?jwt=q');
    expect(extractToken('Bearer h', u)).toEqual({ token: 'h' });
    expect(extractToken(undefined, u)).toEqual({ token: 'q' });
    expect(extractToken('', u)).toEqual({ token: 'q' });
    expect(extractToken(undefined, new URL('http://x/?jwt='))).toEqual({
      error: 'Required authorization token not found',
    });
  });

  it('never throws and never accepts on random headers and tokens', async () => {
    const guard = new JwtGuard({ secret: SECRET, algorithm: 'HS256' });
    const valid = await sign();
    const [vh, vp] = valid.split('.');
    const part = fc.oneof(fc.string(), fc.base64String(), fc.constant(vh!), fc.constant(vp!));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.tuple(part, part, part).map((p) => `Bearer ${p.join('.')}`),
          fc.tuple(fc.constantFrom('Bearer ', 'bearer\t', ''), fc.string()).map(([a, b]) => a + b),
        ),
        fc.string(),
        async (header, q) => {
          const u = new URL('http://x/');
          u.searchParams.set('jwt', q);
          const r = await guard.verify(header, u);
          // Only the one valid token (from the header, or from ?jwt= when the header is empty) passes.
          if (r.ok) expect(extractToken(header, u)).toEqual({ token: valid });
          else expect(r.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
