/**
 * Our own RTMP publisher: `ClientSession` of @livego/rtmp-protocol over a socket, replaying the
 * fixture's tags in real time (paced by their timestamps), looping with timestamps that keep growing.
 * Sequence headers and metadata go once, at the start. Each video frame's identity and send time go
 * into the shared send log just before its bytes are written.
 */
import { connect, type Socket } from 'node:net';
import { addSetDataFrame, type FlvTag, FlvTagType } from '@livego/flv';
import { ClientSession } from '@livego/rtmp-protocol';
import { nowMs } from './clock.js';
import type { Fixture } from './fixture.js';
import { frameKey, PROBE_BYTES, SendLogWriter } from './identity.js';

function isConfig(tag: FlvTag): boolean {
  if (tag.type === FlvTagType.SCRIPT) return true;
  const d = tag.data;
  // AVC sequence header (codec 7, packet type 0) / AAC sequence header (format 10, packet type 0).
  if (tag.type === FlvTagType.VIDEO) return (d[0]! & 0x0f) === 7 && d[1] === 0;
  return d[0]! >> 4 === 10 && d[1] === 0;
}

export class Publisher {
  private socket: Socket | undefined;
  private session: ClientSession | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly log: SendLogWriter;
  private next = 0;
  private loop = 0;
  private startedAtMs = 0;
  private readonly firstTs: number;
  private readonly media: FlvTag[];
  private readonly config: FlvTag[];
  /** Video frames sent, and the most a send was late against its schedule (ms). */
  videoFrames = 0;
  maxLateMs = 0;
  error: string | undefined;

  constructor(
    private readonly url: string,
    private readonly fixture: Fixture,
    sendLog: SharedArrayBuffer,
  ) {
    this.log = new SendLogWriter(sendLog);
    this.firstTs = fixture.tags[0]?.timestampMs ?? 0;
    this.config = fixture.tags.filter(isConfig);
    this.media = fixture.tags.filter((t) => !isConfig(t));
  }

  /** Connects and publishes; resolves once the server has answered NetStream.Publish.Start. */
  start(timeoutMs = 10_000): Promise<void> {
    const session = new ClientSession({ url: this.url, mode: 'publish' });
    this.session = session;
    const { host, port } = session.url;
    const socket = connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.url}: not publishing after ${timeoutMs} ms`));
        socket.destroy();
      }, timeoutMs);
      const fail = (message: string) => {
        this.error ??= message;
        clearTimeout(timer);
        reject(new Error(`${this.url}: ${message}`));
      };
      socket.once('connect', () => {
        session.start(Date.now());
        this.flush();
      });
      socket.on('data', (buf: Buffer) => {
        for (const e of session.receive(buf, Date.now())) {
          if (e.type === 'publishStart') {
            clearTimeout(timer);
            this.begin();
            resolve();
          } else if (e.type === 'error') fail(e.error.message);
          else if (e.type === 'status' && (e.info as { level?: unknown }).level === 'error')
            fail(String((e.info as { code?: unknown }).code));
        }
        this.flush();
      });
      socket.on('error', (e) => fail(e.message));
      socket.on('close', () => fail('connection closed'));
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.session?.stop();
    this.flush();
    this.socket?.end();
    this.socket?.destroy();
  }

  private flush(): void {
    const out = this.session?.takeOutput() ?? [];
    if (out.length === 0 || this.socket === undefined || this.socket.destroyed) return;
    this.socket.cork();
    for (const b of out) this.socket.write(b);
    this.socket.uncork();
  }

  private begin(): void {
    const s = this.session!;
    for (const tag of this.config) this.send(s, tag, 0);
    this.flush();
    this.startedAtMs = nowMs();
    this.pump();
  }

  private send(s: ClientSession, tag: FlvTag, timestampMs: number): void {
    if (tag.type === FlvTagType.SCRIPT) s.publishData(timestampMs, addSetDataFrame(tag.data));
    else if (tag.type === FlvTagType.AUDIO) s.publishAudio(timestampMs, tag.data);
    else s.publishVideo(timestampMs, tag.data);
  }

  /** Sends every tag that is due, then sleeps until the next one. */
  private pump(): void {
    this.timer = undefined;
    const s = this.session;
    if (s === undefined || s.closed || this.socket?.destroyed) return;
    const now = nowMs();
    for (;;) {
      const tag = this.media[this.next]!;
      const ts = tag.timestampMs - this.firstTs + this.loop * this.fixture.loopMs;
      const due = this.startedAtMs + ts;
      if (due > now) {
        this.flush();
        this.timer = setTimeout(() => this.pump(), Math.max(1, due - now));
        return;
      }
      if (now - due > this.maxLateMs) this.maxLateMs = now - due;
      this.send(s, tag, ts);
      if (tag.type === FlvTagType.VIDEO) {
        this.videoFrames++;
        this.log.record(frameKey(tag.data, Math.min(tag.data.length, PROBE_BYTES), tag.data.length), nowMs());
        this.flush();
      }
      if (++this.next === this.media.length) {
        this.next = 0;
        this.loop++;
      }
    }
  }
}
