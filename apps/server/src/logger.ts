import { destination, type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** One structured logger; sessions use `logger.child({ session })`. JSON lines on stderr. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { name: 'livego' } }, destination({ fd: 2, sync: false }));
}
