#!/usr/bin/env node
/**
 * The `livego` command: @livego/cli turns argv, env and livego.yaml into one
 * validated config; this starts the server with it and stops it on SIGINT/SIGTERM.
 *
 * A signal stops accepting, ends publishers and viewers, finishes recordings and HLS files, and
 * exits within shutdown_timeout_sec. Exit codes: 0 stopped by a signal (also when something had to
 * be cut at the timeout), 1 cannot listen, 2 bad flags or config, 3 the shutdown itself hung past
 * the timeout, 130 / 143 a second SIGINT / SIGTERM during the shutdown (exits at once).
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type LoadResult, loadConfig } from '@livego/cli';
import { createServer } from './server.js';

let loaded: LoadResult;
try {
  loaded = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`livego: ${err.message}`);
  process.exit(2);
}
if (loaded.help !== undefined) {
  process.stdout.write(loaded.help);
  process.exit(0);
}
if (loaded.version) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  console.log(`livego ${pkg.version}`);
  process.exit(0);
}

const server = createServer(loaded.config);
for (const warning of loaded.warnings) server.logger.warn(warning);
server.logger.info({ configFile: loaded.configFile ?? null }, 'configured');
try {
  await server.start();
} catch (err) {
  console.error(`livego: ${(err as Error).message}`);
  process.exit(1);
}

const SECOND_SIGNAL_CODE = { SIGINT: 130, SIGTERM: 143 } as const;
let stopping = false;
const stop = (signal: keyof typeof SECOND_SIGNAL_CODE) => {
  if (stopping) {
    server.logger.warn({ signal }, 'second signal: exiting now');
    server.logger.flush();
    process.exit(SECOND_SIGNAL_CODE[signal]);
  }
  stopping = true;
  const timeoutMs = loaded.config.shutdownTimeoutSec * 1000;
  server.logger.info({ signal, timeoutMs }, 'shutting down');
  // stop() cuts what is left before the timeout; this is the last resort if it hangs.
  const force = setTimeout(() => {
    server.logger.error({ timeoutMs }, 'shutdown timed out');
    server.logger.flush();
    process.exit(3);
  }, timeoutMs);
  force.unref();
  server.stop(Math.max(0, timeoutMs - 250)).then(
    () => {
      server.logger.flush();
      process.exit(0);
    },
    (err: unknown) => {
      server.logger.error({ err: (err as Error).message }, 'shutdown failed');
      server.logger.flush();
      process.exit(3);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
