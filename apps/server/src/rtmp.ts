/**
 * The RTMP listener's socket glue: one ServerSession (sans-I/O) per connection, driven by socket
 * bytes. Publishers feed the hub; players subscribe to it and get pre-encoded chunks through a Pump.
 * As in livego, a publisher authenticates with a channel key and players use the room name.
 */
import type { Socket } from 'node:net';
import type { Hub, OutputForm, Publisher, Subscriber } from '@livego/hub';
import { HubError } from '@livego/hub';
import {
  type PlayRequest,
  type PublishRequest,
  type ServerEvent,
  ServerSession,
  type ServerSessionState,
} from '@livego/rtmp-protocol';
import type { ServerContext } from './context.js';
import { acquireRtmpForm, releaseForm } from './forms.js';
import { redactKey } from './keys.js';
import type { Logger } from './logger.js';
import { Pump, writeCorked } from './pump.js';

export { rtmpForm } from './forms.js';

/** Our outgoing chunk size: large chunks mean fewer headers per video frame. */
export const RTMP_OUT_CHUNK_SIZE = 4096;
const HIGH_WATER_BYTES = 512 * 1024;
/** Hub refusals that are a server limit: the peer is told and closed. */
const LIMIT_CODES = new Set(['HUB_TOO_MANY_VIEWERS', 'HUB_TOO_MANY_STREAMS']);

interface Playing {
  sub: Subscriber;
  pump: Pump;
  form: OutputForm;
  /** Running from the publisher's leaving until the end is told (unpublishGraceMs). */
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Running while the player waits for a publisher (playerWaitSec). */
  waitTimer: ReturnType<typeof setTimeout> | undefined;
  /** The player was told there is no publisher (UnpublishNotify) or started without one. */
  toldUnpublished: boolean;
}

/** A connection handed over by the primary process at its first play (workers > 1). */
export interface RtmpResume {
  state: ServerSessionState;
  /** The play request and what came after it in the same read. */
  events: ServerEvent[];
}

/** Events that carry no payload: they travel with a handed-over session as plain data. */
const PLAIN_EVENTS = new Set(['play', 'userControl', 'ack', 'pingResponse', 'pause', 'receiveMedia', 'stop']);

/** A socket's libuv handle: reading is stopped on it before the socket goes to another process. */
interface ReadableHandle {
  reading?: boolean;
  readStop?(): number;
}

export class RtmpConnection {
  private readonly ctx: ServerContext;
  private readonly socket: Socket;
  private readonly session: ServerSession;
  private readonly log: Logger;
  readonly id: string;
  private readonly publishers = new Map<number, Publisher>();
  private readonly players = new Map<number, Playing>();
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Called once the connection went to a worker process (it is no longer this process's). */
  onHandedOff: (() => void) | undefined;

  constructor(ctx: ServerContext, socket: Socket, resume?: RtmpResume) {
    this.ctx = ctx;
    this.socket = socket;
    this.id = ctx.nextId('rtmp');
    this.log = ctx.logger.child({ session: this.id });
    const c = ctx.config;
    const options = {
      chunkSize: RTMP_OUT_CHUNK_SIZE,
      maxStreams: c.maxStreamsPerConnection,
      limits: {
        maxChunkSize: c.maxChunkSize,
        maxMessageLength: c.maxMessageSize,
        maxChunkStreams: c.maxChunkStreams,
        maxAmfDepth: c.amfMaxDepth,
        maxAmfElements: c.amfMaxElements,
      },
    };
    this.session =
      resume === undefined ? new ServerSession(options) : ServerSession.restore(resume.state, options);
    socket.setNoDelay(true);
    // Until it plays, a peer must keep talking; players are watched by the write timeout instead.
    socket.setTimeout(c.readTimeoutSec * 1000, () => {
      if (this.players.size === 0) this.destroy(`no data for ${c.readTimeoutSec} s`);
    });
    if (resume === undefined) {
      this.handshakeTimer = setTimeout(
        () => this.destroy(`no handshake within ${c.handshakeTimeoutSec} s`, 'warn'),
        c.handshakeTimeoutSec * 1000,
      );
      this.startTimer = setTimeout(
        () => this.destroy(`no publish or play within ${c.startTimeoutSec} s`, 'warn'),
        c.startTimeoutSec * 1000,
      );
      this.handshakeTimer.unref();
      this.startTimer.unref();
    }
    socket.on('data', (buf: Buffer) => this.onData(buf));
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.cleanup());
    this.log.debug({ remote: socket.remoteAddress, resumed: resume !== undefined }, 'rtmp connection');
    if (resume !== undefined) this.handle(resume.events);
  }

  private get hub(): Hub {
    return this.ctx.hub;
  }

  private onData(buf: Buffer): void {
    if (this.closed) return;
    this.handle(this.session.receive(buf, Date.now()));
  }

  private handle(events: ServerEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.type === 'play' && this.handOff(e, events.slice(i))) return;
      this.onEvent(e);
    }
    this.flush();
  }

  /**
   * workers > 1: a connection's first play moves it, with its session, to the process serving the
   * fewest viewers. Only a connection that has nothing else going on (no publish, no other play), whose
   * pending events are plain data, and over plain TCP (TLS state cannot move). True when it went.
   */
  private handOff(req: PlayRequest, events: ServerEvent[]): boolean {
    const pool = this.ctx.workers;
    if (pool === undefined || this.closed || this.players.size > 0 || this.publishers.size > 0) return false;
    if (this.ctx.app(req.app) === undefined || 'encrypted' in this.socket) return false;
    if (!events.every((e) => PLAIN_EVENTS.has(e.type))) return false;
    // Written output must be out of this process before the socket leaves it.
    this.flush();
    if (this.socket.writableLength > 0) return false;
    const went = pool.handOffRtmp(this.socket, () => {
      // No byte may be read here from now on: it would be lost to the worker.
      const handle = (this.socket as unknown as { _handle?: ReadableHandle })._handle;
      if (handle?.readStop === undefined) return undefined;
      handle.reading = false;
      handle.readStop();
      return { state: this.session.snapshot(), events };
    });
    if (!went) return false;
    this.started();
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    this.socket.setTimeout(0);
    this.log.debug({ stream: `${req.app}/${req.streamName}` }, 'rtmp player handed to a worker');
    this.onHandedOff?.();
    return true;
  }

  private onEvent(e: ServerEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case 'handshake':
        clearTimeout(this.handshakeTimer);
        this.handshakeTimer = undefined;
        return;
      case 'audio':
      case 'video':
      case 'data': {
        const pub = this.publishers.get(e.streamId);
        if (pub === undefined) return;
        // A small message viewed inside a large socket buffer would pin that buffer in the cache.
        const payload =
          e.payload.byteLength * 4 < e.payload.buffer.byteLength ? e.payload.slice() : e.payload;
        const r = pub.write(e.type, e.timestampMs, payload);
        if (r.error !== undefined) this.log.warn({ err: String(r.error) }, 'dropped a corrupt media message');
        return;
      }
      case 'connect':
        this.log.info({ app: e.app, tcUrl: e.tcUrl, flashVer: e.flashVer }, 'connect');
        return;
      case 'publish':
        this.started();
        this.onPublish(e).catch((err) => this.destroy(`publish failed: ${(err as Error).message}`));
        return;
      case 'play':
        this.started();
        this.onPlay(e);
        return;
      case 'unpublish':
        this.publishers.get(e.streamId)?.close();
        this.publishers.delete(e.streamId);
        return;
      case 'stop':
        this.stopPlaying(e.streamId);
        return;
      case 'dropped':
        this.log.warn({ err: e.error.message }, 'dropped a corrupt message');
        return;
      case 'error':
        // A protocol violation or a limit (chunk size, message size, streams, AMF): once per peer,
        // after the refusal the session queued (an _error) has gone out.
        this.closeAfterFlush(e.error.message);
        return;
      default:
        return;
    }
  }

  /** The peer asked to publish or play: the start timeout is met. */
  private started(): void {
    clearTimeout(this.startTimer);
    this.startTimer = undefined;
  }

  private async onPublish(req: PublishRequest): Promise<void> {
    if (this.ctx.mirror !== undefined) {
      this.session.rejectPublish(
        req.requestId,
        'publishing on a connection that plays is not served when workers > 1: publish on a new connection',
      );
      this.flush();
      return;
    }
    const app = this.ctx.app(req.app);
    if (app === undefined) {
      this.session.rejectPublish(req.requestId, `application ${req.app} is not configured`);
      this.flush();
      return;
    }
    let room: string | undefined = req.streamName;
    if (!this.ctx.config.rtmpNoauth) {
      try {
        room = await this.ctx.keys.roomForKey(req.streamName);
      } catch (err) {
        // Fail closed: without the key store nobody publishes.
        this.log.error({ err: (err as Error).message }, 'channel key lookup failed');
        room = undefined;
      }
      if (this.closed) return;
      if (room === undefined) {
        this.log.warn(
          { app: req.app, key: redactKey(req.streamName) },
          'publish refused: unknown channel key',
        );
        this.session.rejectPublish(req.requestId, 'Invalid channel key.');
        this.flush();
        return;
      }
    }
    let pub: Publisher;
    try {
      pub = this.hub.publish(
        req.app,
        room,
        { id: this.id, kind: 'rtmp', nowMs: Date.now() },
        {
          onEnd: (reason) => {
            this.log.info({ reason }, 'publisher ended by the hub');
            this.destroy(`publisher ended: ${reason}`);
          },
        },
      );
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      this.session.rejectPublish(req.requestId, err.message);
      if (LIMIT_CODES.has(err.code)) this.closeAfterFlush(`publish refused: ${err.message}`);
      else this.flush();
      return;
    }
    this.publishers.set(req.streamId, pub);
    this.ctx.sessions.set(this.id, {
      id: this.id,
      kind: 'rtmp',
      url: `${req.tcUrl}/${room}`,
      streamId: req.streamId,
      remoteAddress: this.socket.remoteAddress,
    });
    this.session.acceptPublish(req.requestId);
    this.flush();
    this.log.info({ stream: `${req.app}/${room}` }, 'publishing');
  }

  private onPlay(req: PlayRequest): void {
    const app = this.ctx.app(req.app);
    if (app === undefined) {
      this.session.rejectPlay(req.requestId, `application ${req.app} is not configured`);
      return;
    }
    this.stopPlaying(req.streamId);
    const streamId = req.streamId;
    const subId = `${this.id}/${streamId}`;
    const form = acquireRtmpForm(this.session.chunkSize, streamId);
    let playing: Playing | undefined;
    let sub: Subscriber;
    try {
      sub = this.hub.subscribe(
        req.app,
        req.streamName,
        { id: subId, kind: 'rtmp' },
        {
          form,
          onData: () => playing?.pump.schedule(),
          writeShared: (bytes) => this.writeShared(bytes),
          onPublish: () => {
            if (playing !== undefined) this.onStreamPublished(playing, streamId);
          },
          onUnpublish: () => {
            if (playing !== undefined) this.onStreamUnpublished(playing, streamId);
          },
          onEnd: (reason) => this.destroy(`player removed: ${reason}`),
        },
      );
    } catch (err) {
      releaseForm(form);
      if (!(err instanceof HubError)) throw err;
      this.session.rejectPlay(req.requestId, err.message, 'NetStream.Play.Failed');
      if (LIMIT_CODES.has(err.code)) this.closeAfterFlush(`play refused: ${err.message}`);
      return;
    }
    this.session.acceptPlay(req.requestId);
    this.flush(); // the play replies go out before any media
    const pump = new Pump(
      sub,
      {
        write: (chunks, done) => this.write(chunks, done),
        destroy: (reason) => this.destroy(reason, 'warn'),
      },
      { highWaterBytes: HIGH_WATER_BYTES, writeTimeoutMs: this.ctx.config.writeTimeoutSec * 1000 },
    );
    playing = {
      sub,
      pump,
      form,
      graceTimer: undefined,
      waitTimer: undefined,
      toldUnpublished: false,
    };
    this.players.set(streamId, playing);
    this.ctx.sessions.set(subId, {
      id: subId,
      kind: 'rtmp',
      url: `${req.tcUrl}/${req.streamName}`,
      streamId,
      remoteAddress: this.socket.remoteAddress,
    });
    if (this.hub.stream(req.app, req.streamName)?.publisher === undefined) {
      playing.toldUnpublished = true;
      this.armWait(playing, streamId);
    }
    this.log.info({ stream: `${req.app}/${req.streamName}` }, 'playing');
    pump.schedule();
  }

  /**
   * The publisher left. The player hears of it only when none is back within unpublishGraceMs, and
   * then once its queue has drained (StreamEOF + UnpublishNotify), so a publisher's reconnect is
   * invisible to it.
   */
  private onStreamUnpublished(p: Playing, streamId: number): void {
    this.clearGrace(p);
    p.graceTimer = setTimeout(() => {
      p.graceTimer = undefined;
      p.pump.whenIdle(() => {
        this.session.streamEof(streamId);
        this.session.unpublishNotify(streamId);
        this.flush();
        p.toldUnpublished = true;
        this.armWait(p, streamId);
      });
    }, this.ctx.config.unpublishGraceMs);
    p.graceTimer.unref();
  }

  /** A publisher (re)started: whatever end was pending is off; the hub resyncs the player to it. */
  private onStreamPublished(p: Playing, streamId: number): void {
    this.clearGrace(p);
    p.pump.cancelIdle();
    this.clearWait(p);
    if (!p.toldUnpublished) return;
    p.toldUnpublished = false;
    this.session.publishNotify(streamId);
    this.flush();
  }

  /** A player without a publisher is closed after playerWaitSec (livego waits forever). */
  private armWait(p: Playing, streamId: number): void {
    this.clearWait(p);
    p.waitTimer = setTimeout(() => {
      this.session.sendStatus(streamId, {
        level: 'error',
        code: 'NetStream.Play.StreamNotFound',
        description: 'No publisher.',
      });
      this.flush();
      this.destroy('no publisher');
    }, this.ctx.config.playerWaitSec * 1000);
    p.waitTimer.unref();
  }

  private clearWait(p: Playing): void {
    if (p.waitTimer !== undefined) clearTimeout(p.waitTimer);
    p.waitTimer = undefined;
  }

  private clearGrace(p: Playing): void {
    if (p.graceTimer !== undefined) clearTimeout(p.graceTimer);
    p.graceTimer = undefined;
  }

  private stopPlaying(streamId: number): void {
    const p = this.players.get(streamId);
    if (p === undefined) return;
    this.players.delete(streamId);
    this.clearWait(p);
    this.clearGrace(p);
    p.pump.stop();
    p.sub.close();
    releaseForm(p.form);
    this.ctx.sessions.delete(p.sub.id);
  }

  private write(chunks: Uint8Array[], done?: () => void): void {
    if (this.closed || this.socket.destroyed) return;
    writeCorked(this.socket, chunks, done);
  }

  /** One window of the shared path, unless the socket is backed up (the viewer then drains alone). */
  private writeShared(bytes: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return true;
    if (this.socket.writableLength > HIGH_WATER_BYTES) return false;
    this.socket.write(bytes);
    return true;
  }

  private flush(): void {
    const out = this.session.takeOutput();
    if (out.length > 0) this.write(out);
  }

  destroy(reason: string, level: 'info' | 'warn' = 'info'): void {
    if (this.closed) return;
    this.log[level]({ reason }, 'closing rtmp connection');
    this.cleanup();
    this.socket.destroy();
  }

  /** Past a limit: the refusal already queued goes out, then the connection closes. */
  private closeAfterFlush(reason: string): void {
    if (this.closed) return;
    this.flush();
    this.log.warn({ reason }, 'closing rtmp connection');
    this.cleanup();
    this.socket.end();
    // A peer that does not close its side is cut.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.startTimer);
    this.session.close();
    for (const pub of this.publishers.values()) pub.close();
    this.publishers.clear();
    for (const id of [...this.players.keys()]) this.stopPlaying(id);
    this.ctx.sessions.delete(this.id);
    this.log.debug('rtmp connection closed');
  }
}
