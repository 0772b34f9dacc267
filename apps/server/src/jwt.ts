/**
 * JWT on the HTTP API: a token from `Authorization: Bearer <t>` or else `?jwt=<t>`,
 * HMAC-signed with jwt.secret using jwt.algorithm; exp, nbf and iat are checked. Refusals use
 * livego's (jwt-go v3 / go-jwt-middleware) messages. Unlike livego, OPTIONS is not let through.
 */
import type { JWTPayload } from 'jose';

/** jose is loaded with the first token to check: a server without jwt.secret does not pay for it. */
let jose: Promise<typeof import('jose')> | undefined;
const loadJose = () => {
  jose ??= import('jose');
  return jose;
};

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export interface JwtConfig {
  secret: string;
  /** '' means HS256, as in livego. */
  algorithm: string;
}

export type JwtResult = { ok: true; payload: JWTPayload } | { ok: false; message: string };

export const JWT_MESSAGES = {
  missing: 'Required authorization token not found',
  badHeader: 'Authorization header format must be Bearer {token}',
  segments: 'token contains an invalid number of segments',
  signature: 'signature is invalid',
  expired: 'Token is expired',
  notYet: 'Token is not valid yet',
  usedBeforeIssued: 'Token used before issued',
  invalid: "The token isn't valid",
  none: "'none' signature type is not allowed",
  unavailable: 'signing method (alg) is unavailable.',
  unspecified: 'signing method (alg) is unspecified.',
  keyType: 'key is of invalid type',
} as const;

/** The algorithms jwt-go v3 knows; those not HMAC cannot verify with livego's []byte secret. */
const JWT_GO_ASYMMETRIC = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
]);

/** The token a request carries: the header wins, and a malformed header is an error even with ?jwt=. */
export function extractToken(
  authorization: string | undefined,
  url: URL,
): { token: string } | { error: string } {
  if (authorization !== undefined && authorization !== '') {
    // Go's strings.Fields: split on any run of whitespace.
    const parts = authorization.trim().split(/\s+/);
    if (parts.length !== 2 || parts[0]!.toLowerCase() !== 'bearer') return { error: JWT_MESSAGES.badHeader };
    return { token: parts[1]! };
  }
  const token = url.searchParams.get('jwt') ?? '';
  return token === '' ? { error: JWT_MESSAGES.missing } : { token };
}

export class JwtGuard {
  readonly algorithm: JwtAlgorithm;
  private readonly key: Uint8Array;

  constructor(config: JwtConfig) {
    if (config.secret === '') throw new TypeError('jwt.secret: must not be empty to enable JWT');
    const alg = config.algorithm === '' ? 'HS256' : config.algorithm;
    if (!(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
      // livego silently falls back to HS256 for an unknown name; a typo should not change the algorithm.
      throw new TypeError(`jwt.algorithm: '${alg}' is not supported (expected ${JWT_ALGORITHMS.join(', ')})`);
    }
    this.algorithm = alg as JwtAlgorithm;
    this.key = new TextEncoder().encode(config.secret);
  }

  /** Checks a request's token; never throws. */
  async verify(authorization: string | undefined, url: URL, nowMs = Date.now()): Promise<JwtResult> {
    const found = extractToken(authorization, url);
    if ('error' in found) return { ok: false, message: found.error };
    const token = found.token;
    if (token.split('.').length !== 3) return { ok: false, message: JWT_MESSAGES.segments };
    const { decodeProtectedHeader, errors, jwtVerify } = await loadJose();
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return { ok: false, message: JWT_MESSAGES.invalid };
    }
    // jwt-go's order: the token's own algorithm verifies it (signature, then claims); only a token
    // that passes is compared with the configured algorithm (go-jwt-middleware).
    if (typeof alg !== 'string') return { ok: false, message: JWT_MESSAGES.unspecified };
    if (alg === 'none') return { ok: false, message: JWT_MESSAGES.none };
    if (JWT_GO_ASYMMETRIC.has(alg)) return { ok: false, message: JWT_MESSAGES.keyType };
    if (!(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
      return { ok: false, message: JWT_MESSAGES.unavailable };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: [alg], currentDate: new Date(nowMs) }));
    } catch (err) {
      return { ok: false, message: joseMessage(errors, err) };
    }
    // jwt-go v3 refuses an iat in the future; jose checks it only with maxTokenAge.
    if (typeof payload.iat === 'number' && payload.iat > Math.floor(nowMs / 1000)) {
      return { ok: false, message: JWT_MESSAGES.usedBeforeIssued };
    }
    if (alg !== this.algorithm) {
      return { ok: false, message: `Expected ${this.algorithm} signing method but token specified ${alg}` };
    }
    return { ok: true, payload };
  }
}

/** A guard when jwt.secret is set, else undefined (the API is open, as in livego). */
export function createJwtGuard(config: JwtConfig): JwtGuard | undefined {
  return config.secret === '' ? undefined : new JwtGuard(config);
}

function joseMessage(errors: typeof import('jose').errors, err: unknown): string {
  if (err instanceof errors.JWSSignatureVerificationFailed) return JWT_MESSAGES.signature;
  if (err instanceof errors.JWTExpired) return JWT_MESSAGES.expired;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return JWT_MESSAGES.notYet;
    return JWT_MESSAGES.invalid;
  }
  return JWT_MESSAGES.invalid;
}
