// Segmenter throughput: FLV tag bodies in, TS segments and a playlist out. The input is an ffmpeg-made
// 640x360 H.264 (B-frames) + AAC stream at about 2 Mbit/s; each iteration segments all of it, and the
// table prints the MB/s it works out to.
import { bench, describe } from 'vitest';
import { HlsSegmenter } from '../src/index.js';
import { makeFlv } from '../test/media.js';

const media = makeFlv({ seconds: 20, video: 'h264-bframes', gop: 50, size: '640x360', noise: true });
const inputBytes = media.messages.reduce((n, m) => n + m.payload.length, 0);
let outputBytes = 0;
let runs = 0;
let elapsedMs = 0;

describe(`segment ${(inputBytes / 1e6).toFixed(2)} MB of FLV tags (20 s of media)`, () => {
  bench(
    'HlsSegmenter.push + playlist()',
    () => {
      const t0 = performance.now();
      const seg = new HlsSegmenter({ targetDurationSec: 2, windowSize: 3 });
      for (const m of media.messages) seg.push(m.kind, m.timestampMs, m.payload);
      seg.end();
      seg.playlist();
      elapsedMs += performance.now() - t0;
      outputBytes = seg.stats.bytesOut;
      runs++;
    },
    {
      teardown: () => {
        if (runs === 0) return;
        const mbps = (inputBytes * runs) / 1e6 / (elapsedMs / 1000);
        console.log(
          `segmenter: ${mbps.toFixed(0)} MB/s of FLV in, ${(outputBytes / 1e6).toFixed(2)} MB of TS out per run (${((outputBytes / inputBytes - 1) * 100).toFixed(1)}% overhead)`,
        );
        runs = 0;
        elapsedMs = 0;
      },
    },
  );
});
