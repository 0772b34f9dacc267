/**
 * The validated, typed configuration of a livego server. Names are livego's keys in
 * camelCase; `loadConfig` builds it from flags, env and livego.yaml, and `createServer` takes it.
 */
import { ConfigError } from './errors.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** One entry of livego's `server:` list. */
export interface AppConfig {
  appname: string;
  live: boolean;
  hls: boolean;
  flv: boolean;
  api: boolean;
  /** livego: static_push. RTMP URLs every stream of this app is pushed to. */
  staticPush: string[];
}

export interface LivegoConfig {
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
  /** Milliseconds a player is held after its publisher leaves before it is told the stream ended; a publisher back within it continues the same playback. */
  unpublishGraceMs: number;
  /**
   * Milliseconds of a stream's messages collected and sent to every caught-up viewer as one write;
   * fewer, larger writes cost less CPU per viewer, at up to this much added latency. 0: at once.
   */
  mergeWriteMs: number;
  /**
   * Processes serving viewers: 'auto' is one per core; 1 serves everything in this process. With more,
   * this process keeps publishers, the API, HLS, relays and recordings and hands players to the others.
   */
  workers: number | 'auto';
  /**
   * With workers > 1: the first process serves viewers itself while its event loop is busy less than
   * this percentage of the time (the workers are started at half of it); past it, and from the start
   * when 0, viewers go to the process serving the fewest.
   */
  workerLoadPct: number;
  /** Connections open at once over all listeners; past it a new one is refused. */
  maxConnections: number;
  /** Connections open at once from one remote address. */
  maxConnectionsPerIp: number;
  /** Seconds an RTMP peer has to complete the handshake. */
  handshakeTimeoutSec: number;
  /** Seconds from an RTMP connection to its first publish or play. */
  startTimeoutSec: number;
  /** Largest Set Chunk Size a peer may announce. */
  maxChunkSize: number;
  /** Largest RTMP message (one frame) a peer may send, in bytes. */
  maxMessageSize: number;
  /** RTMP chunk stream ids one connection may use. */
  maxChunkStreams: number;
  /** RTMP message streams (createStream) one connection may create. */
  maxStreamsPerConnection: number;
  /** Nesting depth of an AMF command or metadata value. */
  amfMaxDepth: number;
  /** Values (properties and array elements together) one AMF message may hold. */
  amfMaxElements: number;
  /** Bytes of request line and headers one HTTP request may have. */
  maxHttpHeaderBytes: number;
  /** Seconds an HTTP connection has to send a complete request line and headers. */
  httpRequestTimeoutSec: number;
  /** Seconds an idle keep-alive HTTP connection stays open between requests. */
  httpKeepaliveTimeoutSec: number;
  /** Viewers one stream may have over all protocols. */
  maxViewersPerStream: number;
  /** Streams the server holds at once, published or waited for. */
  maxStreams: number;
  /** Channel keys the API may create (or reset) per minute. */
  apiKeysPerMinute: number;
  /** Seconds SIGTERM waits for sessions, recordings and HLS files to finish before exiting. */
  shutdownTimeoutSec: number;
}

/** livego's defaults (its flag defaults and built-in `server:` list), plus ours for the added keys. */
export function defaultConfig(): LivegoConfig {
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
    unpublishGraceMs: 2000,
    mergeWriteMs: 50,
    workers: 'auto',
    workerLoadPct: 50,
    maxConnections: 10_000,
    maxConnectionsPerIp: 1000,
    handshakeTimeoutSec: 5,
    startTimeoutSec: 10,
    maxChunkSize: 16_777_216,
    maxMessageSize: 16_777_216,
    maxChunkStreams: 64,
    maxStreamsPerConnection: 16,
    amfMaxDepth: 32,
    amfMaxElements: 65_536,
    maxHttpHeaderBytes: 16_384,
    httpRequestTimeoutSec: 10,
    httpKeepaliveTimeoutSec: 5,
    maxViewersPerStream: 10_000,
    maxStreams: 1000,
    apiKeysPerMinute: 60,
    shutdownTimeoutSec: 10,
  };
}

export interface ListenAddress {
  /** undefined: all interfaces. */
  host: string | undefined;
  port: number;
}

const LISTEN_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/;

/**
 * Parses livego's listen addresses: ':1935', '127.0.0.1:1935', '[::1]:1935', 'localhost:0'.
 * Throws a ConfigError naming `field` when `addr` is not one.
 */
export function parseListenAddress(addr: string, field: string): ListenAddress {
  const m = LISTEN_RE.exec(addr.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new ConfigError(
      'CONFIG_BAD_VALUE',
      `${field}: '${addr}' is not a listen address (expected host:port or :port)`,
      {
        field,
      },
    );
  }
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return { host, port };
}
