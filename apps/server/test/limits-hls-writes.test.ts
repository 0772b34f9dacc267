/**
 * hls_dir on a disk slower than the stream: what waits for the disk stays bounded by what the
 * segmenter stores (window + grace), segments that left the playlist are skipped with one warning,
 * and once the disk catches up the files on it are consistent (every listed segment is there).
 */
import { join } from 'node:path';
import { Hub } from '@livego/hub';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config.js';
import type { ServerContext } from '../src/context.js';
import { HlsService } from '../src/hls.js';
import type { HlsFiles } from '../src/index.js';
import { MemoryKeyStore } from '../src/keys.js';
import { makeFlv, type TestMedia } from './media.js';

let media: TestMedia;
beforeAll(async () => {
  media = await makeFlv(20);
});
afterAll(() => media?.cleanup());

/** An in-memory disk whose writes wait until `open()` is called. */
function slowDisk() {
  const files = new Map<string, Uint8Array | string>();
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const writes: string[] = [];
  const fs: HlsFiles = {
    mkdir: async () => {},
    writeFile: async (path, data) => {
      writes.push(path);
      await gate;
      files.set(path, data);
    },
    rename: async (from, to) => {
      const d = files.get(from);
      if (d === undefined) throw new Error(`ENOENT ${from}`);
      files.delete(from);
      files.set(to, d);
    },
    unlink: async (path) => {
      files.delete(path);
    },
    rm: async (path) => {
      for (const k of [...files.keys()]) if (k === path || k.startsWith(`${path}/`)) files.delete(k);
    },
  };
  return {
    fs,
    files,
    writes,
    open() {
      release();
      gate = Promise.resolve();
    },
  };
}

describe('hls_dir writes', () => {
  it('holds at most the stored segments while the disk is stalled, skips older ones with one warning, and ends consistent', async () => {
    const logs: string[] = [];
    const hlsDir = '/hls';
    const config = {
      ...defaultConfig(),
      hlsDir,
      hlsSegmentSec: 1,
      hlsWindow: 3,
      hlsKeepAfterEnd: true,
    };
    let n = 0;
    const hub = new Hub();
    const ctx: ServerContext = {
      config,
      hub,
      keys: new MemoryKeyStore(),
      logger: pino({ level: 'info' }, { write: (l: string) => logs.push(l) }),
      sessions: new Map(),
      app: (name) => config.apps.find((a) => a.appname === name),
      nextId: (p) => `${p}-${++n}`,
    };
    const disk = slowDisk();
    const service = new HlsService(ctx, { files: disk.fs, now: () => 1_700_000_000_000 });
    const pub = hub.publish('live', 'slow', { id: 'p', kind: 'test' }, { onEnd() {} });
    const s = service.stream('live', 'slow')!;
    let maxPending = 0;
    for (const t of media.tags) {
      pub.write(t.type === 8 ? 'audio' : t.type === 9 ? 'video' : 'data', t.timestampMs, t.data);
      maxPending = Math.max(maxPending, s.pendingWrites);
      await new Promise((resolve) => setImmediate(resolve)); // the writer runs between messages
    }
    const produced = s.segmenter.storedSegments().at(-1)!.sequence - 1_700_000_000 + 1;
    const stored = s.segmenter.storedSegments().length;
    // 20 one-second segments came while the first write hung: only the stored ones wait.
    expect(maxPending).toBeLessThanOrEqual(stored);
    expect(s.skippedWrites).toBeGreaterThan(10);
    expect(disk.writes.length).toBe(1);
    const warnings = logs.filter((l) => l.includes('slower than the stream'));
    expect(warnings.length).toBe(1);
    expect(produced).toBeGreaterThanOrEqual(18);

    disk.open();
    pub.close(); // ended: the last segment and an ENDLIST playlist
    expect(await service.flush(10_000)).toBe(true);
    const playlist = String(disk.files.get(join(hlsDir, 'live', 'slow.m3u8')));
    expect(playlist).toContain('#EXT-X-ENDLIST');
    const listed = playlist.split('\n').filter((l) => l.endsWith('.ts'));
    expect(listed.length).toBe(3);
    for (const uri of listed) expect(disk.files.has(join(hlsDir, 'live', uri))).toBe(true);
    // Nothing half-written, nothing older than the store left behind.
    expect([...disk.files.keys()].filter((k) => k.endsWith('.tmp'))).toEqual([]);
    expect([...disk.files.keys()].filter((k) => k.endsWith('.ts')).length).toBeLessThanOrEqual(
      s.segmenter.storedSegments().length,
    );
    // Far fewer segment writes than segments made: the backlog was never written.
    expect(disk.writes.filter((w) => w.endsWith('.ts.tmp')).length).toBeLessThan(10);
    service.close();
    hub.close();
  });
});
