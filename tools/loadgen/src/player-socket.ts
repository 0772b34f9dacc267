/**
 * The socket every player reads through: one static buffer (`onread`, no allocation per read), the
 * first bytes written on connect, and its end and errors recorded in the player's stats.
 */
import { connect, type Socket } from 'node:net';
import { nowMs } from './clock.js';
import type { PlayerStats } from './player-stats.js';

export function playerSocket(
  host: string,
  port: number,
  buffer: Buffer,
  stats: PlayerStats,
  first: Uint8Array | string,
  receive: (buf: Uint8Array, n: number) => void,
): Socket {
  stats.connectStartMs = nowMs();
  const socket = connect({
    host,
    port,
    onread: {
      buffer,
      callback: (n: number, buf: Uint8Array) => {
        receive(buf, n);
        return true;
      },
    },
  });
  socket.setNoDelay(true);
  socket.on('connect', () => socket.write(first));
  socket.on('error', (e) => stats.fail(e.message));
  socket.on('close', () => {
    stats.closed = true;
  });
  return socket;
}
