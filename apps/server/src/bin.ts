#!/usr/bin/env node
/**
 * The `livego` command (livego.md §1.4): @livego/cli turns argv, env and livego.yaml into one
 * validated config; this starts the server with it and stops it on SIGINT/SIGTERM.
 * Exit codes: 0 stopped by a signal, 1 cannot listen, 2 bad flags or config.
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
