/**
 * Channel keys in Redis, so several servers share them. livego's layout: plain
 * string keys in DB 0, no prefix, no TTL: `SET <room> <key>` and `SET <key> <room>`, so a Go livego and
 * this server can share one Redis. Each operation is one Lua script (atomic): two servers racing on
 * /control/get for a room agree on one key, and reset revokes the old key.
 *
 * One namespace holds rooms and keys (livego #213: a room name used as a stream name found the room's
 * key). A key here is only valid when both entries point at each other and the key has the shape
 * we issue, and a room may not have that shape; a lookup that cannot be answered fails closed.
 */
import { LivegoError } from '@livego/amf';
import type { Redis } from 'ioredis';
import { parseListenAddress } from './config.js';
import { KEY_LENGTH, type KeyStore, newChannelKey, redactKey } from './keys.js';
import type { Logger } from './logger.js';

export type KeyStoreErrorCode =
  /** Redis is not reachable or did not answer in time. */
  | 'KEYS_UNAVAILABLE'
  /** Redis answered with an error (e.g. WRONGTYPE: the name holds foreign data). */
  | 'KEYS_REDIS_ERROR'
  /** The room name has the shape of a channel key, which the shared namespace cannot tell apart. */
  | 'KEYS_BAD_ROOM'
  /** The room's entry does not hold a key that points back at it. */
  | 'KEYS_CONFLICT';

export class KeyStoreError extends LivegoError {
  declare readonly code: KeyStoreErrorCode;

  constructor(code: KeyStoreErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause });
    this.name = 'KeyStoreError';
  }
}

export interface RedisKeyStoreOptions {
  /** 'host:port' or ':port' (127.0.0.1). livego: redis_addr. */
  addr: string;
  /** livego: redis_pwd ('' = none). */
  password?: string;
  /** Bound on connecting, and on each reconnect attempt. */
  connectTimeoutMs?: number;
  /** Bound on each command: a hung Redis is an error, not a stalled publish. */
  commandTimeoutMs?: number;
  /** Longest pause between reconnect attempts after the connection is lost. */
  maxReconnectDelayMs?: number;
  logger?: Logger;
}

const KEY_SHAPE = new RegExp(`^[0-9a-zA-Z]{${KEY_LENGTH}}$`);
const MAX_CANDIDATES = 4;

/** KEYS[1] room, KEYS[2] a fresh candidate key. {1, key} | {0} candidate taken | {2, value} conflict. */
const GET_LUA = `
local key = redis.call('GET', KEYS[1])
if key then
  if redis.call('GET', key) == KEYS[1] then return {1, key} end
  return {2, key}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {0, ''} end
redis.call('SET', KEYS[1], KEYS[2])
redis.call('SET', KEYS[2], KEYS[1])
return {1, KEYS[2]}
`;

/** KEYS[1] room. Its key when both entries agree, else nil (no key, or a half-written one). */
const KEY_LUA = `
local key = redis.call('GET', KEYS[1])
if key and redis.call('GET', key) == KEYS[1] then return key end
return false
`;

/** KEYS[1] room, KEYS[2] a fresh candidate key. The key, or nil when the candidate is taken. */
const RESET_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local old = redis.call('GET', KEYS[1])
if old and redis.call('GET', old) == KEYS[1] then redis.call('DEL', old) end
redis.call('SET', KEYS[1], KEYS[2])
redis.call('SET', KEYS[2], KEYS[1])
return KEYS[2]
`;

/** KEYS[1] room. 1 when removed. Unlike livego, the key goes too (livego leaves it valid). */
const DELETE_LUA = `
local key = redis.call('GET', KEYS[1])
if not key then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('GET', key) == KEYS[1] then redis.call('DEL', key) end
return 1
`;

/** KEYS[1] key. The room when both entries agree, else nil (revoked, deleted, or half-written). */
const ROOM_LUA = `
local room = redis.call('GET', KEYS[1])
if room and redis.call('GET', room) == KEYS[1] then return room end
return false
`;

type Script = (...keys: string[]) => Promise<unknown>;
type ScriptName = 'get' | 'key' | 'reset' | 'delete' | 'room';

interface Client {
  redis: Redis;
  scripts: Record<ScriptName, Script>;
}

export class RedisKeyStore implements KeyStore {
  readonly addr: string;
  private readonly options: RedisKeyStoreOptions;
  private readonly host: string;
  private readonly port: number;
  /** ioredis is loaded on first use: a server without Redis does not pay its ~20 MB. */
  private client: Promise<Client> | undefined;
  private redis: Redis | undefined;
  private readonly log: Logger | undefined;
  private wasReady = false;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(options: RedisKeyStoreOptions) {
    const a = parseListenAddress(options.addr, 'redis_addr');
    this.host = a.host ?? '127.0.0.1';
    this.port = a.port;
    this.addr = `${this.host}:${a.port}`;
    this.options = options;
    this.log = options.logger;
  }

  private load(): Promise<Client> {
    this.client ??= import('ioredis').then(({ Redis }) => {
      const o = this.options;
      const maxDelayMs = o.maxReconnectDelayMs ?? 1000;
      const redis = new Redis({
        host: this.host,
        port: this.port,
        password: o.password === '' ? undefined : o.password,
        db: 0,
        lazyConnect: true,
        connectTimeout: o.connectTimeoutMs ?? 2000,
        commandTimeout: o.commandTimeoutMs ?? 2000,
        // Nothing waits for a Redis that is away: commands fail at once and a publish is refused.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt) => Math.min(attempt * 100, maxDelayMs),
      });
      redis.on('ready', () => {
        this.wasReady = true;
        this.log?.info({ redis: this.addr }, 'Redis connected');
      });
      redis.on('error', (err: Error) => {
        // One line per outage, not one per reconnect attempt.
        if (this.wasReady) this.log?.error({ redis: this.addr, err: err.message }, 'Redis unavailable');
        else this.log?.debug({ redis: this.addr, err: err.message }, 'Redis error');
        this.wasReady = false;
      });
      const define = (name: string, numberOfKeys: number, lua: string): Script => {
        redis.defineCommand(name, { numberOfKeys, lua });
        const fn = (redis as unknown as Record<string, Script>)[name]!;
        return fn.bind(redis);
      };
      this.redis = redis;
      if (this.closed) redis.disconnect();
      return {
        redis,
        scripts: {
          get: define('livegoKeyGet', 2, GET_LUA),
          key: define('livegoKeyFind', 1, KEY_LUA),
          reset: define('livegoKeyReset', 2, RESET_LUA),
          delete: define('livegoKeyDelete', 1, DELETE_LUA),
          room: define('livegoKeyRoom', 1, ROOM_LUA),
        },
      };
    });
    return this.client;
  }

  /**
   * Connects and PINGs (livego exits when this fails; the server's start() rejects). After a
   * success, a lost connection is retried in the background while every operation fails.
   */
  connect(): Promise<void> {
    if (this.closed)
      return Promise.reject(new KeyStoreError('KEYS_UNAVAILABLE', 'channel key store is closed'));
    if (this.connecting !== undefined) return this.connecting;
    const status = this.redis?.status;
    if (status !== undefined && status !== 'wait' && status !== 'end') return Promise.resolve();
    this.connecting = this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const { redis } = await this.load();
    let lastError: Error | undefined;
    const onError = (err: Error) => {
      lastError = err;
    };
    redis.on('error', onError);
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw this.wrap(lastError ?? err);
    } finally {
      redis.off('error', onError);
    }
  }

  async get(room: string): Promise<string> {
    checkRoom(room);
    for (let i = 0; i < MAX_CANDIDATES; i++) {
      const r = (await this.run('get', room, newChannelKey())) as [number, string];
      const [status, value] = r;
      if (status === 1 && KEY_SHAPE.test(value)) return value;
      if (status !== 0) {
        throw new KeyStoreError(
          'KEYS_CONFLICT',
          `room '${room}' holds '${redactKey(value)}' in Redis, which is not a channel key pointing back at it; /control/reset replaces it`,
        );
      }
    }
    throw new KeyStoreError('KEYS_CONFLICT', `no free channel key after ${MAX_CANDIDATES} candidates`);
  }

  async keyForRoom(room: string): Promise<string | undefined> {
    checkRoom(room);
    const key = await this.run('key', room);
    return typeof key === 'string' && KEY_SHAPE.test(key) ? key : undefined;
  }

  async reset(room: string): Promise<string> {
    checkRoom(room);
    for (let i = 0; i < MAX_CANDIDATES; i++) {
      const key = await this.run('reset', room, newChannelKey());
      if (typeof key === 'string') return key;
    }
    throw new KeyStoreError('KEYS_CONFLICT', `no free channel key after ${MAX_CANDIDATES} candidates`);
  }

  async delete(room: string): Promise<boolean> {
    checkRoom(room);
    return (await this.run('delete', room)) === 1;
  }

  async roomForKey(key: string): Promise<string | undefined> {
    if (!KEY_SHAPE.test(key)) return undefined;
    const room = await this.run('room', key);
    // A key-shaped "room" means the token was a room name whose key points back (livego #213).
    return typeof room === 'string' && !KEY_SHAPE.test(room) ? room : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.redis?.disconnect();
  }

  private async run(name: ScriptName, ...keys: string[]): Promise<unknown> {
    if (this.closed) throw new KeyStoreError('KEYS_UNAVAILABLE', 'channel key store is closed');
    const { redis, scripts } = await this.load();
    // Used without connect(): connect on first use, every caller waiting for the same attempt.
    const status = redis.status;
    if (this.connecting !== undefined || status === 'wait' || status === 'end') await this.connect();
    try {
      return await scripts[name](...keys);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  private wrap(err: unknown): KeyStoreError {
    let msg = err instanceof Error ? err.message : String(err);
    if (msg.includes('enableOfflineQueue')) msg = 'not connected';
    if (err instanceof Error && err.name === 'ReplyError') {
      return new KeyStoreError('KEYS_REDIS_ERROR', `Redis at ${this.addr} answered: ${msg}`, err);
    }
    return new KeyStoreError('KEYS_UNAVAILABLE', `Redis at ${this.addr} is unavailable: ${msg}`, err);
  }
}

function checkRoom(room: string): void {
  if (KEY_SHAPE.test(room)) {
    throw new KeyStoreError(
      'KEYS_BAD_ROOM',
      `room '${redactKey(room)}' has the shape of a channel key (${KEY_LENGTH} letters and digits); Redis keeps rooms and keys in one namespace, so such a room cannot be told from a key`,
    );
  }
}
