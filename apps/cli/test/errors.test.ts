import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LivegoError } from '@livego/amf';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigErrorCode, loadConfig } from '../src/index.js';

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'livego-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

/** The ConfigError loadConfig throws, checked to be one line. */
function failure(cwd: string, argv: string[] = [], env: Record<string, string> = {}): ConfigError {
  try {
    loadConfig({ argv, env, cwd });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(LivegoError);
    const e = err as ConfigError;
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error('loadConfig did not throw');
}

const yaml = (text: string) => failure(dir({ 'livego.yaml': text }));

describe('one-line errors naming the key and where it came from', () => {
  const cases: [string, () => ConfigError, ConfigErrorCode, string][] = [
    // The config file.
    [
      'broken YAML',
      () => yaml('server:\n  - appname: live\n   live: true\n'),
      'CONFIG_BAD_FILE',
      'livego.yaml: broken YAML: ',
    ],
    // Found by fast-check: the yaml library throws a ReferenceError for this one.
    [
      'an alias without its anchor',
      () => yaml('*!'),
      'CONFIG_BAD_FILE',
      'livego.yaml: broken YAML: Unresolved alias (the anchor must be set before the alias): !',
    ],
    [
      'a key twice',
      () => yaml('gop_num: 1\ngop_num: 2\n'),
      'CONFIG_BAD_FILE',
      'livego.yaml: broken YAML: Map keys must be unique at line 2, column 1',
    ],
    [
      'a key twice in two cases',
      () => yaml('gop_num: 1\nGOP_NUM: 2\n'),
      'CONFIG_BAD_FILE',
      'livego.yaml: GOP_NUM: the key appears twice (keys ignore case)',
    ],
    [
      'a list at the top',
      () => yaml('- a\n'),
      'CONFIG_BAD_FILE',
      "livego.yaml: expected a mapping of livego's keys at the top",
    ],
    [
      'broken JSON',
      () => failure(dir({ 'c.json': '{"gop_num": }' }), ['--config_file', 'c.json']),
      'CONFIG_BAD_FILE',
      'c.json: broken JSON: ',
    ],
    [
      'an unsupported format',
      () => failure(dir({ 'c.toml': 'gop_num = 1' }), ['--config_file', 'c.toml']),
      'CONFIG_BAD_FILE',
      'c.toml: unsupported config format ".toml" (use .yaml, .yml or .json)',
    ],
    [
      'a missing --config_file',
      () => failure(dir(), ['--config_file', 'nope.yaml']),
      'CONFIG_BAD_FILE',
      'nope.yaml: cannot read the config file (no such file)',
    ],
    [
      'a directory as the file',
      () => failure(dirWith('livego.yaml')),
      'CONFIG_BAD_FILE',
      'livego.yaml: cannot read the config file (it is a directory)',
    ],
    [
      'an empty --config_file',
      () => failure(dir(), ['--config_file=']),
      'CONFIG_BAD_FLAG',
      '--config_file: expected a file name, got ""',
    ],
    [
      'an unknown key',
      () => yaml('rtmp_adr: ":1935"\n'),
      'CONFIG_UNKNOWN_KEY',
      'livego.yaml: rtmp_adr: unknown key (did you mean rtmp_addr?)',
    ],
    [
      'an unknown key, nothing near',
      () => yaml('colour: blue\n'),
      'CONFIG_UNKNOWN_KEY',
      'livego.yaml: colour: unknown key',
    ],
    [
      'an unknown jwt key',
      () => yaml('jwt:\n  secrit: x\n'),
      'CONFIG_UNKNOWN_KEY',
      'livego.yaml: jwt.secrit: unknown key (did you mean jwt.secret?)',
    ],
    [
      'jwt not a mapping',
      () => yaml('jwt: abc\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: jwt: expected a mapping with secret and algorithm, got "abc"',
    ],
    [
      'a dotted key',
      () => yaml('jwt.secret: x\n'),
      'CONFIG_UNKNOWN_KEY',
      'livego.yaml: jwt.secret: unknown key (write jwt: {secret: ...})',
    ],
    [
      'a word for a number',
      () => yaml('gop_num: abc\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: gop_num: expected a whole number >= 0, got "abc"',
    ],
    [
      'a negative number',
      () => yaml('gop_num: -1\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: gop_num: expected a whole number >= 0, got -1',
    ],
    [
      'a fraction for a whole number',
      () => yaml('hls_window: 2.5\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: hls_window: expected a whole number >= 1, got 2.5',
    ],
    [
      'a zero timeout',
      () => yaml('write_timeout: 0\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: write_timeout: expected a whole number >= 1, got 0',
    ],
    [
      'no workers',
      () => yaml('workers: 0\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: workers: expected auto or a whole number >= 1, got 0',
    ],
    [
      'a word for workers',
      () => yaml('workers: many\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: workers: expected auto or a whole number >= 1, got "many"',
    ],
    [
      'a number for a string',
      () => yaml('redis_pwd: 0123\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: redis_pwd: expected a string, got 123 (quote it)',
    ],
    [
      'a list for a bool',
      () => yaml('flv_archive: [1]\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: flv_archive: expected true or false, got a list',
    ],
    [
      'a bad address',
      () => yaml('rtmp_addr: "1935"\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: rtmp_addr: expected host:port, :port or "" (off), got "1935"',
    ],
    [
      'a port out of range',
      () => yaml('api_addr: ":65536"\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: api_addr: expected host:port, :port or "" (off), got ":65536"',
    ],
    [
      'a Redis address without a port',
      () => yaml('redis_addr: "localhost"\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: redis_addr: expected host:port, :port (this host) or "" (off), got "localhost"',
    ],
    [
      'Redis on port 0',
      () => yaml('redis_addr: ":0"\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: redis_addr: expected host:port, :port (this host) or "" (off), got ":0"',
    ],
    [
      'an unknown level',
      () => yaml('level: loud\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: level: expected trace, debug, info, warn, error, fatal, panic or silent, got "loud"',
    ],
    [
      'an asymmetric JWT algorithm',
      () => yaml('jwt:\n  algorithm: RS256\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: jwt.algorithm: expected HS256, HS384 or HS512, got "RS256"',
    ],
    [
      'an empty flv_dir',
      () => yaml('flv_dir: ""\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: flv_dir: expected a file or directory name, got ""',
    ],
    [
      'server not a list',
      () => yaml('server: live\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server: expected a list of apps (- appname: live), got "live"',
    ],
    [
      'an empty server list',
      () => yaml('server: []\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server: expected at least one app, got an empty list',
    ],
    [
      'an app that is not a mapping',
      () => yaml('server: [live]\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server[0]: expected a mapping (appname, live, hls, flv, api, static_push), got "live"',
    ],
    [
      'an app without appname',
      () => yaml('server:\n  - live: true\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server[0].appname: expected a name without "/", "?" or spaces, got null',
    ],
    [
      'an appname with a slash',
      () => yaml('server:\n  - appname: live/x\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server[0].appname: expected a name without "/", "?" or spaces, got "live/x"',
    ],
    [
      'an app twice',
      () => yaml('server:\n  - appname: live\n  - appname: live\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server[1].appname: "live" is also server[0]',
    ],
    [
      'an unknown app key',
      () => yaml('server:\n  - appname: live\n    static-push: []\n'),
      'CONFIG_UNKNOWN_KEY',
      'livego.yaml: server[0].static-push: unknown key (did you mean server[0].static_push?)',
    ],
    [
      'an app flag that is not a bool',
      () => yaml('server:\n  - appname: live\n    hls: maybe\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server[0].hls: expected true or false, got "maybe"',
    ],
    [
      'a static_push that is no RTMP URL',
      () => yaml('server:\n  - appname: live\n    static_push: ["http://x/app"]\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server[0].static_push[0]: expected an rtmp:// or rtmps:// URL with an app (rtmp://host/app), got "http://x/app"',
    ],
    [
      'a static_push that is a mapping',
      () => yaml('server:\n  - appname: live\n    static_push: {a: 1}\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server[0].static_push: expected a list of rtmp:// URLs, got a mapping',
    ],
    [
      'a static_push without an app',
      () => yaml('server:\n  - appname: live\n    static_push: ["rtmp://x"]\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: server[0].static_push[0]: expected an rtmp:// or rtmps:// URL with an app (rtmp://host/app), got "rtmp://x"',
    ],
    // The environment.
    [
      'a bad env value',
      () => failure(dir(), [], { GOP_NUM: 'abc' }),
      'CONFIG_BAD_VALUE',
      'env GOP_NUM: expected a whole number >= 0, got "abc"',
    ],
    [
      'an empty env value for a bool',
      () => failure(dir(), [], { RTMP_NOAUTH: '' }),
      'CONFIG_BAD_VALUE',
      'env RTMP_NOAUTH: expected true or false, got ""',
    ],
    [
      'a bad nested env value',
      () => failure(dir(), [], { JWT_ALGORITHM: 'none' }),
      'CONFIG_BAD_VALUE',
      'env JWT_ALGORITHM: expected HS256, HS384 or HS512, got "none"',
    ],
    // Flags.
    [
      'a bad flag value',
      () => failure(dir(), ['--gop_num', 'abc']),
      'CONFIG_BAD_VALUE',
      '--gop_num: expected a whole number >= 0, got "abc"',
    ],
    [
      'a bad bool flag',
      () => failure(dir(), ['--enable_rtmps=yes']),
      'CONFIG_BAD_VALUE',
      '--enable_rtmps: expected true or false, got "yes"',
    ],
    [
      'a misspelt flag',
      () => failure(dir(), ['--gop-num', '1']),
      'CONFIG_BAD_FLAG',
      'unknown flag --gop-num (did you mean --gop_num?); see --help',
    ],
    [
      'a single-dash flag',
      () => failure(dir(), ['-gop_num', '1']),
      'CONFIG_BAD_FLAG',
      'unknown flag -gop_num (flags start with --: --gop_num); see --help',
    ],
    [
      'a config-only key as a flag',
      () => failure(dir(), ['--rtmp_noauth']),
      'CONFIG_BAD_FLAG',
      'unknown flag --rtmp_noauth: as in livego, rtmp_noauth is set in the config file or with env RTMP_NOAUTH',
    ],
    [
      'a flag without its value',
      () => failure(dir(), ['--rtmp_addr']),
      'CONFIG_BAD_FLAG',
      '--rtmp_addr: needs a value (--rtmp_addr value or --rtmp_addr=value)',
    ],
    [
      'a stray argument',
      () => failure(dir(), ['serve']),
      'CONFIG_BAD_FLAG',
      'unexpected argument "serve" (flags are --name value or --name=value; see --help)',
    ],
    [
      'an argument after --',
      () => failure(dir(), ['--gop_num=1', '--', 'x']),
      'CONFIG_BAD_FLAG',
      'unexpected argument "x"',
    ],
    // Between keys.
    [
      'two listeners on one port',
      () => failure(dir(), ['--hls_addr=:7001']),
      'CONFIG_BAD_VALUE',
      '--hls_addr: ":7001" is also httpflv_addr\'s port',
    ],
    [
      'a clash from the file',
      () => yaml('api_addr: "127.0.0.1:1935"\n'),
      'CONFIG_BAD_VALUE',
      'livego.yaml: api_addr: "127.0.0.1:1935" is also rtmp_addr\'s port',
    ],
    [
      'RTMPS without its certificate',
      () => failure(dir(), ['--enable_rtmps']),
      'CONFIG_BAD_VALUE',
      'rtmps_cert: cannot read "server.crt", which enable_rtmps needs (ENOENT)',
    ],
    [
      'HLS over HTTPS without its key',
      () =>
        failure(
          dir({ 'c.pem': 'x', 'livego.yaml': 'use_hls_https: true\nrtmps_cert: c.pem\nrtmps_key: k.pem\n' }),
        ),
      'CONFIG_BAD_VALUE',
      'livego.yaml: rtmps_key: cannot read "k.pem", which use_hls_https needs (ENOENT)',
    ],
  ];

  for (const [what, run, code, message] of cases) {
    it(`refuses ${what}`, () => {
      const e = run();
      expect(e.code).toBe(code);
      expect(e.message.startsWith(message), `${e.message}\n  should start with\n${message}`).toBe(true);
    });
  }

  it('names the field and the position in the file', () => {
    expect(yaml('gop_num: abc\n').field).toBe('gop_num');
    const e = yaml('a: 1\nb: [\n');
    expect(e.offset).toBeGreaterThan(0);
  });

  it('refuses different hosts on one port only when one of them is every interface', () => {
    expect(
      loadConfig({
        argv: ['--hls_addr=127.0.0.1:7001', '--httpflv_addr=127.0.0.2:7001'],
        env: {},
        cwd: dir(),
      }).config.hlsAddr,
    ).toBe('127.0.0.1:7001');
  });

  // root reads anything
  it.skipIf(process.getuid?.() === 0)('refuses an unreadable file', () => {
    const d = dir({ 'livego.yaml': 'gop_num: 1\n' });
    chmodSync(join(d, 'livego.yaml'), 0o000);
    expect(failure(d).message).toBe('livego.yaml: cannot read the config file (permission denied)');
  });
});

function dirWith(sub: string): string {
  const d = dir();
  mkdirSync(join(d, sub));
  return d;
}
