/**
 * Checks one value against its key's type. Flags and env give text (pflag / viper cast rules:
 * strconv.ParseBool for bools, decimal numbers); a config file gives YAML/JSON values.
 */
import type { LogLevel } from './config.js';
import type { KeySpec, ValueType } from './keys.js';

/** Text from a flag or the environment, or a value from a parsed file. */
export type Raw = { text: string } | { value: unknown };

export type Checked = { ok: true; value: unknown } | { ok: false; message: string };

/** strconv.ParseBool, which pflag and viper's env cast use. */
const TEXT_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const TEXT_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
/** YAML 1.1 booleans: livego's go-yaml v2 reads `yes`/`on` as true; YAML 1.2 reads them as strings. */
const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

const LEVELS: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn', // logrus spelling
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal', // logrus' level above fatal; pino has none
  silent: 'silent',
};

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

const LISTEN_RE = /^(?:\[[0-9a-fA-F:.]+\]|[^:[\]\s]*):(\d{1,5})$/;

/** A value as the error message shows it. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

function expected(type: ValueType, min: number | undefined): string {
  switch (type) {
    case 'string':
      return 'a string';
    case 'path':
      return 'a file or directory name';
    case 'addr':
      return 'host:port, :port or "" (off)';
    case 'redis':
      return 'host:port, :port (this host) or "" (off)';
    case 'bool':
      return 'true or false';
    case 'int':
      return `a whole number >= ${min ?? 0}`;
    case 'seconds':
      return 'a number of seconds > 0';
    case 'level':
      return 'trace, debug, info, warn, error, fatal, panic or silent';
    case 'jwtAlgorithm':
      return JWT_ALGORITHMS.join(', ').replace(/, (?=[^,]*$)/, ' or ');
    case 'workers':
      return 'auto or a whole number >= 1';
  }
}

/** Parses a bool from text (flags, env) or a file value. */
export function checkBool(raw: Raw): boolean | undefined {
  if ('text' in raw) return TEXT_TRUE.has(raw.text) ? true : TEXT_FALSE.has(raw.text) ? false : undefined;
  const v = raw.value;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (TEXT_TRUE.has(v) || YAML11_TRUE.has(v)) return true;
    if (TEXT_FALSE.has(v) || YAML11_FALSE.has(v)) return false;
  }
  if (v === 1 || v === 0) return v === 1;
  return undefined;
}

export function check(spec: KeySpec, raw: Raw): Checked {
  const fail = (): Checked => ({
    ok: false,
    message: `expected ${expected(spec.type, spec.min)}, got ${show('text' in raw ? raw.text : raw.value)}${
      'value' in raw &&
      (typeof raw.value === 'number' || typeof raw.value === 'boolean') &&
      isTextType(spec.type)
        ? ' (quote it)'
        : ''
    }`,
  });
  if (spec.type === 'bool') {
    const b = checkBool(raw);
    return b === undefined ? fail() : { ok: true, value: b };
  }
  if (spec.type === 'workers') {
    const v = 'text' in raw ? raw.text : raw.value;
    if (v === 'auto') return { ok: true, value: 'auto' };
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
    return Number.isSafeInteger(n) && n >= 1 ? { ok: true, value: n } : fail();
  }
  if (spec.type === 'int' || spec.type === 'seconds') {
    let n: number;
    const v = 'text' in raw ? raw.text : raw.value;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && /^\d+(?:\.\d+)?$/.test(v)) n = Number(v);
    else return fail();
    if (spec.type === 'int' && (!Number.isSafeInteger(n) || n < (spec.min ?? 0))) return fail();
    if (spec.type === 'seconds' && !(Number.isFinite(n) && n > 0)) return fail();
    return { ok: true, value: n };
  }
  // The rest are strings.
  const s = 'text' in raw ? raw.text : raw.value;
  if (typeof s !== 'string') return fail();
  switch (spec.type) {
    case 'path':
      return s === '' ? fail() : { ok: true, value: s };
    case 'addr': {
      const m = LISTEN_RE.exec(s.trim());
      return s !== '' && (!m || Number(m[1]) > 65535) ? fail() : { ok: true, value: s };
    }
    case 'redis': {
      const m = LISTEN_RE.exec(s.trim());
      const port = m ? Number(m[1]) : 0;
      return s !== '' && (port < 1 || port > 65535) ? fail() : { ok: true, value: s.trim() };
    }
    case 'level': {
      const level = LEVELS[s.toLowerCase()];
      return level === undefined ? fail() : { ok: true, value: level };
    }
    case 'jwtAlgorithm':
      // livego falls back to HS256 for an empty algorithm.
      if (s === '') return { ok: true, value: 'HS256' };
      return (JWT_ALGORITHMS as readonly string[]).includes(s) ? { ok: true, value: s } : fail();
    default:
      return { ok: true, value: s };
  }
}

function isTextType(type: ValueType): boolean {
  return type !== 'bool' && type !== 'int' && type !== 'seconds' && type !== 'workers';
}
