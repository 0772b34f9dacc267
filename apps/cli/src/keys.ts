/**
 * Every key livego reads (livego.md §1.1 flags, §1.2 config-only keys) and the few added here, with
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
  | 'jwtAlgorithm';

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
