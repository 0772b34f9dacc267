import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type LivegoConfig, loadConfig } from '../src/index.js';

/** A fresh directory holding the given files. */
function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'livego-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const load = (cwd: string, argv: string[] = [], env: Record<string, string> = {}) =>
  loadConfig({ argv, env, cwd });

/** livego's shipped livego.yaml (gwuhaolin/livego at 16c6af5): everything commented out but `server`. */
const LIVEGO_SHIPPED_YAML = `# # Logger level
# level: info

# # FLV Options
# flv_archive: false
# flv_dir: "./tmp"
# httpflv_addr: ":7001"

# # RTMP Options
# rtmp_noauth: false
# rtmp_addr: ":1935"
# read_timeout: 10
# write_timeout: 10

# # HLS Options
# hls_addr: ":7002"

# # API Options
# api_addr: ":8090"
server:
- appname: live
  live: true
  hls: true
  api: true
  flv: true
`;

describe('precedence: flag > env > file > default', () => {
  const cwd = dir({ 'livego.yaml': 'gop_num: 2\nlevel: warn\n' });

  it('takes each source over the ones below it', () => {
    expect(load(dir()).config.gopNum).toBe(1);
    expect(load(cwd).config.gopNum).toBe(2);
    expect(load(cwd, [], { GOP_NUM: '3' }).config.gopNum).toBe(3);
    expect(load(cwd, ['--gop_num', '4'], { GOP_NUM: '3' }).config.gopNum).toBe(4);
    // Keys one source does not set come from the next one down.
    const mixed = load(cwd, ['--gop_num=4'], { LEVEL: 'debug' }).config;
    expect([mixed.gopNum, mixed.level, mixed.rtmpAddr]).toEqual([4, 'debug', ':1935']);
  });

  it('reads the file named by --config_file relative to cwd, and says which file it read', () => {
    const d = dir({ 'other.yml': 'gop_num: 7\n', 'livego.yaml': 'gop_num: 2\n' });
    const r = load(d, ['--config_file', 'other.yml']);
    expect(r.config.gopNum).toBe(7);
    expect(r.configFile).toBe('other.yml');
    expect(load(d).configFile).toBe('livego.yaml');
  });

  it('ignores CONFIG_FILE in the environment, as livego does', () => {
    const d = dir({ 'other.yml': 'gop_num: 7\n' });
    expect(load(d, [], { CONFIG_FILE: 'other.yml' }).config.gopNum).toBe(1);
  });
});

describe('environment, as livego maps it', () => {
  it('reads every key upper-cased with . as _ and no prefix', () => {
    const cwd = dir({ 'c.pem': 'x', 'k.pem': 'x' });
    // The names livego's env binding reads (key upper-cased, . as _), each with a value that is not the default.
    const env: Record<string, string> = {
      RTMP_ADDR: '127.0.0.1:1940',
      API_ADDR: ':8091',
      HLS_ADDR: ':7012',
      HTTPFLV_ADDR: ':7011',
      GOP_NUM: '2',
      FLV_ARCHIVE: 'true',
      FLV_DIR: 'recordings',
      RTMP_NOAUTH: '1',
      HLS_KEEP_AFTER_END: 'T',
      REDIS_ADDR: 'redis.local:6380',
      REDIS_PWD: 'pw',
      READ_TIMEOUT: '11',
      WRITE_TIMEOUT: '12',
      ENABLE_TLS_VERIFY: 'false',
      ENABLE_RTMPS: 'true',
      RTMPS_CERT: 'c.pem',
      RTMPS_KEY: 'k.pem',
      USE_HLS_HTTPS: 'TRUE',
      LEVEL: 'ERROR',
      JWT_SECRET: 's3cret',
      JWT_ALGORITHM: 'HS512',
    };
    const c = load(cwd, [], env).config;
    expect(c).toEqual({
      ...defaultConfig(),
      rtmpAddr: '127.0.0.1:1940',
      apiAddr: ':8091',
      hlsAddr: ':7012',
      httpflvAddr: ':7011',
      gopNum: 2,
      flvArchive: true,
      flvDir: 'recordings',
      rtmpNoauth: true,
      hlsKeepAfterEnd: true,
      redisAddr: 'redis.local:6380',
      redisPwd: 'pw',
      readTimeoutSec: 11,
      writeTimeoutSec: 12,
      enableTlsVerify: false,
      enableRtmps: true,
      rtmpsCert: 'c.pem',
      rtmpsKey: 'k.pem',
      useHlsHttps: true,
      level: 'error',
      jwt: { secret: 's3cret', algorithm: 'HS512' },
    } satisfies LivegoConfig);
  });

  it('counts an empty value as set: API_ADDR= turns the API off', () => {
    expect(load(dir(), [], { API_ADDR: '' }).config.apiAddr).toBe('');
  });

  it('reads the added keys the same way', () => {
    const c = load(dir(), [], { HLS_SEGMENT_SEC: '1.5', HLS_WINDOW: '5', PUBLISH_TAKEOVER: 'false' }).config;
    expect([c.hlsSegmentSec, c.hlsWindow, c.publishTakeover]).toEqual([1.5, 5, false]);
  });

  it('reads workers as auto or a whole number from flags and env', () => {
    expect(load(dir(), ['--workers', '2']).config.workers).toBe(2);
    expect(load(dir(), [], { WORKERS: 'auto' }).config.workers).toBe('auto');
    expect(load(dir(), [], { WORKERS: '1' }).config.workers).toBe(1);
  });

  it('ignores environment variables that are not keys', () => {
    expect(load(dir(), [], { PATH: '/bin', HOME: '/root', SERVER: 'x' }).config).toEqual(defaultConfig());
  });
});

describe('livego.yaml', () => {
  it("reads livego's shipped livego.yaml to livego's defaults", () => {
    expect(load(dir({ 'livego.yaml': LIVEGO_SHIPPED_YAML })).config).toEqual(defaultConfig());
  });

  it('reads livego.example.yaml, which sets every key, to the defaults', () => {
    const d = dir();
    copyFileSync(join(import.meta.dirname, '..', 'livego.example.yaml'), join(d, 'livego.yaml'));
    const r = load(d);
    expect(r.config).toEqual(defaultConfig());
    expect(r.warnings).toEqual([]);
  });

  it('sets every key from a file', () => {
    const cwd = dir({
      'c.pem': 'x',
      'k.pem': 'x',
      'livego.yaml': `
level: debug
rtmp_addr: "127.0.0.1:1935"
rtmp_noauth: true
read_timeout: 5
write_timeout: 6
gop_num: 0
enable_rtmps: true
rtmps_cert: c.pem
rtmps_key: k.pem
rtmps_addr: ":1936"
enable_tls_verify: false
httpflv_addr: ""
flv_archive: true
flv_dir: ./rec
hls_addr: ":7003"
hls_keep_after_end: true
use_hls_https: true
hls_segment_sec: 2
hls_window: 6
hls_dir: ./hls
api_addr: ":8091"
redis_addr: "127.0.0.1:6379"
redis_pwd: "0123"
jwt:
  secret: abc
  algorithm: HS384
publish_takeover: false
player_wait_sec: 0
viewer_queue_bytes: 1048576
viewer_queue_ms: 5000
viewer_max_lag_ms: 8000
unpublish_grace_ms: 500
merge_write_ms: 20
workers: 3
worker_load_pct: 0
max_connections: 500
max_connections_per_ip: 50
handshake_timeout_sec: 2.5
start_timeout_sec: 4
max_chunk_size: 65536
max_message_size: 4194304
max_chunk_streams: 8
max_streams_per_connection: 4
amf_max_depth: 8
amf_max_elements: 1000
max_http_header_bytes: 8192
http_request_timeout_sec: 3
http_keepalive_timeout_sec: 2
max_viewers_per_stream: 100
max_streams: 20
api_keys_per_minute: 10
shutdown_timeout_sec: 3
server:
  - appname: live
    live: true
    hls: true
    flv: false
    api: true
    static_push: ["rtmp://a.example/live", "rtmps://b.example:443/app/sub"]
  - appname: tv
    live: true
`,
    });
    expect(load(cwd).config).toEqual({
      level: 'debug',
      rtmpAddr: '127.0.0.1:1935',
      rtmpNoauth: true,
      readTimeoutSec: 5,
      writeTimeoutSec: 6,
      gopNum: 0,
      enableRtmps: true,
      rtmpsCert: 'c.pem',
      rtmpsKey: 'k.pem',
      rtmpsAddr: ':1936',
      enableTlsVerify: false,
      httpflvAddr: '',
      flvArchive: true,
      flvDir: './rec',
      hlsAddr: ':7003',
      hlsKeepAfterEnd: true,
      useHlsHttps: true,
      hlsSegmentSec: 2,
      hlsWindow: 6,
      hlsDir: './hls',
      apiAddr: ':8091',
      redisAddr: '127.0.0.1:6379',
      redisPwd: '0123',
      jwt: { secret: 'abc', algorithm: 'HS384' },
      publishTakeover: false,
      playerWaitSec: 0,
      viewerQueueBytes: 1048576,
      viewerQueueMs: 5000,
      viewerMaxLagMs: 8000,
      unpublishGraceMs: 500,
      mergeWriteMs: 20,
      workers: 3,
      workerLoadPct: 0,
      maxConnections: 500,
      maxConnectionsPerIp: 50,
      handshakeTimeoutSec: 2.5,
      startTimeoutSec: 4,
      maxChunkSize: 65536,
      maxMessageSize: 4194304,
      maxChunkStreams: 8,
      maxStreamsPerConnection: 4,
      amfMaxDepth: 8,
      amfMaxElements: 1000,
      maxHttpHeaderBytes: 8192,
      httpRequestTimeoutSec: 3,
      httpKeepaliveTimeoutSec: 2,
      maxViewersPerStream: 100,
      maxStreams: 20,
      apiKeysPerMinute: 10,
      shutdownTimeoutSec: 3,
      apps: [
        {
          appname: 'live',
          live: true,
          hls: true,
          flv: false,
          api: true,
          staticPush: ['rtmp://a.example/live', 'rtmps://b.example:443/app/sub'],
        },
        // livego's zero values for what an entry leaves out.
        { appname: 'tv', live: true, hls: false, flv: false, api: false, staticPush: [] },
      ],
    } satisfies LivegoConfig);
  });

  it("keeps the built-in server list when a file sets other keys (livego's file discards it)", () => {
    const c = load(dir({ 'livego.yaml': 'gop_num: 2\n' })).config;
    expect(c.apps).toEqual(defaultConfig().apps);
  });

  it('takes keys in any case and YAML 1.1 booleans, as viper with go-yaml v2 does', () => {
    const c = load(
      dir({
        'livego.yaml':
          'RTMP_NOAUTH: yes\nServer:\n  - AppName: live\n    Live: on\n    HLS: no\n    static_push: rtmp://x/app\n',
      }),
    ).config;
    expect(c.rtmpNoauth).toBe(true);
    expect(c.apps).toEqual([
      { appname: 'live', live: true, hls: false, flv: false, api: false, staticPush: ['rtmp://x/app'] },
    ]);
  });

  it('reads numbers written as strings, and null as "not set"', () => {
    const c = load(dir({ 'livego.yaml': 'gop_num: "2"\nlevel:\njwt:\n' })).config;
    expect([c.gopNum, c.level, c.jwt]).toEqual([2, 'info', { secret: '', algorithm: 'HS256' }]);
  });

  it('reads an empty or comments-only file as no settings', () => {
    expect(load(dir({ 'livego.yaml': '' })).config).toEqual(defaultConfig());
    expect(load(dir({ 'livego.yaml': '# nothing\n' })).config).toEqual(defaultConfig());
  });

  it('reads JSON by its extension', () => {
    const cwd = dir({
      'livego.json': JSON.stringify({ gop_num: 3, server: [{ appname: 'a', live: true }] }),
    });
    const c = load(cwd, ['--config_file=livego.json']).config;
    expect(c.gopNum).toBe(3);
    expect(c.apps.map((a) => a.appname)).toEqual(['a']);
  });

  it('falls back to HS256 for an empty jwt.algorithm, as livego', () => {
    expect(load(dir({ 'livego.yaml': 'jwt: {secret: x, algorithm: ""}\n' })).config.jwt.algorithm).toBe(
      'HS256',
    );
  });

  it('takes :port as a Redis address on this host, as go-redis does', () => {
    expect(load(dir(), [], { REDIS_ADDR: ':6380' }).config.redisAddr).toBe(':6380');
  });

  it('maps logrus level names onto the logger', () => {
    expect(load(dir(), ['--level=warning']).config.level).toBe('warn');
    expect(load(dir(), ['--level=panic']).config.level).toBe('fatal');
  });

  it('warns about an app that is not live and a config_file key that does nothing', () => {
    const r = load(
      dir({
        'livego.yaml': 'config_file: x.yaml\nserver:\n  - appname: live\n    live: true\n  - appname: tv\n',
      }),
    );
    expect(r.warnings).toEqual([
      'livego.yaml: config_file has no effect in a config file (use --config_file)',
      'livego.yaml: server[1] (tv): live is not true, so the app is not served',
    ]);
    expect(r.config.apps.map((a) => [a.appname, a.live])).toEqual([
      ['live', true],
      ['tv', false],
    ]);
  });

  it('serves RTMPS beside RTMP only with enable_rtmps (else a warning)', () => {
    const r = load(dir(), ['--rtmps_addr=:1936']);
    expect(r.warnings).toEqual(['rtmps_addr is set but enable_rtmps is not: nothing listens there']);
  });

  it('allows port 0 on several listeners (the OS picks each)', () => {
    const zero = ['127.0.0.1:0', '127.0.0.1:0', '127.0.0.1:0', '127.0.0.1:0'];
    const argv = ['rtmp_addr', 'httpflv_addr', 'hls_addr', 'api_addr'].map((k, i) => `--${k}=${zero[i]}`);
    expect(load(dir(), argv).config.apiAddr).toBe('127.0.0.1:0');
  });
});
