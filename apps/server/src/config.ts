/**
 * The server's validated, typed configuration. apps/cli builds it from flags, env and livego.yaml;
 * programmatic users pass a partial one to createServer. Names follow livego's keys in camelCase.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface AppConfig {
  appname: string;
  live: boolean;
  hls: boolean;
  flv: boolean;
  api: boolean;
  staticPush: string[];
}

export interface ServerConfig {
  /** `host:port`, `:port` (all interfaces) or '' (off). livego: rtmp_addr. */
  rtmpAddr: string;
  /** livego: enable_rtmps, rtmps_cert, rtmps_key (PEM files). */
  enableRtmps: boolean;
  rtmpsCert: string;
  rtmpsKey: string;
  /**
   * Where RTMPS listens. '' keeps livego's behaviour: with enable_rtmps, rtmp_addr itself speaks TLS.
   * Set it to serve plain RTMP on rtmp_addr and RTMPS here at the same time.
   */
  rtmpsAddr: string;
  /** Verify remote certificates for rtmps:// relays and pushes. livego: enable_tls_verify. */
  enableTlsVerify: boolean;
  httpflvAddr: string;
  hlsAddr: string;
  apiAddr: string;
  level: LogLevel;
  /** GOPs in the start-up cache. livego: gop_num. */
  gopNum: number;
  hlsKeepAfterEnd: boolean;
  flvDir: string;
  flvArchive: boolean;
  /** Seconds without data from a peer before its connection is closed. livego: read_timeout (unused there). */
  readTimeoutSec: number;
  /** Seconds a viewer's socket may stay unwritable before it is closed. livego: write_timeout. */
  writeTimeoutSec: number;
  /** Publish without a channel key. livego: rtmp_noauth. */
  rtmpNoauth: boolean;
  /** Channel keys in Redis when set ('host:port'). livego: redis_addr, redis_pwd. */
  redisAddr: string;
  redisPwd: string;
  /** JWT on the API when `secret` is set. livego: jwt.secret, jwt.algorithm. */
  jwt: { secret: string; algorithm: string };
  /** HLS segment target duration (livego: 3 s minimum, not configurable there). */
  hlsSegmentSec: number;
  /** Segments listed in the playlist (livego: 3). */
  hlsWindow: number;
  /** Also write segments and playlists under this directory ('' = memory only). */
  hlsDir: string;
  /** Serve HLS over HTTPS with rtmps_cert/rtmps_key (livego: use_hls_https, fixed file names). */
  useHlsHttps: boolean;
  apps: AppConfig[];
  /** A second publisher takes a live stream over (true, as livego) or is refused (false, as SRS). */
  publishTakeover: boolean;
  /** Seconds an RTMP player may wait for a stream that is not published yet. */
  playerWaitSec: number;
  /** A viewer's queue bound in bytes and in media milliseconds: past it, it skips to the next keyframe. */
  viewerQueueBytes: number;
  viewerQueueMs: number;
  /** Media milliseconds a viewer may stay behind before it is disconnected. */
  viewerMaxLagMs: number;
}

export function defaultConfig(): ServerConfig {
  return {
    rtmpAddr: ':1935',
    enableRtmps: false,
    rtmpsCert: 'server.crt',
    rtmpsKey: 'server.key',
    rtmpsAddr: '',
    enableTlsVerify: true,
    httpflvAddr: ':7001',
    hlsAddr: ':7002',
    apiAddr: ':8090',
    level: 'info',
    gopNum: 1,
    hlsKeepAfterEnd: false,
    flvDir: 'tmp',
    flvArchive: false,
    readTimeoutSec: 10,
    writeTimeoutSec: 10,
    rtmpNoauth: false,
    redisAddr: '',
    redisPwd: '',
    jwt: { secret: '', algorithm: 'HS256' },
    hlsSegmentSec: 3,
    hlsWindow: 3,
    hlsDir: '',
    useHlsHttps: false,
    apps: [{ appname: 'live', live: true, hls: true, flv: true, api: true, staticPush: [] }],
    publishTakeover: true,
    playerWaitSec: 30,
    viewerQueueBytes: 32 * 1024 * 1024,
    viewerQueueMs: 10_000,
    viewerMaxLagMs: 20_000,
  };
}

export interface ListenAddress {
  /** undefined: all interfaces. */
  host: string | undefined;
  port: number;
}

/** Parses livego's listen addresses: ':1935', '127.0.0.1:1935', '[::1]:1935', 'localhost:0'. */
export function parseListenAddress(addr: string, field: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new TypeError(`${field}: '${addr}' is not a listen address (expected host:port or :port)`);
  }
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return { host, port };
}
