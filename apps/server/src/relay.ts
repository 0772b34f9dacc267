/**
 * `/control/push` and `/control/pull`: relays started and stopped over the API.
 * A push plays the local stream from the hub (no loopback RTMP) and publishes it to `url`; a pull
 * plays `url` and publishes it into the hub as `app/name`. `name` is a room or, as livego's pull wants
 * it, the room's channel key: a key stands for its room. No key is required: the API (with JWT when
 * configured) is the authority, as for /control/get. livego's texts are kept byte for byte; its
 * status codes are fixed (errors are 4xx, a stop that worked is 200).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Publisher } from '@livego/hub';
import type { ClientEvent } from '@livego/rtmp-protocol';
import { type ApiHandler, sendJson } from './api.js';
import { parseListenAddress } from './config.js';
import type { ServerContext } from './context.js';
import type { Logger } from './logger.js';
import { RtmpPush } from './relay-push.js';
import { RtmpClient } from './rtmp-client.js';

interface Relay {
  readonly url: string;
  readonly ready: Promise<void>;
  stop(reason?: string): void;
}

/** A pull: plays a remote stream and publishes it into the local hub. */
export class RtmpPull implements Relay {
  readonly id: string;
  readonly url: string;
  readonly ready: Promise<void>;
  private readonly ctx: ServerContext;
  private readonly app: string;
  private readonly name: string;
  private readonly client: RtmpClient;
  private readonly log: Logger;
  private readonly onClose: (reason: string) => void;
  private pub: Publisher | undefined;
  private attachError: Error | undefined;
  private ended = false;

  /** Throws RtmpError 'RTMP_BAD_URL' for a bad URL. */
  constructor(ctx: ServerContext, app: string, name: string, url: string, onClose: (reason: string) => void) {
    this.ctx = ctx;
    this.app = app;
    this.name = name;
    this.url = url;
    this.onClose = onClose;
    this.id = ctx.nextId('relay-pull');
    this.log = ctx.logger.child({ session: this.id, stream: `${app}/${name}` });
    this.client = new RtmpClient({
      url,
      mode: 'play',
      tlsVerify: ctx.config.enableTlsVerify,
      timeoutMs: ctx.config.readTimeoutSec * 1000,
      onEvent: (e) => this.onEvent(e),
    });
    const socket = this.client.socket;
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'pull socket error'));
    // A remote that stops sending (read_timeout) counts as gone.
    socket.setTimeout(ctx.config.readTimeoutSec * 1000, () =>
      this.stop(`no data for ${ctx.config.readTimeoutSec} s`),
    );
    this.ready = this.client.ready.then(() => {
      if (this.attachError !== undefined) throw this.attachError;
    });
    this.ready.catch((err: Error) => this.stop(`not playing: ${err.message}`));
    this.client.closed.then(() => this.stop('remote connection closed'));
  }

  stop(reason = 'stopped'): void {
    if (this.ended) return;
    this.ended = true;
    this.pub?.close();
    this.ctx.sessions.delete(this.id);
    this.client.session.stop();
    this.client.flush();
    // A player has nothing left to say: close once our deleteStream is out.
    this.client.close();
    this.client.socket.destroySoon();
    this.log.info({ reason, url: this.url }, 'pull ended');
    this.onClose(reason);
  }

  private attach(): void {
    if (this.ended) return;
    try {
      this.pub = this.ctx.hub.publish(
        this.app,
        this.name,
        { id: this.id, kind: 'relay-pull', nowMs: Date.now() },
        { onEnd: (reason) => this.stop(`local publisher ended: ${reason}`) },
      );
    } catch (err) {
      // HubError when takeover is off and the room is live: the start fails with it.
      this.attachError = err as Error;
      this.client.socket.destroy();
      return;
    }
    this.ctx.sessions.set(this.id, {
      id: this.id,
      kind: 'relay-pull',
      // livego's pull publishes over a loopback connection, so its stats show the local URL.
      url: localRtmpUrl(this.ctx, this.app, this.name),
      streamId: this.client.session.streamId ?? 0,
      remoteAddress: this.client.socket.remoteAddress,
    });
    this.log.info({ url: this.url }, 'pulling');
  }

  private onEvent(e: ClientEvent): void {
    switch (e.type) {
      case 'playStart':
        // Now, not on `ready`: the remote's start-up burst may follow in this same read.
        this.attach();
        return;
      case 'audio':
      case 'video':
      case 'data': {
        if (this.pub === undefined) return;
        // A small message viewed inside a large socket buffer would pin that buffer in the cache.
        const payload =
          e.payload.byteLength * 4 < e.payload.buffer.byteLength ? e.payload.slice() : e.payload;
        const r = this.pub.write(e.type, e.timestampMs, payload);
        if (r.error !== undefined) this.log.warn({ err: String(r.error) }, 'dropped a corrupt media message');
        return;
      }
      case 'status': {
        const code = String(e.info.code);
        if (code === 'NetStream.Play.UnpublishNotify' || code === 'NetStream.Play.Stop') {
          // Deferred: the session is still dispatching this event.
          queueMicrotask(() => this.stop(`remote ${code}`));
        }
        return;
      }
      default:
        return;
    }
  }
}

type Kind = 'push' | 'pull';

/** livego's text for missing parameters, on both endpoints. */
export const PARAMETER_ERROR = 'control push parameter error, please check them.';

/**
 * The local URL of `app/room` as livego builds it for a relay: "rtmp://127.0.0.1" + rtmp_addr +
 * "/" + app + "/" + name (a host in rtmp_addr is used instead of 127.0.0.1, where livego breaks).
 */
export function localRtmpUrl(ctx: ServerContext, app: string, room: string): string {
  const addr = ctx.config.rtmpAddr;
  let host = '127.0.0.1';
  let port = 1935;
  try {
    const a = parseListenAddress(addr, 'rtmp_addr');
    port = a.port === 0 ? (ctx.rtmpPort?.() ?? 0) : a.port;
    if (a.host !== undefined && a.host !== '' && a.host !== '0.0.0.0' && a.host !== '::') {
      host = a.host.includes(':') ? `[${a.host}]` : a.host;
    }
  } catch {
    // '' (RTMP off): the URL still names the stream.
  }
  return `rtmp://${host}:${port}/${app}/${room}`;
}

/** The relays of one server, keyed `push:app/name` / `pull:app/name` as livego keys them. */
export class RelayManager {
  private readonly ctx: ServerContext;
  private readonly relays = new Map<string, Relay>();

  constructor(ctx: ServerContext) {
    this.ctx = ctx;
  }

  /** Adds /control/push and /control/pull to the API. */
  register(api: ApiHandler): void {
    api.extraRoutes.set('/control/push', (req, res, params) => this.handle('push', req, res, params));
    api.extraRoutes.set('/control/pull', (req, res, params) => this.handle('pull', req, res, params));
  }

  /** Running relays by key (`push:live/movie`). */
  get keys(): string[] {
    return [...this.relays.keys()];
  }

  close(): void {
    for (const r of [...this.relays.values()]) r.stop('server stopping');
    this.relays.clear();
  }

  private async handle(
    kind: Kind,
    _req: IncomingMessage,
    res: ServerResponse,
    params: URLSearchParams,
  ): Promise<void> {
    const oper = params.get('oper') ?? '';
    const app = params.get('app') ?? '';
    const name = params.get('name') ?? '';
    const url = params.get('url') ?? '';
    // livego's texts name the relay as asked (`pull:live/<key>`); the table holds it by room.
    const asked = `${kind}:${app}/${name}`;
    if (app === '' || name === '' || (url === '' && oper !== 'stop')) {
      return sendJson(res, 400, PARAMETER_ERROR);
    }
    let room: string;
    try {
      // Scripts written for livego pass a channel key as `name` (its pull publishes with it).
      room = (await this.ctx.keys.roomForKey(name)) ?? name;
    } catch (err) {
      return sendJson(res, 400, `push error=${err instanceof Error ? err.message : String(err)}`);
    }
    const key = `${kind}:${app}/${room}`;
    if (oper === 'stop') {
      const relay = this.relays.get(key);
      if (relay === undefined) {
        return sendJson(
          res,
          404,
          kind === 'push'
            ? `<h1>session key[${asked}] not exist, please check it again.</h1>`
            : `session key[${asked}] not exist, please check it again.`,
        );
      }
      this.relays.delete(key);
      relay.stop('stopped over the API');
      // livego answers "push url stop" for both kinds, with the url given (ours may omit it).
      return sendJson(res, 200, `<h1>push url stop ${url === '' ? relay.url : url} ok</h1></br>`);
    }
    try {
      if (this.ctx.app(app) === undefined) throw new Error(`application ${app} is not configured`);
      // livego starts a second relay and leaks the first; we replace it.
      this.relays.get(key)?.stop('replaced');
      const onClose = (reason: string) => {
        if (this.relays.get(key) === relay) this.relays.delete(key);
        this.ctx.logger.info({ relay: key, reason }, 'relay closed');
      };
      const relay: Relay =
        kind === 'push'
          ? new RtmpPush(this.ctx, {
              app,
              name: room,
              url,
              kind: 'relay-push',
              endWithPublisher: true,
              // livego's push plays over a loopback connection: its stats show the local URL.
              statsUrl: localRtmpUrl(this.ctx, app, room),
              onClose,
            })
          : new RtmpPull(this.ctx, app, room, url, onClose);
      this.relays.set(key, relay);
      await relay.ready;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err); // RtmpError, HubError, socket errors
      return sendJson(res, 400, `push error=${message}`);
    }
    return sendJson(res, 200, `<h1>${kind} url start ${url} ok</h1></br>`);
  }
}
