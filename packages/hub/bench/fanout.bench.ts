import { bench, describe } from 'vitest';
import { Hub, type MediaPacket, type OutputForm } from '../src/index.js';

// A 25 fps stream with 4 kB frames and AAC, fanned out to N viewers that drain every message.
const frame = (key: boolean) => {
  const b = new Uint8Array(4096);
  b[0] = key ? 0x17 : 0x27;
  b[1] = 1;
  return b;
};
const aac = Uint8Array.of(0xaf, 0x01, ...new Uint8Array(200));
const form: OutputForm = { id: 'copy', encode: (p: MediaPacket) => p.payload.slice() };

for (const viewers of [1, 100, 1000]) {
  describe(`fan-out to ${viewers} viewers`, () => {
    const hub = new Hub();
    const pub = hub.publish('live', 'b', { id: 'p', kind: 'bench' }, { onEnd() {} });
    const subs = Array.from({ length: viewers }, (_, i) =>
      hub.subscribe('live', 'b', { id: `v${i}`, kind: 'bench' }, { form, onData() {}, onEnd() {} }),
    );
    let ts = 0;
    let n = 0;
    bench('one second of media (25 video + 25 audio messages)', () => {
      for (let i = 0; i < 25; i++) {
        pub.write('video', ts, frame(n++ % 50 === 0));
        pub.write('audio', ts, aac);
        ts += 40;
      }
      for (const s of subs) s.take();
    });
  });
}
