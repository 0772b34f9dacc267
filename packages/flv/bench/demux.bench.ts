import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import {
  demuxFlv,
  encodeFlvTag,
  FlvDemuxer,
  type FlvTagInit,
  flvTagSize,
  muxFlv,
  parseVideoTagHeader,
  writeFlvTag,
} from '../src/index.js';

const file = new Uint8Array(
  readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'h264-aac.flv')),
);
const tags = demuxFlv(file);
const lastTs = tags.at(-1)!.timestampMs;

// ~4 MiB stream: the fixture's tags repeated with advancing timestamps.
const repeated: FlvTagInit[] = [];
for (let round = 0; round < 200; round++) {
  for (const t of tags)
    repeated.push({ type: t.type, timestampMs: t.timestampMs + round * (lastTs + 40), data: t.data });
}
const stream = muxFlv(repeated);
const MB = stream.length / 1e6;

function demuxInChunks(chunkBytes: number): number {
  const d = new FlvDemuxer();
  let n = 0;
  for (let p = 0; p < stream.length; p += chunkBytes) n += d.push(stream.subarray(p, p + chunkBytes)).length;
  d.flush();
  return n;
}

describe(`demux ${MB.toFixed(1)} MB (${repeated.length} tags); MB/s = hz x ${MB.toFixed(1)}`, () => {
  bench('4 kB chunks', () => {
    demuxInChunks(4096);
  });
  bench('64 kB chunks', () => {
    demuxInChunks(65536);
  });
  bench('one buffer', () => {
    demuxInChunks(stream.length);
  });
  bench('4 kB chunks + parseVideoTagHeader on every video tag', () => {
    const d = new FlvDemuxer();
    for (let p = 0; p < stream.length; p += 4096) {
      for (const t of d.push(stream.subarray(p, p + 4096))) if (t.type === 9) parseVideoTagHeader(t.data);
    }
  });
});

describe(`mux ${repeated.length} tags (${MB.toFixed(1)} MB)`, () => {
  bench('encodeFlvTag per tag (one allocation each)', () => {
    for (const t of repeated) encodeFlvTag(t);
  });
  bench('writeFlvTag into one preallocated buffer', () => {
    let size = 0;
    for (const t of repeated) size += flvTagSize(t.data.length);
    const out = new Uint8Array(size);
    let p = 0;
    for (const t of repeated) p += writeFlvTag(out, p, t);
  });
});
