/**
 * The server's configuration type lives in @livego/cli, which builds it from flags, env and
 * livego.yaml; `ServerConfig` is its name here. Programmatic users pass a partial one
 * to createServer.
 */
export type { AppConfig, ListenAddress, LivegoConfig as ServerConfig, LogLevel } from '@livego/cli';
export { defaultConfig, parseListenAddress, validateConfig } from '@livego/cli';
