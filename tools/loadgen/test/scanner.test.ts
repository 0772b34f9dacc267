import { readFileSync } from 'node:fs';
import { FlvTagType } from '@livego/flv';
import { describe, expect, it } from 'vitest';
import { ensureFixture } from '../src/fixture.js';
import { FlvScanner } from '../src/flv-scanner.js';
import { createSendLogBuffer, frameKey, PROBE_BYTES, SendLogReader, SendLogWriter } from '../src/identity.js';
import { loadFixture } from '../src/index.js';

describe('FlvScanner', () => {
  it('finds every video tag of the fixture with the same identity whatever the read sizes', () => {
    const bytes = new Uint8Array(readFileSync(ensureFixture())).subarray(0, 600_000);
    const expected: number[] = [];
    for (const tag of loadFixture().tags) {
      if (tag.type === FlvTagType.VIDEO && tag.offset + 11 + tag.data.length <= bytes.length) {
        expected.push(frameKey(tag.data, Math.min(tag.data.length, PROBE_BYTES), tag.data.length));
      }
    }
    expect(expected.length).toBeGreaterThan(30);
    for (const piece of [1, 7, 4096, 65536]) {
      const found: number[] = [];
      const s = new FlvScanner((probe, n, length) => found.push(frameKey(probe, n, length)));
      let ok = true;
      for (let i = 0; i < bytes.length; i += piece)
        ok &&= s.push(bytes, i, Math.min(bytes.length, i + piece));
      expect(ok).toBe(true);
      expect(found).toEqual(expected);
    }
  });

  it('refuses a body that is not FLV', () => {
    const s = new FlvScanner(() => {});
    expect(s.push(new TextEncoder().encode('<html>not found</html>'), 0, 22)).toBe(false);
    expect(s.error).toBe('the response is not FLV');
  });
});

describe('frame identity', () => {
  it('tells apart every video frame of the fixture (the ring keeps 10 s of them)', () => {
    const keys = loadFixture()
      .tags.filter((t) => t.type === FlvTagType.VIDEO)
      .map((t) => frameKey(t.data, Math.min(t.data.length, PROBE_BYTES), t.data.length));
    expect(keys.length).toBeGreaterThan(800);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('send log', () => {
  it('gives a reader the send time of a frame the writer logged, and -1 for an unknown one', () => {
    const buf = createSendLogBuffer();
    const w = new SendLogWriter(buf);
    const r = new SendLogReader(buf);
    for (let i = 0; i < 2000; i++) w.record(i * 7 + 1, 1000 + i);
    expect(r.sentAt(1999 * 7 + 1)).toBe(2999);
    expect(r.sentAt(1700 * 7 + 1)).toBe(2700);
    expect(r.sentAt(3)).toBe(-1);
  });
});
