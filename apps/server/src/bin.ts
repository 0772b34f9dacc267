#!/usr/bin/env node
/**
 * The `livego` command. Until apps/cli (issue #7) brings every flag and livego.yaml, this reads the
 * listen addresses and the common flags by livego's names (`--flag value` or `--flag=value`).
 */
import { parseArgs } from 'node:util';
import { defaultConfig, type LogLevel, type ServerConfig } from './config.js';
import { createServer } from './server.js';

// `pnpm start -- --flag` passes the `--` through.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();

const { values } = parseArgs({
  args: argv,
  options: {
    rtmp_addr: { type: 'string' },
    httpflv_addr: { type: 'string' },
    hls_addr: { type: 'string' },
    api_addr: { type: 'string' },
    level: { type: 'string' },
    gop_num: { type: 'string' },
    read_timeout: { type: 'string' },
    write_timeout: { type: 'string' },
  },
  strict: true,
});

const d = defaultConfig();
const int = (v: string | undefined, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`livego: --${name} must be a whole number, got '${v}'`);
    process.exit(2);
  }
  return n;
};
const config: Partial<ServerConfig> = {
  rtmpAddr: values.rtmp_addr ?? d.rtmpAddr,
  httpflvAddr: values.httpflv_addr ?? d.httpflvAddr,
  hlsAddr: values.hls_addr ?? d.hlsAddr,
  apiAddr: values.api_addr ?? d.apiAddr,
  level: (values.level as LogLevel | undefined) ?? d.level,
  gopNum: int(values.gop_num, 'gop_num', d.gopNum),
  readTimeoutSec: int(values.read_timeout, 'read_timeout', d.readTimeoutSec),
  writeTimeoutSec: int(values.write_timeout, 'write_timeout', d.writeTimeoutSec),
};

const server = createServer(config);
try {
  await server.start();
} catch (err) {
  console.error(`livego: ${(err as Error).message}`);
  process.exit(1);
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) process.exit(1); // a second signal: leave now
  stopping = true;
  server.logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 5000);
  force.unref();
  server.stop(3000).then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
