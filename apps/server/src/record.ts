/**
 * FLV recording, `flv_archive`: each publish is written to
 * `flv_dir/APP/ROOM_UNIXSECONDS.flv` (the room, never the secret key, as livego names it). The
 * recorder is a hub subscriber sharing the HTTP-FLV tag bytes (FLV_FORM); a Pump keeps at most
 * HIGH_WATER_BYTES in the file stream, so a slow disk backs up into the bounded hub queue, never
 * into memory. A disk error ends the recording and is logged; the stream and its viewers go on
 * (livego panics). A takeover starts a new file, as a new publish does.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { type FileHandle, mkdir, open as openFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeFlvHeader } from '@livego/flv';
import type { LiveStream, Subscriber } from '@livego/hub';
import type { ServerContext } from './context.js';
import { FLV_FORM } from './forms.js';
import type { Logger } from './logger.js';
import { Pump } from './pump.js';

const HIGH_WATER_BYTES = 1024 * 1024;

/** livego's file name; names are URI-encoded so a room like `../x` or `a/b` stays inside flv_dir/APP. */
export function recordingPath(flvDir: string, app: string, room: string, unixSec: number): string {
  return join(flvDir, encodeURIComponent(app), `${encodeURIComponent(room)}_${unixSec}.flv`);
}

/** One file being written. */
export class Recording {
  readonly id: string;
  /** The file name as planned; `path` is the one written (a suffix is added when it exists). */
  readonly basePath: string;
  private pathValue: string;
  /** Resolves when the file is closed (or the recording failed); never rejects. */
  readonly done: Promise<void>;
  private readonly ctx: ServerContext;
  private readonly log: Logger;
  private readonly sub: Subscriber;
  private readonly pump: Pump;
  private file: WriteStream | undefined;
  private finished = false;
  /** What was queued when the publisher left before the file was open. */
  private pendingRest: Uint8Array[] | undefined;
  private failedWith: Error | undefined;
  private resolveDone!: () => void;

  constructor(ctx: ServerContext, stream: LiveStream, path: string) {
    this.ctx = ctx;
    this.basePath = path;
    this.pathValue = path;
    this.id = ctx.nextId('record');
    this.log = ctx.logger.child({ session: this.id, stream: stream.key });
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    let pump: Pump | undefined;
    // Subscribed at once so nothing is missed; the pump starts when the file is open.
    this.sub = ctx.hub.subscribe(
      stream.app,
      stream.name,
      { id: this.id, kind: 'record', internal: true }, // a file, not a viewer in stats
      {
        form: FLV_FORM,
        onData: () => {
          if (this.file !== undefined) pump?.schedule();
        },
        onUnpublish: () => this.finish(),
        onEnd: (reason) => this.fail(new Error(`removed by the hub: ${reason}`)),
      },
    );
    pump = new Pump(
      this.sub,
      {
        write: (chunks, done) => {
          const file = this.file!;
          const last = chunks.length - 1;
          for (let i = 0; i < last; i++) file.write(chunks[i]!);
          file.write(chunks[last]!, () => done());
        },
        destroy: (reason) => this.fail(new Error(reason)),
      },
      { highWaterBytes: HIGH_WATER_BYTES, writeTimeoutMs: ctx.config.writeTimeoutSec * 1000 },
    );
    this.pump = pump;
    this.open().catch((err: Error) => this.fail(err));
  }

  get path(): string {
    return this.pathValue;
  }

  /** Writes what is queued and closes the file. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.pump.stop();
    const rest = this.sub.take();
    this.sub.close();
    const file = this.file;
    if (file === undefined) {
      // Not open yet: open() sees `finished` and writes the rest itself.
      this.pendingRest = rest;
      return;
    }
    this.close(file, rest);
  }

  private async open(): Promise<void> {
    await mkdir(dirname(this.basePath), { recursive: true, mode: 0o755 });
    // Never overwrite: a second publish in the same second gets `_1`, `_2`, ...
    let handle: FileHandle | undefined;
    for (let n = 0; handle === undefined; n++) {
      const path = n === 0 ? this.basePath : this.basePath.replace(/\.flv$/, `_${n}.flv`);
      try {
        handle = await openFile(path, 'wx', 0o644);
        this.pathValue = path;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 99) throw err;
      }
    }
    if (this.failedWith !== undefined) {
      await handle.close();
      return;
    }
    const file = createWriteStream('', { fd: handle });
    file.on('error', (err) => this.fail(err));
    this.file = file;
    // livego sets both flags in every file header.
    file.write(encodeFlvHeader({ hasAudio: true, hasVideo: true }));
    this.log.info({ path: this.path }, 'recording');
    if (this.finished) this.close(file, this.pendingRest ?? []);
    else this.pump.schedule();
  }

  private close(file: WriteStream, rest: Uint8Array[]): void {
    for (const b of rest) file.write(b);
    file.end(() => {
      this.log.info({ path: this.path, bytes: file.bytesWritten }, 'recording closed');
      this.resolveDone();
    });
  }

  private fail(err: Error): void {
    if (this.failedWith !== undefined) return;
    this.failedWith = err;
    this.finished = true;
    this.pump.stop();
    this.sub.close();
    this.ctx.logger.error(
      { session: this.id, path: this.path, err: err.message, code: (err as NodeJS.ErrnoException).code },
      'recording failed; the stream goes on',
    );
    this.file?.destroy();
    this.resolveDone();
  }
}

/** Starts a Recording for every publish when `flv_archive` is on. */
export class Recorder {
  private readonly ctx: ServerContext;
  private readonly active = new Map<string, Recording>();
  private readonly off: () => void;

  constructor(ctx: ServerContext) {
    this.ctx = ctx;
    this.off = ctx.hub.on((e) => {
      // The recording itself sees the publisher leave (onUnpublish) and leaves this map once closed.
      if (e.type === 'publish') this.start(e.stream);
    });
  }

  /** The recordings in progress or closing, by stream key. */
  get recordings(): ReadonlyMap<string, Recording> {
    return this.active;
  }

  /**
   * Finishes every recording; resolves true when the files are closed (also those already closing),
   * false when `graceMs` passed first.
   */
  async close(graceMs = 2000): Promise<boolean> {
    this.off();
    const all = [...this.active.values()];
    this.active.clear();
    for (const r of all) r.finish();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = await Promise.race([
      Promise.all(all.map((r) => r.done)).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    return closed;
  }

  private start(stream: LiveStream): void {
    if (this.ctx.app(stream.app) === undefined) return;
    this.active.get(stream.key)?.finish(); // a takeover is a new publish: a new file
    const path = recordingPath(
      this.ctx.config.flvDir,
      stream.app,
      stream.name,
      Math.floor(Date.now() / 1000),
    );
    const r = new Recording(this.ctx, stream, path);
    this.active.set(stream.key, r);
    r.done.then(() => {
      if (this.active.get(stream.key) === r) this.active.delete(stream.key);
    });
  }
}
