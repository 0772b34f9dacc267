/**
 * RTMPS listener: RTMP over TLS with `rtmps_cert` / `rtmps_key` (PEM). Each TLS
 * socket is driven by the same RtmpConnection as plain RTMP. livego serves TLS on rtmp_addr instead
 * of plain RTMP; with `rtmpsAddr` set we serve both.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createServer, type Server } from 'node:tls';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';

/** Reads the PEM files now, so a missing or bad certificate fails at start-up with the file named. */
export function createRtmpsServer(
  config: ServerConfig,
  logger: Logger,
  onConnection: (socket: Socket) => void,
): Server {
  const read = (file: string, field: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${field}: cannot read '${file}': ${(err as Error).message}`);
    }
  };
  const cert = read(config.rtmpsCert, 'rtmps_cert');
  const key = read(config.rtmpsKey, 'rtmps_key');
  let server: Server;
  try {
    server = createServer({ cert, key, handshakeTimeout: config.readTimeoutSec * 1000 }, onConnection);
  } catch (err) {
    throw new Error(
      `rtmps_cert/rtmps_key: '${config.rtmpsCert}' and '${config.rtmpsKey}' are not a PEM certificate and key: ${(err as Error).message}`,
    );
  }
  server.on('tlsClientError', (err, socket) => {
    logger.debug({ err: err.message, remote: socket.remoteAddress }, 'rtmps handshake failed');
  });
  return server;
}
