/**
 * The server side of one RTMP connection, sans-I/O: RTMP spec 1.0 §7.2 (NetConnection and NetStream
 * commands) with the replies FMS, nginx-rtmp and SRS give and real clients (FFmpeg, OBS/librtmp,
 * rtmpdump) expect. Whether a publish or play is allowed is decided by the embedding application:
 * the session emits a `publish` / `play` request and replies only when `acceptPublish` /
 * `rejectPublish` (or the play pair) is called.
 */
import { type AmfValue, isAmfObject } from '@livego/amf';
import { ChunkStreamId, MessageType, UserControlType } from './constants.js';
import { RtmpError } from './errors.js';
import { type HandshakeOptions, ServerHandshake } from './handshake.js';
import { type Command, encodeData } from './message.js';
import {
  type CommonEvent,
  SessionBase,
  type SessionBaseState,
  type SessionOptions,
  type StatusInfo,
  statusInfo,
} from './session.js';

export interface ConnectEvent {
  type: 'connect';
  app: string;
  tcUrl: string;
  flashVer: string;
  objectEncoding: number;
  /** Enhanced RTMP: the codecs the client announced (`fourCcList`, e.g. ['hvc1', 'av01']); [] if none. */
  fourCcList: string[];
  /** The whole command object of `connect`. */
  commandObject: AmfValue;
}

export interface PublishRequest {
  type: 'publish';
  requestId: number;
  app: string;
  tcUrl: string;
  /** The publish name without its query. */
  streamName: string;
  /** What followed '?' in the publish name ('' if nothing). */
  query: string;
  /** 'live', 'record' or 'append' as the client sent it (default 'live'). */
  publishType: string;
  streamId: number;
}

export interface PlayRequest {
  type: 'play';
  requestId: number;
  app: string;
  tcUrl: string;
  streamName: string;
  query: string;
  streamId: number;
  /** -2 live or recorded, -1 live only, >= 0 recorded from this position (ms). */
  startMs: number;
  durationMs: number;
  reset: boolean;
  /** True when the request came as `play2`. */
  play2: boolean;
}

export type ServerEvent =
  | CommonEvent
  | ConnectEvent
  | PublishRequest
  | PlayRequest
  /** The publisher of a stream stopped (deleteStream / closeStream), also before its publish was answered. */
  | { type: 'unpublish'; streamId: number; streamName: string }
  /** A player stopped (deleteStream / closeStream). */
  | { type: 'stop'; streamId: number; streamName: string }
  | { type: 'pause'; streamId: number; paused: boolean; positionMs: number }
  | { type: 'receiveMedia'; streamId: number; kind: 'audio' | 'video'; enabled: boolean }
  /** A command the session does not know; it was answered with `_error`. */
  | { type: 'command'; streamId: number; command: Command };

export interface ServerSessionOptions extends SessionOptions {
  handshake?: HandshakeOptions;
  /**
   * Most NetStreams one connection may have open. Default 16. One more createStream is answered
   * with `_error` and ends the session with RTMP_TOO_MANY_STREAMS.
   */
  maxStreams?: number;
}

/**
 * A server session's whole state (`ServerSession.snapshot()`), plain and structured-cloneable: post it
 * to a worker thread or process with the socket, and `ServerSession.restore` it there.
 */
export interface ServerSessionState extends SessionBaseState {
  connected: boolean;
  app: string;
  tcUrl: string;
  objectEncoding: number;
  nextStreamId: number;
  nextRequestId: number;
  streams: [number, StreamEntry][];
  requests: [number, PendingRequest][];
}

/** Default `maxStreams`. */
export const DEFAULT_MAX_STREAMS = 16;

type StreamState = 'idle' | 'publishPending' | 'publishing' | 'playPending' | 'playing';

interface StreamEntry {
  state: StreamState;
  name: string;
}

interface PendingRequest {
  kind: 'publish' | 'play';
  streamId: number;
  streamName: string;
  transactionId: number;
  reset: boolean;
}

/**
 * NetStream commands (RTMP spec §7.2.2): they act on the message stream they arrive on, which must
 * have been made by createStream. deleteStream is a NetConnection command (it names its stream).
 */
const STREAM_COMMANDS = new Set([
  'publish',
  'play',
  'play2',
  'pause',
  'seek',
  'receiveAudio',
  'receiveVideo',
  'closeStream',
]);

/** What livego sends as its `_result` properties (RTMP has no standard here; clients only check the code). */
const FMS_VERSION = 'FMS/3,0,1,123';
const CAPABILITIES = 31;

function str(v: AmfValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

function splitQuery(name: string): { streamName: string; query: string } {
  const q = name.indexOf('?');
  return q < 0 ? { streamName: name, query: '' } : { streamName: name.slice(0, q), query: name.slice(q + 1) };
}

export class ServerSession extends SessionBase<ServerEvent> {
  private connected = false;
  private app = '';
  private tcUrl = '';
  private objectEncoding = 0;
  private nextStreamId = 1;
  private nextRequestId = 1;
  private readonly streams = new Map<number, StreamEntry>();
  private readonly requests = new Map<number, PendingRequest>();
  private readonly maxStreams: number;

  constructor(options: ServerSessionOptions = {}) {
    super(options);
    this.maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.handshake = new ServerHandshake(options.handshake);
  }

  /**
   * The state to go on with elsewhere (another thread or process, given the socket): call it between
   * `receive` calls, after `takeOutput()`. Requests still pending (a `play` not yet answered) carry
   * over and are answered by the restored session. Throws RtmpError before the handshake is done.
   */
  snapshot(): ServerSessionState {
    return {
      ...this.baseState(),
      connected: this.connected,
      app: this.app,
      tcUrl: this.tcUrl,
      objectEncoding: this.objectEncoding,
      nextStreamId: this.nextStreamId,
      nextRequestId: this.nextRequestId,
      streams: [...this.streams].map(([id, s]) => [id, { ...s }]),
      requests: [...this.requests].map(([id, r]) => [id, { ...r }]),
    };
  }

  /** A session that continues a `snapshot()`, with this side's limits (`options`). */
  static restore(state: ServerSessionState, options: ServerSessionOptions = {}): ServerSession {
    const session = new ServerSession(options);
    session.restoreBase(state);
    session.connected = state.connected;
    session.app = state.app;
    session.tcUrl = state.tcUrl;
    session.objectEncoding = state.objectEncoding;
    session.nextStreamId = state.nextStreamId;
    session.nextRequestId = state.nextRequestId;
    for (const [id, s] of state.streams) session.streams.set(id, { ...s });
    for (const [id, r] of state.requests) session.requests.set(id, { ...r });
    return session;
  }

  override receive(bytes: Uint8Array, nowMs?: number): ServerEvent[] {
    return super.receive(bytes, nowMs) as ServerEvent[];
  }

  /** Allows a `publish` request: StreamBegin and `NetStream.Publish.Start` go out now. */
  acceptPublish(requestId: number): void {
    const req = this.takeRequest(requestId, 'publish');
    if (req === undefined) return;
    const stream = this.streams.get(req.streamId);
    if (stream !== undefined) stream.state = 'publishing';
    this.sendStreamEvent(UserControlType.StreamBegin, req.streamId);
    this.sendStatus(
      req.streamId,
      statusInfo('status', 'NetStream.Publish.Start', `${req.streamName} is now published.`),
    );
  }

  /** Refuses a `publish` request with `NetStream.Publish.BadName` (or `code`). */
  rejectPublish(
    requestId: number,
    description = 'Publishing refused.',
    code = 'NetStream.Publish.BadName',
  ): void {
    const req = this.takeRequest(requestId, 'publish');
    if (req === undefined) return;
    const stream = this.streams.get(req.streamId);
    if (stream !== undefined) stream.state = 'idle';
    this.sendStatus(req.streamId, statusInfo('error', code, description));
  }

  /**
   * Allows a `play` request: StreamBegin, `NetStream.Play.Reset` (unless reset was false),
   * `NetStream.Play.Start`, `|RtmpSampleAccess` and `NetStream.Data.Start` go out now; media may follow.
   * Data.Start is an onStatus command, as livego sends it: as a data message (SRS's form) FFmpeg
   * takes it for a script tag it does not know and adds a `Data: none` stream to every play.
   */
  acceptPlay(requestId: number): void {
    const req = this.takeRequest(requestId, 'play');
    if (req === undefined) return;
    const id = req.streamId;
    const stream = this.streams.get(id);
    if (stream !== undefined) stream.state = 'playing';
    this.sendStreamEvent(UserControlType.StreamBegin, id);
    if (req.reset) {
      this.sendStatus(
        id,
        statusInfo('status', 'NetStream.Play.Reset', `Playing and resetting ${req.streamName}.`),
      );
    }
    this.sendStatus(id, statusInfo('status', 'NetStream.Play.Start', `Started playing ${req.streamName}.`));
    this.sendMessage(
      {
        typeId: MessageType.DataAmf0,
        timestampMs: 0,
        messageStreamId: id,
        payload: encodeData(['|RtmpSampleAccess', true, true]),
      },
      ChunkStreamId.Data,
    );
    this.sendStatus(id, statusInfo('status', 'NetStream.Data.Start', `Started playing ${req.streamName}.`));
  }

  /** Refuses a `play` request with `NetStream.Play.StreamNotFound` (or `code`). */
  rejectPlay(
    requestId: number,
    description = 'Stream not found.',
    code = 'NetStream.Play.StreamNotFound',
  ): void {
    const req = this.takeRequest(requestId, 'play');
    if (req === undefined) return;
    const stream = this.streams.get(req.streamId);
    if (stream !== undefined) stream.state = 'idle';
    this.sendStatus(req.streamId, statusInfo('error', code, description));
  }

  /** Sends an onStatus on a stream (e.g. `NetStream.Play.UnpublishNotify`). */
  sendStatus(streamId: number, info: StatusInfo, transactionId = 0): void {
    this.sendCommand(streamId, { name: 'onStatus', transactionId, commandObject: null, args: [info] });
  }

  /** Tells a player its publisher went away (`NetStream.Play.UnpublishNotify`). */
  unpublishNotify(streamId: number): void {
    const name = this.streams.get(streamId)?.name ?? '';
    this.sendStatus(
      streamId,
      statusInfo('status', 'NetStream.Play.UnpublishNotify', `${name} is now unpublished.`),
    );
  }

  /** Tells a player a publisher (re)started (`NetStream.Play.PublishNotify`). */
  publishNotify(streamId: number): void {
    const name = this.streams.get(streamId)?.name ?? '';
    this.sendStatus(
      streamId,
      statusInfo('status', 'NetStream.Play.PublishNotify', `${name} is now published.`),
    );
  }

  /** User control StreamEOF: no more data on this stream. */
  streamEof(streamId: number): void {
    this.sendStreamEvent(UserControlType.StreamEof, streamId);
  }

  /** User control StreamIsRecorded: the stream is a recording (VOD), not live. */
  streamIsRecorded(streamId: number): void {
    this.sendStreamEvent(UserControlType.StreamIsRecorded, streamId);
  }

  /** User control StreamDry: no data for now. */
  streamDry(streamId: number): void {
    this.sendStreamEvent(UserControlType.StreamDry, streamId);
  }

  /** The state of a stream id (undefined when it was never created or was deleted). */
  streamState(streamId: number): StreamState | undefined {
    return this.streams.get(streamId)?.state;
  }

  protected onHandshakeDone(): void {}

  protected onMedia(event: Extract<CommonEvent, { type: 'audio' | 'video' | 'data' }>): void {
    // Media counts only on a stream whose publish was accepted.
    if (this.streams.get(event.streamId)?.state === 'publishing') this.emit(event);
  }

  protected onCommand(streamId: number, chunkStreamId: number, c: Command): void {
    if (!this.connected && c.name !== 'connect') {
      this.callFailed(streamId, chunkStreamId, c, `${c.name} before connect`);
      return;
    }
    if (STREAM_COMMANDS.has(c.name) && !this.streams.has(streamId)) {
      this.refuseUncreated(streamId, c);
      return;
    }
    switch (c.name) {
      case 'connect':
        this.onConnect(chunkStreamId, c);
        return;
      case 'createStream': {
        if (this.streams.size >= this.maxStreams) {
          const message = `createStream would open stream ${this.streams.size + 1} of this connection, limit maxStreams is ${this.maxStreams}`;
          this.callFailed(streamId, chunkStreamId, c, `At most ${this.maxStreams} streams per connection.`);
          this.fail(new RtmpError('RTMP_TOO_MANY_STREAMS', message, { field: 'streamId' }));
          return;
        }
        const id = this.nextStreamId++;
        this.streams.set(id, { state: 'idle', name: '' });
        this.result(streamId, chunkStreamId, c, id);
        return;
      }
      case 'releaseStream':
      case '_checkbw':
        this.result(streamId, chunkStreamId, c, undefined);
        return;
      case 'FCPublish':
        this.fcStatus(streamId, chunkStreamId, c, 'onFCPublish', 'NetStream.Publish.Start');
        return;
      case 'FCSubscribe':
        // CDN-style subscribe before play (Akamai/Limelight); nginx-rtmp answers the same way.
        this.fcStatus(streamId, chunkStreamId, c, 'onFCSubscribe', 'NetStream.Play.Start');
        return;
      case 'FCUnpublish':
        this.fcStatus(streamId, chunkStreamId, c, 'onFCUnpublish', 'NetStream.Unpublish.Success');
        return;
      case 'getStreamLength':
        // A live stream has no length.
        this.result(streamId, chunkStreamId, c, 0);
        return;
      case 'publish':
        this.onPublish(streamId, c);
        return;
      case 'play':
        this.onPlay(streamId, c, false);
        return;
      case 'play2':
        this.onPlay(streamId, c, true);
        return;
      case 'deleteStream': {
        const id = typeof c.args[0] === 'number' ? c.args[0] : streamId;
        this.endStream(id, true);
        return;
      }
      case 'closeStream':
        this.endStream(streamId, false);
        return;
      case 'pause': {
        const paused = c.args[0] === true;
        const positionMs = typeof c.args[1] === 'number' ? c.args[1] : 0;
        this.emit({ type: 'pause', streamId, paused, positionMs });
        this.sendStatus(
          streamId,
          paused
            ? statusInfo('status', 'NetStream.Pause.Notify', 'Paused live')
            : statusInfo('status', 'NetStream.Unpause.Notify', 'Unpaused live'),
        );
        return;
      }
      case 'seek':
        this.sendStatus(
          streamId,
          statusInfo('error', 'NetStream.Seek.Failed', 'Seeking is not possible on a live stream.'),
        );
        return;
      case 'receiveAudio':
      case 'receiveVideo':
        this.emit({
          type: 'receiveMedia',
          streamId,
          kind: c.name === 'receiveAudio' ? 'audio' : 'video',
          enabled: c.args[0] !== false,
        });
        return;
      case '_result':
      case '_error':
      case 'onStatus':
      case 'onBWDone':
        return;
      default:
        this.emit({ type: 'command', streamId, command: c });
        this.callFailed(streamId, chunkStreamId, c, `Method not found (${c.name}).`);
    }
  }

  private onConnect(chunkStreamId: number, c: Command): void {
    const obj = isAmfObject(c.commandObject) ? c.commandObject : {};
    if (this.connected) {
      this.callFailed(0, chunkStreamId, c, 'Already connected.');
      return;
    }
    this.connected = true;
    this.app = str(obj.app);
    this.tcUrl = str(obj.tcUrl);
    this.objectEncoding = typeof obj.objectEncoding === 'number' ? obj.objectEncoding : 0;
    this.emit({
      type: 'connect',
      app: this.app,
      tcUrl: this.tcUrl,
      flashVer: str(obj.flashVer),
      objectEncoding: this.objectEncoding,
      fourCcList: Array.isArray(obj.fourCcList)
        ? obj.fourCcList.filter((v): v is string => typeof v === 'string')
        : [],
      commandObject: c.commandObject,
    });
    this.sendWindowAckSize(this.announcedWindow);
    this.sendControl({ type: 'setPeerBandwidth', windowSize: this.announcedWindow, limitType: 2 });
    this.sendSetChunkSize(this.announcedChunkSize);
    this.sendCommand(
      0,
      {
        name: '_result',
        transactionId: c.transactionId,
        commandObject: { fmsVer: FMS_VERSION, capabilities: CAPABILITIES, mode: 1 },
        args: [
          {
            level: 'status',
            code: 'NetConnection.Connect.Success',
            description: 'Connection succeeded.',
            objectEncoding: this.objectEncoding,
          },
        ],
      },
      chunkStreamId,
    );
  }

  private onPublish(streamId: number, c: Command): void {
    const rawName = str(c.args[0]);
    const publishType = typeof c.args[1] === 'string' ? c.args[1] : 'live';
    const { requestId, streamName, query } = this.openRequest(streamId, rawName, 'publish', c, false);
    this.emit({
      type: 'publish',
      requestId,
      app: this.app,
      tcUrl: this.tcUrl,
      streamName,
      query,
      publishType,
      streamId,
    });
  }

  private onPlay(streamId: number, c: Command, play2: boolean): void {
    let rawName: string;
    let startMs = -2;
    let durationMs = -1;
    let reset = true;
    if (play2) {
      const params = isAmfObject(c.args[0]) ? c.args[0] : {};
      rawName = str(params.streamName);
      if (typeof params.start === 'number') startMs = params.start;
      if (typeof params.len === 'number') durationMs = params.len;
    } else {
      rawName = str(c.args[0]);
      if (typeof c.args[1] === 'number') startMs = c.args[1];
      if (typeof c.args[2] === 'number') durationMs = c.args[2];
      if (typeof c.args[3] === 'boolean') reset = c.args[3];
    }
    const { requestId, streamName, query } = this.openRequest(streamId, rawName, 'play', c, reset);
    this.emit({
      type: 'play',
      requestId,
      app: this.app,
      tcUrl: this.tcUrl,
      streamName,
      query,
      streamId,
      startMs,
      durationMs,
      reset,
      play2,
    });
  }

  /**
   * Marks the stream pending under its new name (any earlier request on it is dropped) and registers
   * the request the application must accept or reject.
   */
  private openRequest(
    streamId: number,
    rawName: string,
    kind: 'publish' | 'play',
    c: Command,
    reset: boolean,
  ): { requestId: number; streamName: string; query: string } {
    const stream = this.streams.get(streamId)!;
    const { streamName, query } = splitQuery(rawName);
    this.dropRequests(streamId);
    stream.state = kind === 'publish' ? 'publishPending' : 'playPending';
    stream.name = streamName;
    const requestId = this.nextRequestId++;
    this.requests.set(requestId, { kind, streamId, streamName, transactionId: c.transactionId, reset });
    return { requestId, streamName, query };
  }

  /** deleteStream / closeStream: ends a publish or a play on that stream id. */
  private endStream(streamId: number, remove: boolean): void {
    const stream = this.streams.get(streamId);
    if (stream !== undefined) {
      if (stream.state === 'publishing' || stream.state === 'publishPending') {
        this.emit({ type: 'unpublish', streamId, streamName: stream.name });
      } else if (stream.state === 'playing' || stream.state === 'playPending') {
        this.emit({ type: 'stop', streamId, streamName: stream.name });
      }
      stream.state = 'idle';
      for (const [id, req] of this.requests) if (req.streamId === streamId) this.requests.delete(id);
    }
    if (remove) this.streams.delete(streamId);
  }

  /**
   * A NetStream command on a message stream id that createStream never returned (or that was
   * deleted): answered with an error status on that id, and no event. A client cannot choose its own
   * stream ids, so the ids a connection uses stay the at most `maxStreams` it was given.
   */
  private refuseUncreated(streamId: number, c: Command): void {
    if (c.name === 'closeStream') return; // nothing to close
    const description = `${c.name} on stream ${streamId}, which was not created with createStream.`;
    const code =
      c.name === 'publish'
        ? 'NetStream.Publish.BadName'
        : c.name === 'play' || c.name === 'play2'
          ? 'NetStream.Play.Failed'
          : 'NetStream.Failed';
    this.sendStatus(streamId, statusInfo('error', code, description), c.transactionId);
  }

  /** A new publish/play on a stream replaces an unanswered one, so requests stay bounded. */
  private dropRequests(streamId: number): void {
    for (const [id, req] of this.requests) if (req.streamId === streamId) this.requests.delete(id);
  }

  private takeRequest(requestId: number, kind: 'publish' | 'play'): PendingRequest | undefined {
    const req = this.requests.get(requestId);
    if (req === undefined || req.kind !== kind) {
      if (this.closed) return undefined;
      // The stream may have been deleted meanwhile: nothing to answer then.
      if (requestId > 0 && requestId < this.nextRequestId) return undefined;
      throw new TypeError(`no pending ${kind} request ${requestId}`);
    }
    this.requests.delete(requestId);
    return req;
  }

  private sendStreamEvent(eventType: number, streamId: number): void {
    const kinds = { 0: 'streamBegin', 1: 'streamEof', 2: 'streamDry', 4: 'streamIsRecorded' } as const;
    const kind = kinds[eventType as 0 | 1 | 2 | 4];
    this.sendControl({ type: 'userControl', event: { kind, streamId } });
  }

  private result(streamId: number, chunkStreamId: number, c: Command, value: AmfValue): void {
    this.sendCommand(
      streamId,
      { name: '_result', transactionId: c.transactionId, commandObject: null, args: [value] },
      chunkStreamId,
    );
  }

  /** Answers an FC* call: its on<call> status notice on stream 0, naming the stream, then its _result. */
  private fcStatus(streamId: number, chunkStreamId: number, c: Command, notice: string, code: string): void {
    this.sendCommand(0, {
      name: notice,
      transactionId: 0,
      commandObject: null,
      args: [{ code, description: str(c.args[0]) }],
    });
    this.result(streamId, chunkStreamId, c, undefined);
  }

  private callFailed(streamId: number, chunkStreamId: number, c: Command, description: string): void {
    this.sendCommand(
      streamId,
      {
        name: '_error',
        transactionId: c.transactionId,
        commandObject: null,
        args: [statusInfo('error', 'NetConnection.Call.Failed', description)],
      },
      chunkStreamId,
    );
  }
}
