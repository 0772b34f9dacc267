/**
 * The client side of one RTMP connection, sans-I/O, for relays, static push, pull and tests:
 * handshake -> connect -> createStream -> publish or play (RTMP spec 1.0 §7.2.1.1, §7.2.1.3,
 * §7.2.2.1, §7.2.2.6), in the order FFmpeg and OBS send them.
 */
import { type AmfValue, isAmfObject } from '@livego/amf';
import { ChunkStreamId } from './constants.js';
import { RtmpError } from './errors.js';
import { ClientHandshake, type HandshakeOptions } from './handshake.js';
import type { Command } from './message.js';
import { type CommonEvent, SessionBase, type SessionOptions, type StatusInfo } from './session.js';
import { parseRtmpUrl, type RtmpUrl } from './url.js';

export type ClientEvent =
  | CommonEvent
  /** `connect` succeeded; `info` is the status object of the `_result`. */
  | { type: 'connected'; info: StatusInfo }
  | { type: 'streamCreated'; streamId: number }
  | { type: 'publishStart'; streamId: number; info: StatusInfo }
  | { type: 'playStart'; streamId: number; info: StatusInfo }
  /** Any other onStatus (e.g. NetStream.Play.UnpublishNotify). */
  | { type: 'status'; streamId: number; info: StatusInfo };

export interface ClientSessionOptions extends SessionOptions {
  /** `rtmp://host[:port]/app/stream?query` or its parsed form. */
  url: string | RtmpUrl;
  mode: 'publish' | 'play';
  /** Default 'live'. */
  publishType?: 'live' | 'record' | 'append';
  /** Default 'FMLE/3.0 (compatible; livego)' for publishing, 'LNX 9,0,124,2' for playing. */
  flashVer?: string;
  /** Enhanced RTMP: codecs to announce in `connect` (`fourCcList`, e.g. ['hvc1', 'av01']). */
  fourCcList?: string[];
  /** Play buffer announced with SetBufferLength. Default 3000 ms. */
  bufferLengthMs?: number;
  handshake?: HandshakeOptions;
}

type Pending = 'connect' | 'createStream' | 'releaseStream' | 'FCPublish';

export class ClientSession extends SessionBase<ClientEvent> {
  readonly url: RtmpUrl;
  private readonly mode: 'publish' | 'play';
  private readonly options: ClientSessionOptions;
  private readonly clientHandshake: ClientHandshake;
  private started = false;
  private nextTransactionId = 1;
  private readonly pending = new Map<number, Pending>();
  private streamIdValue: number | undefined;
  private stateValue: 'idle' | 'handshake' | 'connecting' | 'creatingStream' | 'starting' | 'active' = 'idle';

  /** Throws RtmpError 'RTMP_BAD_URL' for a bad URL. */
  constructor(options: ClientSessionOptions) {
    super(options);
    this.url = typeof options.url === 'string' ? parseRtmpUrl(options.url) : options.url;
    this.mode = options.mode;
    this.options = options;
    this.clientHandshake = new ClientHandshake(options.handshake);
    this.handshake = this.clientHandshake;
  }

  /** The stream id from createStream, once known. */
  get streamId(): number | undefined {
    return this.streamIdValue;
  }

  /** True once publishing or playing has started. */
  get active(): boolean {
    return this.stateValue === 'active';
  }

  /** Queues C0+C1; call once, then write `takeOutput()` to the socket. */
  start(nowMs?: number): void {
    if (this.started) throw new TypeError('ClientSession.start() was already called');
    if (nowMs !== undefined) this.nowMs = nowMs;
    this.started = true;
    this.stateValue = 'handshake';
    this.queueRaw(this.clientHandshake.start());
  }

  override receive(bytes: Uint8Array, nowMs?: number): ClientEvent[] {
    return super.receive(bytes, nowMs) as ClientEvent[];
  }

  /** Publishing: sends audio on our stream. */
  publishAudio(timestampMs: number, payload: Uint8Array): void {
    this.sendAudio(this.requireStream(), timestampMs, payload);
  }

  publishVideo(timestampMs: number, payload: Uint8Array): void {
    this.sendVideo(this.requireStream(), timestampMs, payload);
  }

  /** Sends an AMF0 data body (e.g. `@setDataFrame onMetaData {...}`). */
  publishData(timestampMs: number, payload: Uint8Array): void {
    this.sendData(this.requireStream(), timestampMs, payload);
  }

  /** Ends the publish or play politely (FCUnpublish + deleteStream); then close the socket. */
  stop(): void {
    const id = this.streamIdValue;
    if (id === undefined || this.closed) return;
    if (this.mode === 'publish') {
      this.sendCommand(0, this.call('FCUnpublish', [this.url.streamName]));
    }
    this.sendCommand(0, { name: 'deleteStream', transactionId: 0, commandObject: null, args: [id] });
    this.stateValue = 'idle';
  }

  protected onHandshakeDone(): void {
    this.stateValue = 'connecting';
    this.sendSetChunkSize(this.announcedChunkSize);
    const publish = this.mode === 'publish';
    const obj: Record<string, AmfValue> = {
      app: this.url.app,
      type: 'nonprivate',
      flashVer: this.options.flashVer ?? (publish ? 'FMLE/3.0 (compatible; livego)' : 'LNX 9,0,124,2'),
      tcUrl: this.url.tcUrl,
    };
    if (this.options.fourCcList !== undefined) obj.fourCcList = [...this.options.fourCcList];
    if (!publish) {
      Object.assign(obj, {
        fpad: false,
        capabilities: 15,
        audioCodecs: 4071,
        videoCodecs: 252,
        videoFunction: 1,
      });
    }
    this.sendCommand(0, this.call('connect', [], obj, 'connect'));
  }

  protected onMedia(event: Extract<CommonEvent, { type: 'audio' | 'video' | 'data' }>): void {
    // FFmpeg serving with `-listen 1` sends media on message stream 0, not on the stream it created.
    if (this.mode === 'play' && (event.streamId === this.streamIdValue || event.streamId === 0))
      this.emit(event);
  }

  protected onCommand(streamId: number, _chunkStreamId: number, c: Command): void {
    if (c.name === '_result' || c.name === '_error') {
      const what = this.pending.get(c.transactionId);
      if (what === undefined) return;
      this.pending.delete(c.transactionId);
      const info = isAmfObject(c.args[0]) ? c.args[0] : {};
      if (c.name === '_error') {
        // Only connect and createStream failures are fatal; releaseStream/FCPublish may fail harmlessly.
        if (what === 'connect' || what === 'createStream') this.reject(`${what} failed`, info);
        return;
      }
      if (what === 'connect') this.onConnected(info);
      else if (what === 'createStream') this.onStreamCreated(c.args[0]);
      return;
    }
    if (c.name === 'onStatus') {
      const info = isAmfObject(c.args[0]) ? c.args[0] : {};
      const code = typeof info.code === 'string' ? info.code : '';
      if (this.stateValue === 'starting' && streamId === this.streamIdValue) {
        if (info.level === 'error') {
          this.reject(`${this.mode} refused`, info);
          return;
        }
        if (this.mode === 'publish' && code === 'NetStream.Publish.Start') {
          this.stateValue = 'active';
          this.emit({ type: 'publishStart', streamId, info });
          return;
        }
        if (this.mode === 'play' && code === 'NetStream.Play.Start') {
          this.stateValue = 'active';
          this.emit({ type: 'playStart', streamId, info });
          return;
        }
      }
      this.emit({ type: 'status', streamId, info });
    }
    // onBWDone, onFCPublish, _checkbw... need no answer from a client.
  }

  private onConnected(info: StatusInfo): void {
    if (info.code !== 'NetConnection.Connect.Success') {
      this.reject('connect failed', info);
      return;
    }
    this.emit({ type: 'connected', info });
    this.stateValue = 'creatingStream';
    if (this.mode === 'publish') {
      this.sendCommand(0, this.call('releaseStream', [this.url.streamName], null, 'releaseStream'));
      this.sendCommand(0, this.call('FCPublish', [this.url.streamName], null, 'FCPublish'));
    }
    this.sendCommand(0, this.call('createStream', [], null, 'createStream'));
  }

  private onStreamCreated(value: AmfValue): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      this.fail(
        new RtmpError('RTMP_BAD_COMMAND', `createStream answered ${String(value)}, expected a stream id`),
      );
      return;
    }
    this.streamIdValue = value;
    this.stateValue = 'starting';
    this.emit({ type: 'streamCreated', streamId: value });
    const name = this.url.query === '' ? this.url.streamName : `${this.url.streamName}?${this.url.query}`;
    if (this.mode === 'publish') {
      this.sendCommand(
        value,
        {
          name: 'publish',
          transactionId: 0,
          commandObject: null,
          args: [name, this.options.publishType ?? 'live'],
        },
        ChunkStreamId.StreamCommand,
      );
    } else {
      this.sendCommand(
        value,
        { name: 'play', transactionId: 0, commandObject: null, args: [name, -2, -1, true] },
        ChunkStreamId.StreamCommand,
      );
      this.sendControl({
        type: 'userControl',
        event: {
          kind: 'setBufferLength',
          streamId: value,
          bufferLengthMs: this.options.bufferLengthMs ?? 3000,
        },
      });
    }
  }

  private call(name: string, args: AmfValue[], commandObject: AmfValue = null, track?: Pending): Command {
    const transactionId = this.nextTransactionId++;
    if (track !== undefined) this.pending.set(transactionId, track);
    return { name, transactionId, commandObject, args };
  }

  private reject(what: string, info: StatusInfo): void {
    const code = typeof info.code === 'string' ? info.code : 'no code';
    const description = typeof info.description === 'string' ? `: ${info.description}` : '';
    this.fail(new RtmpError('RTMP_REJECTED', `${what} (${code}${description})`, { field: code }));
  }

  private requireStream(): number {
    if (this.streamIdValue === undefined)
      throw new TypeError('no stream yet: wait for the publishStart event');
    return this.streamIdValue;
  }
}
