// Muxer and demuxer throughput. Every iteration handles exactly 1 MiB of input, so the ops/s (hz)
// column reads as MiB/s: FLV-ish input (length-prefixed H.264 + raw AAC) for the muxer, TS for the demuxer.
import { bench, describe } from 'vitest';
import { TsDemuxer, TsMuxer } from '../src/index.js';

const MIB = 1 << 20;
const SPS = [0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8];
const PPS = [0x68, 0xce, 0x3c, 0x80];
const avcC = new Uint8Array([
  1,
  0x42,
  0xc0,
  0x1e,
  0xff,
  0xe1,
  0,
  SPS.length,
  ...SPS,
  1,
  0,
  PPS.length,
  ...PPS,
]);
const asc = new Uint8Array([0x12, 0x10]);

interface Input {
  kind: 'video' | 'audio';
  ms: number;
  keyframe: boolean;
  data: Uint8Array;
}

/** 2 Mbit/s video at 25 fps (60 KB key frame every 2 s, ~9 KB otherwise) and 128 kbit/s AAC, 1 MiB in total. */
function input(): Input[] {
  const frames: Input[] = [];
  let total = 0;
  let audioMs = 0;
  for (let i = 0; total < MIB; i++) {
    const ms = i * 40;
    for (; audioMs <= ms && total < MIB; audioMs += 23) {
      const size = Math.min(370, MIB - total);
      frames.push({ kind: 'audio', ms: audioMs, keyframe: true, data: new Uint8Array(size).fill(0x21) });
      total += size;
    }
    if (total >= MIB) break;
    const key = i % 50 === 0;
    const size = Math.min(key ? 60_000 : 9_000, MIB - total);
    if (size < 6) break;
    const data = new Uint8Array(size);
    new DataView(data.buffer).setUint32(0, size - 4);
    data[4] = key ? 0x65 : 0x41;
    for (let k = 5; k < size; k++) data[k] = (k * 13) & 0xff;
    frames.push({ kind: 'video', ms, keyframe: key, data });
    total += size;
  }
  return frames;
}

const frames = input();

function mux(): Uint8Array[] {
  const m = new TsMuxer({ video: { codec: 'h264', config: avcC }, audio: { codec: 'aac', config: asc } });
  const out: Uint8Array[] = [];
  for (const f of frames) {
    out.push(
      f.kind === 'video'
        ? m.writeVideo({ dtsMs: f.ms, keyframe: f.keyframe, data: f.data })
        : m.writeAudio({ ptsMs: f.ms, data: f.data }),
    );
  }
  return out;
}

// About 1 MiB of TS for the demuxer, in 64 KiB reads.
const tsMiB = (() => {
  const chunks = mux();
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    all.set(c, p);
    p += c.length;
  }
  return all.subarray(0, Math.floor(MIB / 188) * 188);
})();

describe('mpegts throughput (hz = MiB/s of input)', () => {
  bench('TsMuxer: 1 MiB of FLV-ish H.264 + AAC in, TS out', () => {
    mux();
  });

  bench('TsDemuxer: 1 MiB of TS in 64 KiB chunks', () => {
    const d = new TsDemuxer();
    for (let i = 0; i < tsMiB.length; i += 65536) d.push(tsMiB.subarray(i, i + 65536));
    d.flush();
  });
});
