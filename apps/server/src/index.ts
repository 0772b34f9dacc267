export type { AppConfig, ListenAddress, LogLevel, ServerConfig } from './config.js';
export { defaultConfig, parseListenAddress } from './config.js';
export type { KeyStore } from './keys.js';
export { MemoryKeyStore, newChannelKey, redactKey } from './keys.js';
export type { CreateServerOptions, LivegoServer, ServerAddresses } from './server.js';
export { createServer } from './server.js';
