/**
 * loadConfig: argv + env + livego.yaml -> one validated LivegoConfig, with livego's precedence
 * flag > env > file > default. Unlike livego, a file that is read keeps the
 * built-in defaults (the `server:` list included) for every key it does not set.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgv } from './argv.js';
import { type AppConfig, defaultConfig, type LivegoConfig, parseListenAddress } from './config.js';
import { ConfigError } from './errors.js';
import { duplicateKey, lowerKeys, type Mapping, readConfigFile, toMapping } from './file.js';
import { helpText } from './help.js';
import {
  APP_KEYS,
  CONFIG_FILE_FLAG,
  envName,
  getField,
  KEY_BY_NAME,
  KEYS,
  type KeySpec,
  setField,
} from './keys.js';
import { closest } from './suggest.js';
import { check, checkBool, show } from './values.js';

export interface LoadOptions {
  /** The arguments after the program name (`process.argv.slice(2)`). */
  argv: readonly string[];
  /** Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where livego.yaml and relative file names are looked up. Default: process.cwd(). */
  cwd?: string;
}

export interface LoadResult {
  config: LivegoConfig;
  /** Set when --help was given: the text to print (config is then the defaults). */
  help?: string;
  /** True when --version was given (config is then the defaults). */
  version?: boolean;
  /** The config file that was read, as named; undefined when none was. */
  configFile?: string;
  /** Settings that work but are probably not meant, one line each (an app with `live` off, ...). */
  warnings: string[];
}

type Origin =
  | { kind: 'default' }
  | { kind: 'file'; file: string }
  | { kind: 'env' }
  | { kind: 'flag'; flag: string };

const TOP_KEYS = [
  ...KEYS.filter((k) => !k.key.includes('.')).map((k) => k.key),
  'jwt',
  'server',
  CONFIG_FILE_FLAG.key,
];

export function loadConfig(options: LoadOptions): LoadResult {
  const args = parseArgv(options.argv);
  if (args.help) return { config: defaultConfig(), help: helpText(), warnings: [] };
  if (args.version) return { config: defaultConfig(), version: true, warnings: [] };
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const config = defaultConfig();
  const origins = new Map<KeySpec, Origin>();
  const warnings: string[] = [];

  const set = (spec: KeySpec, raw: { text: string } | { value: unknown }, origin: Origin) => {
    const r = check(spec, raw);
    if (!r.ok)
      throw new ConfigError('CONFIG_BAD_VALUE', `${where(spec, origin)}: ${r.message}`, { field: spec.key });
    setField(config, spec.field, r.value);
    origins.set(spec, origin);
  };

  // The file: named by --config_file (must exist) or livego.yaml in cwd (optional).
  const fileName = args.configFile ?? CONFIG_FILE_FLAG.default;
  if (fileName === '') {
    throw new ConfigError('CONFIG_BAD_FLAG', '--config_file: expected a file name, got ""', {
      field: 'config_file',
    });
  }
  const file = readConfigFile(fileName, cwd, args.configFile !== undefined);
  if (file !== undefined) {
    const origin: Origin = { kind: 'file', file: fileName };
    for (const [key, value] of file) {
      if (value === null) continue; // `key:` with nothing after it leaves the default
      if (key === 'server') config.apps = parseApps(value, fileName, warnings);
      else if (key === 'jwt') {
        const jwt = toMapping(value);
        if (jwt === undefined) {
          throw bad(
            `${fileName}: jwt: expected a mapping with secret and algorithm, got ${show(value)}`,
            'jwt',
          );
        }
        for (const [sub, v] of lowerKeys(jwt)) {
          const spec = KEY_BY_NAME.get(`jwt.${sub}`);
          if (spec === undefined) throw unknownKey(fileName, `jwt.${sub}`, ['jwt.secret', 'jwt.algorithm']);
          if (v !== null) set(spec, { value: v }, origin);
        }
      } else if (key === CONFIG_FILE_FLAG.key) {
        warnings.push(`${fileName}: config_file has no effect in a config file (use --config_file)`);
      } else {
        const spec = KEY_BY_NAME.get(key);
        if (spec?.key.startsWith('jwt.')) {
          const sub = spec.key.slice(4);
          throw new ConfigError(
            'CONFIG_UNKNOWN_KEY',
            `${fileName}: ${key}: unknown key (write jwt: {${sub}: ...})`,
            {
              field: key,
            },
          );
        }
        if (spec === undefined) throw unknownKey(fileName, key, TOP_KEYS);
        set(spec, { value }, origin);
      }
    }
  }

  // The environment: every key upper-cased, '.' as '_', no prefix; an empty value counts as set.
  for (const spec of KEYS) {
    const text = env[envName(spec.key)];
    if (text !== undefined) set(spec, { text }, { kind: 'env' });
  }

  for (const [spec, { text, flag }] of args.values) set(spec, { text }, { kind: 'flag', flag });

  crossCheck(config, (spec) => origins.get(spec) ?? { kind: 'default' }, cwd, warnings);
  return { config, ...(file === undefined ? {} : { configFile: fileName }), warnings };
}

/**
 * A configuration given as an object (what the server's createServer takes): every field is checked
 * as the CLI checks a file's value, errors name the key and the field, a field that is not a key is
 * refused (with the nearest name), and the listeners and certificate files are cross-checked. The
 * result has the defaults for every field not given.
 */
export function validateConfig(
  given: Readonly<Partial<LivegoConfig>>,
  source = 'config',
  cwd = process.cwd(),
): { config: LivegoConfig; warnings: string[] } {
  const config = defaultConfig();
  const warnings: string[] = [];
  const fields = new Map(KEYS.map((k) => [k.field, k]));
  const fieldNames = [...KEYS.filter((k) => !k.field.includes('.')).map((k) => k.field), 'jwt', 'apps'];
  const set = (spec: KeySpec, value: unknown) => {
    const r = check(spec, { value });
    if (!r.ok)
      throw new ConfigError('CONFIG_BAD_VALUE', `${source}: ${spec.field} (${spec.key}): ${r.message}`, {
        field: spec.key,
      });
    setField(config, spec.field, r.value);
  };
  for (const [field, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (field === 'apps') {
      // The file's names: staticPush is static_push there.
      const mapped = Array.isArray(value)
        ? value.map((a: unknown) => {
            if (toMapping(a) === undefined) return a;
            const { staticPush, ...rest } = a as Partial<AppConfig>;
            return staticPush === undefined ? rest : { ...rest, static_push: staticPush };
          })
        : value;
      config.apps = parseApps(mapped, `${source}: apps`, warnings);
    } else if (field === 'jwt') {
      const jwt = toMapping(value);
      if (jwt === undefined)
        throw bad(`${source}: jwt: expected { secret, algorithm }, got ${show(value)}`, 'jwt');
      for (const [k, v] of jwt) {
        const spec = fields.get(`jwt.${k}` as KeySpec['field']);
        if (spec === undefined) throw unknownKey(source, `jwt.${k}`, ['jwt.secret', 'jwt.algorithm']);
        set(spec, v);
      }
    } else {
      const spec = fields.get(field as KeySpec['field']);
      if (spec === undefined) throw unknownKey(source, field, fieldNames);
      set(spec, value);
    }
  }
  crossCheck(config, () => ({ kind: 'file', file: source }), cwd, warnings);
  return { config, warnings };
}

function where(spec: KeySpec, origin: Origin): string {
  switch (origin.kind) {
    case 'flag':
      return origin.flag;
    case 'env':
      return `env ${envName(spec.key)}`;
    case 'file':
      return `${origin.file}: ${spec.key}`;
    default:
      return spec.key;
  }
}

function bad(message: string, field: string): ConfigError {
  return new ConfigError('CONFIG_BAD_VALUE', message, { field });
}

function unknownKey(file: string, key: string, known: readonly string[]): ConfigError {
  const near = closest(key, known);
  return new ConfigError(
    'CONFIG_UNKNOWN_KEY',
    `${file}: ${key}: unknown key${near === undefined ? '' : ` (did you mean ${near}?)`}`,
    { field: key },
  );
}

/** livego's `server:` list. Every app with `live: true` is served (livego starts listeners for the first only). */
function parseApps(value: unknown, file: string, warnings: string[]): AppConfig[] {
  if (!Array.isArray(value)) {
    throw bad(`${file}: server: expected a list of apps (- appname: live), got ${show(value)}`, 'server');
  }
  if (value.length === 0)
    throw bad(`${file}: server: expected at least one app, got an empty list`, 'server');
  const apps: AppConfig[] = [];
  value.forEach((item: unknown, i) => {
    const at = `server[${i}]`;
    const raw = toMapping(item);
    if (raw === undefined) {
      throw bad(
        `${file}: ${at}: expected a mapping (appname, live, hls, flv, api, static_push), got ${show(item)}`,
        at,
      );
    }
    const dup = duplicateKey(raw);
    if (dup !== undefined) throw bad(`${file}: ${at}.${dup}: the key appears twice (keys ignore case)`, at);
    const entry = lowerKeys(raw);
    for (const k of entry.keys()) {
      if (!(APP_KEYS as readonly string[]).includes(k))
        throw unknownKey(
          file,
          `${at}.${k}`,
          APP_KEYS.map((a) => `${at}.${a}`),
        );
    }
    const appname = entry.get('appname');
    if (typeof appname !== 'string' || appname === '' || /[/\s?]/.test(appname)) {
      throw bad(
        `${file}: ${at}.appname: expected a name without "/", "?" or spaces, got ${show(appname)}`,
        `${at}.appname`,
      );
    }
    const prev = apps.findIndex((a) => a.appname === appname);
    if (prev >= 0)
      throw bad(`${file}: ${at}.appname: ${show(appname)} is also server[${prev}]`, `${at}.appname`);
    const flag = (k: 'live' | 'hls' | 'flv' | 'api'): boolean => {
      const v = entry.get(k);
      if (v === undefined || v === null) return false; // livego's zero value
      const b = checkBool({ value: v });
      if (b === undefined)
        throw bad(`${file}: ${at}.${k}: expected true or false, got ${show(v)}`, `${at}.${k}`);
      return b;
    };
    const app: AppConfig = {
      appname,
      live: flag('live'),
      hls: flag('hls'),
      flv: flag('flv'),
      api: flag('api'),
      staticPush: parseStaticPush(entry, file, at),
    };
    if (!app.live) warnings.push(`${file}: ${at} (${appname}): live is not true, so the app is not served`);
    apps.push(app);
  });
  return apps;
}

function parseStaticPush(entry: Mapping, file: string, at: string): string[] {
  const v = entry.get('static_push');
  if (v === undefined || v === null) return [];
  // viper decodes weakly: one string is a list of one.
  if (!Array.isArray(v) && typeof v !== 'string') {
    throw bad(
      `${file}: ${at}.static_push: expected a list of rtmp:// URLs, got ${show(v)}`,
      `${at}.static_push`,
    );
  }
  const list: unknown[] = typeof v === 'string' ? [v] : v;
  return list.map((u, j) => {
    if (!isPushUrl(u)) {
      throw bad(
        `${file}: ${at}.static_push[${j}]: expected an rtmp:// or rtmps:// URL with an app (rtmp://host/app), got ${show(u)}`,
        `${at}.static_push`,
      );
    }
    return u;
  });
}

function isPushUrl(u: unknown): u is string {
  if (typeof u !== 'string') return false;
  try {
    const url = new URL(u);
    return (
      (url.protocol === 'rtmp:' || url.protocol === 'rtmps:') &&
      url.hostname !== '' &&
      url.pathname.split('/').some((s) => s !== '')
    );
  } catch {
    return false;
  }
}

/** Checks between keys: listeners on one port, certificate files RTMPS or HLS over HTTPS need. */
function crossCheck(
  config: LivegoConfig,
  origin: (spec: KeySpec) => Origin,
  cwd: string,
  warnings: string[],
): void {
  const spec = (key: string) => KEY_BY_NAME.get(key) as KeySpec;
  const listenKeys = ['rtmp_addr', 'httpflv_addr', 'hls_addr', 'api_addr'];
  if (config.enableRtmps) listenKeys.push('rtmps_addr');
  else if (config.rtmpsAddr !== '') {
    warnings.push('rtmps_addr is set but enable_rtmps is not: nothing listens there');
  }
  const seen: { key: string; host: string | undefined; port: number }[] = [];
  for (const key of listenKeys) {
    const s = spec(key);
    const addr = getField(config, s.field) as string;
    if (addr === '') continue;
    const { host, port } = parseListenAddress(addr, key);
    const clash = seen.find((o) => port !== 0 && o.port === port && (o.host === host || !o.host || !host));
    if (clash !== undefined) {
      throw bad(`${where(s, origin(s))}: ${show(addr)} is also ${clash.key}'s port`, key);
    }
    seen.push({ key, host, port });
  }
  if (config.enableRtmps || config.useHlsHttps) {
    const needs = config.enableRtmps ? 'enable_rtmps' : 'use_hls_https';
    for (const key of ['rtmps_cert', 'rtmps_key']) {
      const s = spec(key);
      const path = getField(config, s.field) as string;
      try {
        accessSync(resolve(cwd, path), constants.R_OK);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
        throw bad(`${where(s, origin(s))}: cannot read ${show(path)}, which ${needs} needs (${code})`, key);
      }
    }
  }
}
