/**
 * HTTP-FLV and WebSocket-FLV players over plain TCP sockets with a static read buffer: an HTTP/1.1
 * GET (identity or chunked body, RFC 9112 §7.1) or a WebSocket upgrade (RFC 6455 §4.1, frames §5.2,
 * no extensions), and the FLV tag scanner on the body.
 */
import type { Socket } from 'node:net';
import { nowMs } from './clock.js';
import { FlvScanner } from './flv-scanner.js';
import { playerSocket } from './player-socket.js';
import type { PlayerStats } from './player-stats.js';
import type { Target } from './types.js';

const MAX_RESPONSE_HEAD = 8192;

enum Chunked {
  Size,
  Data,
  Crlf,
  Done,
}

enum Frame {
  Head,
  Length,
  Payload,
}

export class FlvPlayer {
  private socket: Socket | undefined;
  private head: Uint8Array | undefined = new Uint8Array(MAX_RESPONSE_HEAD);
  private headLength = 0;
  private readonly scanner: FlvScanner;
  // HTTP chunked body
  private chunked = false;
  private chunkState = Chunked.Size;
  private chunkLeft = 0;
  private chunkExt = false;
  // WebSocket frames
  private frameState = Frame.Head;
  private readonly frameHead = new Uint8Array(10);
  private frameHeadLength = 0;
  private frameHeadNeed = 2;
  private opcode = 0;
  private payloadLeft = 0;
  private control: Uint8Array | undefined;
  private controlPos = 0;

  constructor(
    private readonly target: Target,
    readonly stats: PlayerStats,
    private readonly readBuffer: Buffer,
    private readonly websocket: boolean,
  ) {
    this.scanner = new FlvScanner((probe, probeLength, length) => stats.onVideo(probe, probeLength, length));
  }

  start(): void {
    const t = this.target;
    const path = `/${t.app}/${t.stream}.flv`;
    const request = this.websocket
      ? `GET ${path} HTTP/1.1\r\nHost: ${t.host}:${t.httpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: bG9hZGdlbi1saXZlZ28tdA==\r\nSec-WebSocket-Version: 13\r\n\r\n'
      : `GET ${path} HTTP/1.1\r\nHost: ${t.host}:${t.httpPort}\r\nUser-Agent: livego-loadgen\r\nAccept: */*\r\n\r\n`;
    this.socket = playerSocket(t.host, t.httpPort, this.readBuffer, this.stats, request, (buf, n) =>
      this.receive(buf, n),
    );
  }

  close(): void {
    this.socket?.destroy();
  }

  private fail(message: string): void {
    this.stats.fail(message);
    this.close();
  }

  private receive(buf: Uint8Array, n: number): void {
    let i = 0;
    if (this.head !== undefined) {
      i = this.readHead(buf, n);
      if (i < 0 || this.head !== undefined) return;
    }
    if (this.websocket) this.frames(buf, i, n);
    else if (this.chunked) this.chunks(buf, i, n);
    else this.body(buf, i, n);
  }

  /** Collects the response head; returns where the body starts, or -1 (failed or incomplete). */
  private readHead(buf: Uint8Array, n: number): number {
    const head = this.head!;
    let i = 0;
    while (i < n) {
      if (this.headLength === head.length) {
        this.fail('HTTP response head too long');
        return -1;
      }
      head[this.headLength++] = buf[i++]!;
      const l = this.headLength;
      if (l >= 4 && head[l - 1] === 10 && head[l - 2] === 13 && head[l - 3] === 10 && head[l - 4] === 13) {
        const text = Buffer.from(head.buffer, 0, l).toString('latin1');
        this.head = undefined;
        const status = Number(text.slice(9, 12));
        const want = this.websocket ? 101 : 200;
        if (status !== want) {
          this.fail(`HTTP ${status}, expected ${want}`);
          return -1;
        }
        this.chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(text);
        this.stats.playingAtMs = nowMs();
        return i;
      }
    }
    return -1;
  }

  private body(buf: Uint8Array, from: number, end: number): void {
    if (!this.scanner.push(buf, from, end)) this.fail(this.scanner.error ?? 'bad FLV');
  }

  private chunks(buf: Uint8Array, from: number, end: number): void {
    let i = from;
    while (i < end) {
      if (this.chunkState === Chunked.Size) {
        const c = buf[i++]!;
        if (c === 10) {
          if (this.chunkLeft === 0) {
            this.chunkState = Chunked.Done;
            this.close();
            return;
          }
          this.chunkState = Chunked.Data;
          this.chunkExt = false;
        } else if (c === 59) this.chunkExt = true;
        else if (!this.chunkExt && c !== 13) {
          const d = c <= 57 ? c - 48 : (c | 0x20) - 87;
          if (d < 0 || d > 15) {
            this.fail('bad HTTP chunk size');
            return;
          }
          this.chunkLeft = this.chunkLeft * 16 + d;
        }
      } else if (this.chunkState === Chunked.Data) {
        const n = Math.min(this.chunkLeft, end - i);
        this.body(buf, i, i + n);
        this.chunkLeft -= n;
        i += n;
        if (this.chunkLeft === 0) {
          this.chunkState = Chunked.Crlf;
          this.chunkLeft = 2;
        }
      } else if (this.chunkState === Chunked.Crlf) {
        i++;
        if (--this.chunkLeft === 0) this.chunkState = Chunked.Size;
      } else return;
    }
  }

  private frames(buf: Uint8Array, from: number, end: number): void {
    let i = from;
    while (i < end) {
      if (this.frameState !== Frame.Payload) {
        while (i < end && this.frameHeadLength < this.frameHeadNeed)
          this.frameHead[this.frameHeadLength++] = buf[i++]!;
        if (this.frameHeadLength < this.frameHeadNeed) return;
        const h = this.frameHead;
        if (this.frameState === Frame.Head) {
          if ((h[1]! & 0x80) !== 0) {
            this.fail('masked WebSocket frame from the server');
            return;
          }
          this.opcode = h[0]! & 0x0f;
          const len = h[1]! & 0x7f;
          if (len >= 126) {
            this.frameHeadNeed = len === 126 ? 4 : 10;
            this.frameState = Frame.Length;
            continue;
          }
          this.payloadLeft = len;
        } else if (this.frameHeadNeed === 4) {
          this.payloadLeft = (h[2]! << 8) | h[3]!;
        } else {
          this.payloadLeft =
            ((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) * 2 ** 32 +
            (((h[6]! << 24) | (h[7]! << 16) | (h[8]! << 8) | h[9]!) >>> 0);
        }
        this.frameHeadLength = 0;
        this.frameHeadNeed = 2;
        this.frameState = Frame.Payload;
        if (this.opcode >= 8) {
          this.control = new Uint8Array(Math.min(this.payloadLeft, 125));
          this.controlPos = 0;
        }
        if (this.payloadLeft === 0) this.endFrame();
        continue;
      }
      const n = Math.min(this.payloadLeft, end - i);
      if (this.opcode === 0 || this.opcode === 2) this.body(buf, i, i + n);
      else if (this.control !== undefined) {
        const k = Math.min(n, this.control.length - this.controlPos);
        this.control.set(buf.subarray(i, i + k), this.controlPos);
        this.controlPos += k;
      }
      this.payloadLeft -= n;
      i += n;
      if (this.payloadLeft === 0) this.endFrame();
    }
  }

  private endFrame(): void {
    this.frameState = Frame.Head;
    const control = this.control;
    this.control = undefined;
    if (this.opcode === 8) {
      this.close();
    } else if (this.opcode === 9 && control !== undefined) {
      // Pong with the ping's payload; a client frame is masked, here with a zero key (RFC 6455 §5.3).
      const pong = new Uint8Array(6 + control.length);
      pong[0] = 0x8a;
      pong[1] = 0x80 | control.length;
      pong.set(control, 6);
      if (this.socket !== undefined && !this.socket.destroyed) this.socket.write(pong);
    }
  }
}
