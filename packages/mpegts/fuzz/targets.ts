// Fuzz target of @livego/mpegts: see scripts/fuzz.mjs (`pnpm fuzz ts-demux`). TsDemuxer.push() must
// never throw, report every problem as a TsError event, and give the same events in any chunking.
import type { FuzzTarget } from '../../../scripts/fuzz.mjs';
import { TsDemuxer, TsError, type TsEvent, TsMuxer } from '../src/index.js';
import { ASC_LC_44100_STEREO, avcC, h264Frame } from '../test/synth.js';

const PACKET = 188;
const PIECES = [1, 187, 3, 188, 7, 376, 2, 100, 13, 189];

function fnv1a(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const v of data) h = Math.imul(h ^ v, 0x01000193);
  return (h >>> 0).toString(16);
}

function demux(data: Uint8Array, chunked: boolean): TsEvent[] {
  const d = new TsDemuxer({ maxPesBytes: 1 << 20 });
  const events: TsEvent[] = [];
  if (!chunked) events.push(...d.push(data));
  else {
    for (let at = 0, i = 0; at < data.length; i++) {
      const n = PIECES[i % PIECES.length]!;
      events.push(...d.push(data.subarray(at, at + n)));
      at += n;
    }
  }
  events.push(...d.flush());
  return events;
}

function describe(e: TsEvent): string {
  switch (e.type) {
    case 'error':
      if (!(e.error instanceof TsError)) throw new Error(`error event carries ${String(e.error)}`);
      return `error:${e.packetIndex}:${e.error.code}`;
    case 'pes':
      return `pes:${e.packetIndex}:${e.pid}:${e.pts90k}:${e.dts90k}:${e.data.length}:${fnv1a(e.data)}`;
    case 'pcr':
      return `pcr:${e.packetIndex}:${e.pcr90k}:${e.pcrExt}`;
    case 'pat':
      return `pat:${e.packetIndex}:${e.version}:${e.programs.length}`;
    case 'pmt':
      return `pmt:${e.packetIndex}:${e.pid}:${e.streams.map((s) => `${s.pid}/${s.streamType}`).join(',')}`;
  }
}

function muxed(codec: 'aac' | 'mp3'): Uint8Array {
  const m = new TsMuxer({
    video: { codec: 'h264', config: avcC() },
    audio: codec === 'aac' ? { codec: 'aac', config: ASC_LC_44100_STEREO } : { codec: 'mp3' },
  });
  const chunks: Uint8Array[] = [m.writeTables()];
  for (let i = 0; i < 6; i++) {
    chunks.push(
      m.writeVideo({ dtsMs: i * 40, keyframe: i % 3 === 0, data: h264Frame([i % 3 ? 1 : 5], 300).data }),
    );
    chunks.push(m.writeAudio({ ptsMs: i * 40, data: new Uint8Array(120).fill(i) }));
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export const targets: FuzzTarget[] = [
  {
    name: 'ts-demux',
    seedFiles: ['fuzz/seeds/*.m2t'],
    seeds: () => [muxed('aac'), muxed('mp3')],
    maxLen: PACKET * 40,
    dictionary: [
      new Uint8Array([0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xb0]),
      new Uint8Array([0x47, 0x50, 0x00, 0x10, 0x00, 0x02, 0xb0]),
      new Uint8Array([0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x80, 0xc0, 0x0a]),
      new Uint8Array([0x00, 0x00, 0x01, 0xc0]),
      new Uint8Array([0x47, 0x41, 0x00, 0x30, 0x07, 0x50]),
      new Uint8Array([0xff, 0xff, 0xff, 0xff]),
    ],
    run(data) {
      const whole = demux(data, false).map(describe);
      const chunked = demux(data, true).map(describe);
      const n = Math.max(whole.length, chunked.length);
      for (let i = 0; i < n; i++) {
        if (whole[i] !== chunked[i]) {
          throw new Error(
            `events differ in pieces: event ${i} of the whole input is ${whole[i]}, in pieces ${chunked[i]}`,
          );
        }
      }
      return [
        ...new Set(whole.map((d) => d.split(':')[0]! + (d.startsWith('error') ? d.split(':')[2] : ''))),
      ];
    },
    expected: () => false,
  },
];
