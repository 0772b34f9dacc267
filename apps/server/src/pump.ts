/**
 * Moves one viewer's queued bytes from the hub to its connection. Writes are batched (one scheduled
 * run per event-loop turn takes everything queued), at most `highWaterBytes` are in flight in the
 * socket's buffer, so any backlog stays in the hub's bounded queue where it is dropped to the next
 * keyframe. A connection whose in-flight bytes stay unflushed for `writeTimeoutMs` is destroyed.
 * Once everything queued is written, the viewer asks to join its stream's shared path, where it gets
 * one write per window instead (`Subscriber.requestShared`).
 */
import type { Writable } from 'node:stream';
import type { Subscriber } from '@livego/hub';

/** Writes `chunks` in order as one batch (one writev), `done` running once the last has left. */
export function writeCorked(out: Writable, chunks: Uint8Array[], done?: () => void): void {
  const last = chunks.length - 1;
  out.cork();
  for (let i = 0; i < last; i++) out.write(chunks[i]!);
  out.write(chunks[last]!, done === undefined ? undefined : () => done());
  out.uncork();
}

export interface PumpTarget {
  /** Writes the chunks in order; `done` runs once they have left the process. */
  write(chunks: Uint8Array[], done: () => void): void;
  /** Closes the connection abruptly. */
  destroy(reason: string): void;
  /**
   * Writes one window of the shared path unless the connection is backed up (more than its high-water
   * mark buffered), returning whether it wrote. Absent: this viewer never takes the shared path.
   */
  writeShared?(bytes: Uint8Array): boolean;
}

export interface PumpOptions {
  highWaterBytes: number;
  writeTimeoutMs: number;
}

export class Pump {
  private readonly sub: Subscriber;
  private readonly target: PumpTarget;
  private readonly options: PumpOptions;
  private inflightBytes = 0;
  private scheduled = false;
  private stopped = false;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private onIdle: (() => void) | undefined;

  constructor(sub: Subscriber, target: PumpTarget, options: PumpOptions) {
    this.sub = sub;
    this.target = target;
    this.options = options;
  }

  /** The hub queued data: flush it on this turn of the event loop. */
  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  /** Calls `cb` once everything queued has been written (for a graceful end). */
  whenIdle(cb: () => void): void {
    this.onIdle = cb;
    this.run();
  }

  /** Forgets the callback of `whenIdle` (the end it was for is off). */
  cancelIdle(): void {
    this.onIdle = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.onIdle = undefined;
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private run(): void {
    if (this.stopped) return;
    while (this.inflightBytes < this.options.highWaterBytes && this.sub.queuedPackets > 0) {
      const chunks = this.sub.take(this.options.highWaterBytes - this.inflightBytes);
      let n = 0;
      for (const c of chunks) n += c.length;
      this.inflightBytes += n;
      this.armStallTimer();
      this.target.write(chunks, () => {
        this.inflightBytes -= n;
        if (this.inflightBytes === 0 && this.stallTimer !== undefined) {
          clearTimeout(this.stallTimer);
          this.stallTimer = undefined;
        } else {
          this.armStallTimer(true);
        }
        this.run();
      });
    }
    if (this.inflightBytes === 0 && this.sub.queuedPackets === 0) {
      if (this.onIdle !== undefined) {
        const cb = this.onIdle;
        this.onIdle = undefined;
        cb();
      } else {
        this.sub.requestShared();
      }
    }
  }

  private armStallTimer(restart = false): void {
    if (this.stallTimer !== undefined) {
      if (!restart) return;
      clearTimeout(this.stallTimer);
    }
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.inflightBytes > 0 && !this.stopped) {
        this.stop();
        this.target.destroy(
          `write timeout: ${this.inflightBytes} bytes unsent for ${this.options.writeTimeoutMs} ms`,
        );
      }
    }, this.options.writeTimeoutMs);
    this.stallTimer.unref?.();
  }
}
