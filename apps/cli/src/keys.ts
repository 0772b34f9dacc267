/**
 * Every key livego reads (its 15 flags and the keys only its file and env set) and the few added here, with
 * its type, default, flag and environment name. One table drives flags, env, file and --help.
 */
import type { LivegoConfig } from './config.js';

export type ValueType =
  /** Any string. */
  | 'string'
  /** A string that must not be empty. */
  | 'path'
  /** A listen address: host:port, :port or '' (off). */
  | 'addr'
  /** host:port of a Redis server, or '' (off). */
  | 'redis'
  | 'bool'
  /** A whole number >= min. */
  | 'int'
  /** A number > 0 (fractions allowed). */
  | 'seconds'
  | 'level'
  | 'jwtAlgorithm'
  /** 'auto' (one per core) or a whole number >= 1. */
  | 'workers';

/** Scalar config fields (everything but `apps` and the `jwt` object), plus the two jwt leaves. */
export type ScalarField = Exclude<keyof LivegoConfig, 'apps' | 'jwt'> | 'jwt.secret' | 'jwt.algorithm';

export interface KeySpec {
  /** livego's key; nested keys are dotted ('jwt.secret'). */
  key: string;
  field: ScalarField;
  type: ValueType;
  /** Smallest whole number allowed ('int' only). */
  min?: number;
  /** 'livego': one of livego's 15 flags; 'added': a flag livego does not have; undefined: file/env only. */
  flag?: 'livego' | 'added';
  /** livego's help text for its flags; ours for the rest. */
  help: string;
}

export const KEYS: readonly KeySpec[] = [
  // livego's flags (configure/liveconfig.go), with its help texts word for word.
  { key: 'rtmp_addr', field: 'rtmpAddr', type: 'addr', flag: 'livego', help: 'RTMP server listen address' },
  {
    key: 'enable_rtmps',
    field: 'enableRtmps',
    type: 'bool',
    flag: 'livego',
    help: 'enable server session RTMPS',
  },
  {
    key: 'rtmps_cert',
    field: 'rtmpsCert',
    type: 'path',
    flag: 'livego',
    help: 'cert file path required for RTMPS',
  },
  {
    key: 'rtmps_key',
    field: 'rtmpsKey',
    type: 'path',
    flag: 'livego',
    help: 'key file path required for RTMPS',
  },
  {
    key: 'httpflv_addr',
    field: 'httpflvAddr',
    type: 'addr',
    flag: 'livego',
    help: 'HTTP-FLV server listen address',
  },
  { key: 'hls_addr', field: 'hlsAddr', type: 'addr', flag: 'livego', help: 'HLS server listen address' },
  {
    key: 'api_addr',
    field: 'apiAddr',
    type: 'addr',
    flag: 'livego',
    help: 'HTTP manage interface server listen address',
  },
  { key: 'level', field: 'level', type: 'level', flag: 'livego', help: 'Log level' },
  {
    key: 'hls_keep_after_end',
    field: 'hlsKeepAfterEnd',
    type: 'bool',
    flag: 'livego',
    help: 'Maintains the HLS after the stream ends',
  },
  {
    key: 'flv_dir',
    field: 'flvDir',
    type: 'path',
    flag: 'livego',
    help: 'output flv file at flvDir/APP/KEY_TIME.flv',
  },
  {
    key: 'read_timeout',
    field: 'readTimeoutSec',
    type: 'int',
    min: 1,
    flag: 'livego',
    help: 'read time out',
  },
  {
    key: 'write_timeout',
    field: 'writeTimeoutSec',
    type: 'int',
    min: 1,
    flag: 'livego',
    help: 'write time out',
  },
  { key: 'gop_num', field: 'gopNum', type: 'int', min: 0, flag: 'livego', help: 'gop num' },
  {
    key: 'enable_tls_verify',
    field: 'enableTlsVerify',
    type: 'bool',
    flag: 'livego',
    help: 'Use system root CA to verify RTMPS connection (client side)',
  },
  // livego's config-only keys: file or env, no flag (as there).
  { key: 'flv_archive', field: 'flvArchive', type: 'bool', help: 'record every publish to flv_dir' },
  { key: 'rtmp_noauth', field: 'rtmpNoauth', type: 'bool', help: 'publish without a channel key' },
  {
    key: 'redis_addr',
    field: 'redisAddr',
    type: 'redis',
    help: 'keep channel keys in this Redis (host:port)',
  },
  { key: 'redis_pwd', field: 'redisPwd', type: 'string', help: 'Redis password' },
  { key: 'jwt.secret', field: 'jwt.secret', type: 'string', help: 'require a JWT signed with it on the API' },
  { key: 'jwt.algorithm', field: 'jwt.algorithm', type: 'jwtAlgorithm', help: 'HS256, HS384 or HS512' },
  {
    key: 'use_hls_https',
    field: 'useHlsHttps',
    type: 'bool',
    help: 'serve HLS over HTTPS with rtmps_cert/key',
  },
  // Added here: config fields livego does not have.
  {
    key: 'rtmps_addr',
    field: 'rtmpsAddr',
    type: 'addr',
    flag: 'added',
    help: 'RTMPS listen address beside plain RTMP on rtmp_addr (with enable_rtmps; "" = rtmp_addr speaks TLS)',
  },
  {
    key: 'hls_segment_sec',
    field: 'hlsSegmentSec',
    type: 'seconds',
    flag: 'added',
    help: 'HLS segment target duration in seconds',
  },
  {
    key: 'hls_window',
    field: 'hlsWindow',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'segments in an HLS playlist',
  },
  {
    key: 'hls_dir',
    field: 'hlsDir',
    type: 'string',
    flag: 'added',
    help: 'also write HLS segments and playlists under this directory ("" = memory only)',
  },
  {
    key: 'publish_takeover',
    field: 'publishTakeover',
    type: 'bool',
    flag: 'added',
    help: 'a second publisher takes a live stream over (false: it is refused)',
  },
  {
    key: 'player_wait_sec',
    field: 'playerWaitSec',
    type: 'int',
    min: 0,
    flag: 'added',
    help: 'seconds an RTMP player waits for a stream that is not published yet',
  },
  {
    key: 'viewer_queue_bytes',
    field: 'viewerQueueBytes',
    type: 'int',
    min: 1,
    flag: 'added',
    help: "a viewer's queue bound in bytes; past it the viewer skips to the next keyframe",
  },
  {
    key: 'viewer_queue_ms',
    field: 'viewerQueueMs',
    type: 'int',
    min: 1,
    flag: 'added',
    help: "a viewer's queue bound in media milliseconds",
  },
  {
    key: 'viewer_max_lag_ms',
    field: 'viewerMaxLagMs',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'media milliseconds a viewer may stay behind before it is disconnected',
  },
  {
    key: 'unpublish_grace_ms',
    field: 'unpublishGraceMs',
    type: 'int',
    min: 0,
    flag: 'added',
    help: 'milliseconds players are held when a publisher leaves, so a quick reconnect is invisible (0: end at once)',
  },
  {
    key: 'merge_write_ms',
    field: 'mergeWriteMs',
    type: 'int',
    min: 0,
    flag: 'added',
    help: 'milliseconds of a stream merged into one write to each caught-up viewer (0: write at once)',
  },
  {
    key: 'workers',
    field: 'workers',
    type: 'workers',
    flag: 'added',
    help: 'processes serving viewers: auto (one per core) or a number (1: a single process)',
  },
  {
    key: 'worker_load_pct',
    field: 'workerLoadPct',
    type: 'int',
    min: 0,
    flag: 'added',
    help: 'with workers > 1: viewers stay in the first process until its event loop is this % busy, then spread over all (0: spread from the start)',
  },
  {
    key: 'max_connections',
    field: 'maxConnections',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'connections accepted in total over RTMP, HTTP-FLV, HLS and the API',
  },
  {
    key: 'max_connections_per_ip',
    field: 'maxConnectionsPerIp',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'connections accepted from one IP address',
  },
  {
    key: 'handshake_timeout_sec',
    field: 'handshakeTimeoutSec',
    type: 'seconds',
    flag: 'added',
    help: 'seconds an RTMP peer has to complete the handshake',
  },
  {
    key: 'start_timeout_sec',
    field: 'startTimeoutSec',
    type: 'seconds',
    flag: 'added',
    help: 'seconds an RTMP peer has from connecting to its first publish or play',
  },
  {
    key: 'max_chunk_size',
    field: 'maxChunkSize',
    type: 'int',
    min: 128,
    flag: 'added',
    help: 'largest RTMP chunk size a peer may set',
  },
  {
    key: 'max_message_size',
    field: 'maxMessageSize',
    type: 'int',
    min: 1024,
    flag: 'added',
    help: 'largest RTMP message a peer may send, in bytes',
  },
  {
    key: 'max_chunk_streams',
    field: 'maxChunkStreams',
    type: 'int',
    min: 2,
    flag: 'added',
    help: 'RTMP chunk streams one connection may open',
  },
  {
    key: 'max_streams_per_connection',
    field: 'maxStreamsPerConnection',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'RTMP message streams (createStream) per connection',
  },
  {
    key: 'amf_max_depth',
    field: 'amfMaxDepth',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'nesting depth of an AMF value a peer may send',
  },
  {
    key: 'amf_max_elements',
    field: 'amfMaxElements',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'values in one AMF command or metadata message',
  },
  {
    key: 'max_http_header_bytes',
    field: 'maxHttpHeaderBytes',
    type: 'int',
    min: 1024,
    flag: 'added',
    help: 'bytes of request line and headers an HTTP request may have',
  },
  {
    key: 'http_request_timeout_sec',
    field: 'httpRequestTimeoutSec',
    type: 'seconds',
    flag: 'added',
    help: 'seconds an HTTP client has to send a complete request head',
  },
  {
    key: 'http_keepalive_timeout_sec',
    field: 'httpKeepaliveTimeoutSec',
    type: 'seconds',
    flag: 'added',
    help: 'seconds an idle keep-alive HTTP connection is kept open',
  },
  {
    key: 'max_viewers_per_stream',
    field: 'maxViewersPerStream',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'viewers one stream may have over all protocols',
  },
  {
    key: 'max_streams',
    field: 'maxStreams',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'streams (published or waited for) the server holds at once',
  },
  {
    key: 'api_keys_per_minute',
    field: 'apiKeysPerMinute',
    type: 'int',
    min: 1,
    flag: 'added',
    help: 'channel keys the API may create per minute',
  },
  {
    key: 'shutdown_timeout_sec',
    field: 'shutdownTimeoutSec',
    type: 'seconds',
    flag: 'added',
    help: 'seconds a SIGTERM waits for sessions to end before exiting',
  },
];

/** livego's --config_file: chooses the file, so it is a flag only (livego ignores CONFIG_FILE too). */
export const CONFIG_FILE_FLAG = {
  key: 'config_file',
  help: 'configure filename',
  default: 'livego.yaml',
} as const;

/** The environment variable livego (viper AutomaticEnv, no prefix, '.' -> '_') reads for a key. */
export function envName(key: string): string {
  return key.toUpperCase().replaceAll('.', '_');
}

export const KEY_BY_NAME: ReadonlyMap<string, KeySpec> = new Map(KEYS.map((k) => [k.key, k]));

/** Keys of one `server:` list entry (configure/liveconfig.go Application). */
export const APP_KEYS = ['appname', 'live', 'hls', 'flv', 'api', 'static_push'] as const;

/** Reads a scalar field, nested or not. */
export function getField(config: LivegoConfig, field: ScalarField): unknown {
  if (field === 'jwt.secret') return config.jwt.secret;
  if (field === 'jwt.algorithm') return config.jwt.algorithm;
  return config[field];
}

/** Sets a scalar field; `value` has been checked against the key's type. */
export function setField(config: LivegoConfig, field: ScalarField, value: unknown): void {
  if (field === 'jwt.secret') config.jwt.secret = value as string;
  else if (field === 'jwt.algorithm') config.jwt.algorithm = value as string;
  else (config as unknown as Record<string, unknown>)[field] = value;
}
