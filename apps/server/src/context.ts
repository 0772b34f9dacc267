import type { Hub } from '@livego/hub';
import type { WorkerPool } from './cluster.js';
import type { AppConfig, ServerConfig } from './config.js';
import type { KeyStore } from './keys.js';
import type { Logger } from './logger.js';

/** What a connection tells the stats API about itself. */
export interface SessionInfo {
  id: string;
  /** 'rtmp', 'http-flv', 'ws-flv', ... */
  kind: string;
  /** livego's `url`: tcUrl + '/' + stream for RTMP, the request URL for HTTP. */
  url: string;
  /** RTMP message stream id (0 for HTTP). */
  streamId: number;
  remoteAddress: string | undefined;
}

/** Shared by the listeners of one server. */
export interface ServerContext {
  config: ServerConfig;
  hub: Hub;
  keys: KeyStore;
  logger: Logger;
  sessions: Map<string, SessionInfo>;
  /** The configured app, or undefined when the name is not served. */
  app(name: string): AppConfig | undefined;
  nextId(prefix: string): string;
  /** workers > 1, in the primary: hands viewers to the worker processes and asks them for stats. */
  workers?: Pick<WorkerPool, 'handOffRtmp' | 'players'>;
  /**
   * In a worker process: makes `app/name` mirrored here and resolves once its start-up cache has
   * arrived (or the primary said it is not live). Publishing is refused in a worker.
   */
  mirror?: { ready(app: string, name: string): Promise<void> };
  /** The port the RTMP listener is bound to (rtmp_addr may say port 0); undefined when not listening. */
  rtmpPort?(): number | undefined;
}
