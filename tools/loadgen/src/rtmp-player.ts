/**
 * A minimal RTMP player: simple handshake, connect, createStream, play (RTMP spec 1.0 §5.2, §7.2.1.1,
 * §7.2.1.3, §7.2.2.1). The chunk stream (§5.3.1) is parsed just enough to find message boundaries: media
 * bodies are never buffered — a video message keeps only its length and first PROBE_BYTES bytes —
 * while the few control and command messages are assembled and decoded. Acknowledgements are sent each
 * time the server's window is crossed (§5.4.3), pings are answered (§7.1.7).
 */
import type { Socket } from 'node:net';
import { decodeCommand, encodeCommand, encodeMessageChunks, MessageType } from '@livego/rtmp-protocol';
import { nowMs } from './clock.js';
import { PROBE_BYTES } from './identity.js';
import { playerSocket } from './player-socket.js';
import type { PlayerStats } from './player-stats.js';
import type { Target } from './types.js';

const HANDSHAKE_BYTES = 1536;
/** Largest non-media message assembled (commands, control). */
const MAX_CONTROL_BYTES = 1 << 20;
const EXTENDED = 0xffffff;

interface ChunkStream {
  typeId: number;
  length: number;
  extended: boolean;
  /** Bytes still to come of the current message; 0 between messages. */
  left: number;
  pos: number;
  body: Uint8Array | undefined;
  probe: Uint8Array | undefined;
}

/** C0 + C1 of the simple handshake (version 3, time 0, zero, random), the same for every player. */
const C0C1 = (() => {
  const b = new Uint8Array(1 + HANDSHAKE_BYTES);
  b[0] = 3;
  for (let i = 9; i < b.length; i++) b[i] = (Math.random() * 256) | 0;
  return b;
})();

function chunks(typeId: number, streamId: number, csid: number, payload: Uint8Array): Uint8Array {
  return encodeMessageChunks(
    { typeId, timestampMs: 0, messageStreamId: streamId, payload },
    { chunkSize: 128, chunkStreamId: csid },
  );
}

/** Command bytes shared by the players of a thread (they differ only by stream id). */
const commandCache = new Map<string, Uint8Array>();

function connectBytes(t: Target): Uint8Array {
  const tcUrl = `rtmp://${t.host}:${t.rtmpPort}/${t.app}`;
  const k = `connect ${tcUrl}`;
  let b = commandCache.get(k);
  if (b === undefined) {
    const payload = encodeCommand({
      name: 'connect',
      transactionId: 1,
      commandObject: {
        app: t.app,
        flashVer: 'LNX 9,0,124,2',
        tcUrl,
        fpad: false,
        capabilities: 15,
        audioCodecs: 4071,
        videoCodecs: 252,
        videoFunction: 1,
      },
      args: [],
    });
    b = chunks(MessageType.CommandAmf0, 0, 3, payload);
    commandCache.set(k, b);
  }
  return b;
}

const CREATE_STREAM = chunks(
  MessageType.CommandAmf0,
  0,
  3,
  encodeCommand({ name: 'createStream', transactionId: 2, commandObject: null, args: [] }),
);

function playBytes(stream: string, streamId: number): Uint8Array {
  const k = `play ${stream} ${streamId}`;
  let b = commandCache.get(k);
  if (b === undefined) {
    // SetBufferLength (user control 3) for the stream, then play(stream, -1000) as FFmpeg sends it.
    const ctrl = new Uint8Array(10);
    const v = new DataView(ctrl.buffer);
    v.setUint16(0, 3);
    v.setUint32(2, streamId);
    v.setUint32(6, 3000);
    const setBuffer = chunks(MessageType.UserControl, 0, 2, ctrl);
    const play = chunks(
      MessageType.CommandAmf0,
      streamId,
      8,
      encodeCommand({ name: 'play', transactionId: 3, commandObject: null, args: [stream, -1000] }),
    );
    b = new Uint8Array(setBuffer.length + play.length);
    b.set(setBuffer, 0);
    b.set(play, setBuffer.length);
    commandCache.set(k, b);
  }
  return b;
}

export class RtmpPlayer {
  private socket: Socket | undefined;
  private handshakeRead = 0;
  private c2: Uint8Array | undefined = new Uint8Array(HANDSHAKE_BYTES);
  private chunkSize = 128;
  private readonly streams = new Map<number, ChunkStream>();
  /** Header bytes of the chunk being read (at most 3 + 11 + 4). */
  private readonly header = new Uint8Array(18);
  private headerLength = 0;
  private headerNeed = 1;
  private headerExtChecked = false;
  private current: ChunkStream | undefined;
  private chunkLeft = 0;
  private received = 0;
  private receivedAtAck = 0;
  private ackWindow = 0;

  constructor(
    private readonly target: Target,
    readonly stats: PlayerStats,
    private readonly readBuffer: Buffer,
  ) {}

  start(): void {
    const t = this.target;
    this.socket = playerSocket(t.host, t.rtmpPort, this.readBuffer, this.stats, C0C1, (buf, n) =>
      this.receive(buf, n),
    );
  }

  close(): void {
    this.socket?.destroy();
  }

  private write(bytes: Uint8Array): void {
    if (this.socket !== undefined && !this.socket.destroyed) this.socket.write(bytes);
  }

  private receive(buf: Uint8Array, n: number): void {
    let i = 0;
    if (this.c2 !== undefined) {
      // S0 (1 byte), S1 (echoed as C2), S2 (ignored).
      const take = Math.min(n, 1 + 2 * HANDSHAKE_BYTES - this.handshakeRead);
      for (let k = 0; k < take; k++) {
        const at = this.handshakeRead + k - 1;
        if (at >= 0 && at < HANDSHAKE_BYTES) this.c2[at] = buf[k]!;
      }
      this.handshakeRead += take;
      i = take;
      if (this.handshakeRead < 1 + 2 * HANDSHAKE_BYTES) return;
      this.write(this.c2);
      this.c2 = undefined;
      this.write(connectBytes(this.target));
    }
    this.received += n - i;
    this.parse(buf, i, n);
    if (this.ackWindow > 0 && this.received - this.receivedAtAck >= this.ackWindow) {
      this.receivedAtAck = this.received;
      const ack = new Uint8Array(4);
      new DataView(ack.buffer).setUint32(0, this.received >>> 0);
      this.write(chunks(MessageType.Acknowledgement, 0, 2, ack));
    }
  }

  private parse(buf: Uint8Array, from: number, end: number): void {
    let i = from;
    while (i < end) {
      const cs = this.current;
      if (cs === undefined) {
        // Header: basic header, message header by fmt, extended timestamp.
        while (i < end && this.headerLength < this.headerNeed) {
          this.header[this.headerLength++] = buf[i++]!;
          if (this.headerLength === 1) {
            const b = this.header[0]!;
            const low = b & 0x3f;
            this.headerNeed = (low === 0 ? 2 : low === 1 ? 3 : 1) + [11, 7, 3, 0][b >> 6]!;
          }
          if (this.headerLength === this.headerNeed && !this.headerExtChecked) {
            this.headerExtChecked = true;
            if (this.needsExtended()) this.headerNeed += 4;
          }
        }
        if (this.headerLength < this.headerNeed) return;
        if (!this.beginChunk()) return;
        continue;
      }
      const n = Math.min(this.chunkLeft, end - i);
      if (cs.probe !== undefined && cs.pos < PROBE_BYTES) {
        const k = Math.min(n, PROBE_BYTES - cs.pos);
        cs.probe.set(buf.subarray(i, i + k), cs.pos);
      } else if (cs.body !== undefined) {
        cs.body.set(buf.subarray(i, i + n), cs.pos);
      }
      cs.pos += n;
      cs.left -= n;
      this.chunkLeft -= n;
      i += n;
      if (this.chunkLeft === 0) this.endChunk(cs);
    }
  }

  private basicLength(): number {
    const low = this.header[0]! & 0x3f;
    return low === 0 ? 2 : low === 1 ? 3 : 1;
  }

  private csid(): number {
    const h = this.header;
    const low = h[0]! & 0x3f;
    return low === 0 ? 64 + h[1]! : low === 1 ? 64 + h[1]! + h[2]! * 256 : low;
  }

  private needsExtended(): boolean {
    const fmt = this.header[0]! >> 6;
    if (fmt === 3) return this.streams.get(this.csid())?.extended ?? false;
    const b = this.basicLength();
    const h = this.header;
    return ((h[b]! << 16) | (h[b + 1]! << 8) | h[b + 2]!) === EXTENDED;
  }

  /** Applies a complete chunk header; false when the connection was failed. */
  private beginChunk(): boolean {
    const h = this.header;
    const fmt = h[0]! >> 6;
    const id = this.csid();
    const b = this.basicLength();
    let cs = this.streams.get(id);
    if (cs === undefined) {
      cs = { typeId: 0, length: 0, extended: false, left: 0, pos: 0, body: undefined, probe: undefined };
      this.streams.set(id, cs);
    }
    if (fmt < 3) cs.extended = ((h[b]! << 16) | (h[b + 1]! << 8) | h[b + 2]!) === EXTENDED;
    if (fmt <= 1 && cs.left === 0) {
      cs.length = (h[b + 3]! << 16) | (h[b + 4]! << 8) | h[b + 5]!;
      cs.typeId = h[b + 6]!;
    }
    this.headerLength = 0;
    this.headerNeed = 1;
    this.headerExtChecked = false;
    if (cs.left === 0) {
      cs.left = cs.length;
      cs.pos = 0;
      const media = cs.typeId === MessageType.Audio || cs.typeId === MessageType.Video;
      if (cs.typeId === MessageType.Video) cs.probe ??= new Uint8Array(PROBE_BYTES);
      else cs.probe = undefined;
      if (!media && cs.length > MAX_CONTROL_BYTES) {
        this.stats.fail(`RTMP message type ${cs.typeId} of ${cs.length} bytes`);
        this.close();
        return false;
      }
      cs.body = media ? undefined : new Uint8Array(cs.length);
    }
    this.current = cs;
    this.chunkLeft = Math.min(this.chunkSize, cs.left);
    if (this.chunkLeft === 0) this.endChunk(cs);
    return true;
  }

  private endChunk(cs: ChunkStream): void {
    this.current = undefined;
    if (cs.left > 0) return;
    if (cs.typeId === MessageType.Video) {
      this.stats.onVideo(cs.probe!, Math.min(cs.pos, PROBE_BYTES), cs.length);
      return;
    }
    const body = cs.body;
    cs.body = undefined;
    if (body !== undefined) this.onMessage(cs.typeId, body);
  }

  private onMessage(typeId: number, body: Uint8Array): void {
    const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
    if (typeId === MessageType.SetChunkSize && body.length >= 4) {
      this.chunkSize = v.getUint32(0) & 0x7fffffff || 128;
    } else if (typeId === MessageType.WindowAckSize && body.length >= 4) {
      this.ackWindow = v.getUint32(0);
    } else if (typeId === MessageType.UserControl && body.length >= 6 && v.getUint16(0) === 6) {
      const pong = new Uint8Array(6);
      pong[1] = 7;
      pong.set(body.subarray(2, 6), 2);
      this.write(chunks(MessageType.UserControl, 0, 2, pong));
    } else if (typeId === MessageType.CommandAmf0) {
      this.onCommand(body);
    }
  }

  private onCommand(body: Uint8Array): void {
    let c: ReturnType<typeof decodeCommand>;
    try {
      c = decodeCommand(MessageType.CommandAmf0, body);
    } catch (e) {
      this.stats.fail((e as Error).message);
      return;
    }
    if (c.name === '_result' && c.transactionId === 1) {
      this.write(CREATE_STREAM);
    } else if (c.name === '_result' && c.transactionId === 2) {
      const id = typeof c.args[0] === 'number' ? c.args[0] : 1;
      this.write(playBytes(this.target.stream, id));
    } else if (c.name === '_error') {
      this.stats.fail(`RTMP _error for transaction ${c.transactionId}`);
      this.close();
    } else if (c.name === 'onStatus') {
      const info = (c.args[0] ?? {}) as { code?: unknown; level?: unknown };
      if (info.code === 'NetStream.Play.Start' && this.stats.playingAtMs < 0)
        this.stats.playingAtMs = nowMs();
      else if (info.level === 'error') {
        this.stats.fail(`RTMP ${String(info.code)}`);
        this.close();
      }
    }
  }
}
