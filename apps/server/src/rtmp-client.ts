/**
 * Socket glue for the sans-I/O ClientSession: the outgoing side of relays, static push and pull (and
 * the scale tests). Connects, runs the session, and hands its events to the caller.
 */
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type ClientEvent, ClientSession, parseRtmpUrl, type RtmpUrl } from '@livego/rtmp-protocol';
import { writeCorked } from './pump.js';

export interface RtmpClientOptions {
  url: string;
  mode: 'publish' | 'play';
  onEvent?: (event: ClientEvent) => void;
  /** Verify the server certificate for rtmps:// (livego's enable_tls_verify). Default true. */
  tlsVerify?: boolean;
  /** Milliseconds to reach `active` before giving up. Default 10 000. */
  timeoutMs?: number;
}

export class RtmpClient {
  readonly session: ClientSession;
  readonly socket: Socket;
  readonly url: RtmpUrl;
  /** Resolves when publishing or playing has started; rejects on error, close or timeout. */
  readonly ready: Promise<void>;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;

  constructor(options: RtmpClientOptions) {
    this.url = parseRtmpUrl(options.url);
    this.session = new ClientSession({ url: this.url, mode: options.mode });
    const { host, port } = this.url;
    this.socket =
      this.url.protocol === 'rtmps'
        ? // SNI carries host names only (RFC 6066); an IP is still verified against the certificate.
          tlsConnect({
            host,
            port,
            servername: isIP(host) === 0 ? host : undefined,
            rejectUnauthorized: options.tlsVerify ?? true,
          })
        : connect({ host, port });
    this.socket.setNoDelay(true);
    let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.ready.catch(() => {}); // observed through `ready` by callers that care
    const fail = (err: Error) => {
      settle?.reject(err);
      settle = undefined;
    };
    const timer = setTimeout(() => {
      fail(
        new Error(
          `${options.url}: not ${options.mode === 'publish' ? 'publishing' : 'playing'} after ${options.timeoutMs ?? 10_000} ms`,
        ),
      );
      this.socket.destroy();
    }, options.timeoutMs ?? 10_000);
    timer.unref();
    this.closed = new Promise<void>((resolve) => this.socket.on('close', () => resolve()));
    this.socket.once(this.url.protocol === 'rtmps' ? 'secureConnect' : 'connect', () => {
      this.session.start(Date.now());
      this.flush();
    });
    this.socket.on('data', (buf: Buffer) => {
      for (const e of this.session.receive(buf, Date.now())) {
        if (e.type === 'publishStart' || e.type === 'playStart') {
          clearTimeout(timer);
          settle?.resolve();
          settle = undefined;
        } else if (e.type === 'error') {
          fail(e.error);
          this.socket.destroy();
        } else if (e.type === 'status' && String((e.info as { level?: unknown }).level) === 'error') {
          fail(new Error(`${options.url}: ${String((e.info as { code?: unknown }).code)}`));
        }
        options.onEvent?.(e);
      }
      this.flush();
    });
    this.socket.on('error', (err) => fail(err));
    this.socket.on('close', () => {
      clearTimeout(timer);
      fail(new Error(`${options.url}: connection closed`));
    });
  }

  /** Writes what the session queued (call after send* methods). */
  flush(): void {
    const out = this.session.takeOutput();
    if (out.length === 0 || this.socket.destroyed) return;
    writeCorked(this.socket, out);
  }

  close(): void {
    this.session.close();
    this.socket.end();
  }
}
