/**
 * Channel keys: a publisher proves it may publish room R by using R's key as its stream name.
 * Keys come from a CSPRNG (livego's come from an unseeded math/rand: the same sequence in every
 * process), and `reset` revokes the old key (livego's keeps authenticating).
 */
import { randomInt } from 'node:crypto';

export interface KeyStore {
  /** The room's key, created when it has none. */
  get(room: string): Promise<string>;
  /** The room's key, or undefined when it has none (never creates one). */
  keyForRoom(room: string): Promise<string | undefined>;
  /** A new key for the room; the old one stops working. */
  reset(room: string): Promise<string>;
  /** Removes the room and its key; false when there was none. */
  delete(room: string): Promise<boolean>;
  /** The room a key belongs to, or undefined. */
  roomForKey(key: string): Promise<string | undefined>;
  close(): Promise<void>;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const KEY_LENGTH = 48;

/** 48 characters of [0-9a-zA-Z], as livego's keys look, drawn without modulo bias. */
export function newChannelKey(): string {
  let s = '';
  for (let i = 0; i < KEY_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** Shows enough of a key to tell two apart in logs, never the whole secret. */
export function redactKey(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 4)}…(${key.length})`;
}

export class MemoryKeyStore implements KeyStore {
  private readonly keyByRoom = new Map<string, string>();
  private readonly roomByKey = new Map<string, string>();

  async get(room: string): Promise<string> {
    return this.keyByRoom.get(room) ?? this.assign(room);
  }

  async keyForRoom(room: string): Promise<string | undefined> {
    return this.keyByRoom.get(room);
  }

  async reset(room: string): Promise<string> {
    const old = this.keyByRoom.get(room);
    if (old !== undefined) this.roomByKey.delete(old);
    return this.assign(room);
  }

  async delete(room: string): Promise<boolean> {
    const key = this.keyByRoom.get(room);
    if (key === undefined) return false;
    this.keyByRoom.delete(room);
    this.roomByKey.delete(key);
    return true;
  }

  async roomForKey(key: string): Promise<string | undefined> {
    return this.roomByKey.get(key);
  }

  async close(): Promise<void> {}

  private assign(room: string): string {
    let key = newChannelKey();
    while (this.roomByKey.has(key)) key = newChannelKey();
    this.keyByRoom.set(room, key);
    this.roomByKey.set(key, room);
    return key;
  }
}
