import type { MediaPacket, OutputForm, SubscriberSink } from '../src/index.js';

// FLV tag bodies as an encoder sends them (FLV spec E.4.2/E.4.3): the header bytes are what the hub
// classifies; the rest stands in for coded data.
export const VIDEO_SEQ = Uint8Array.of(0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff);
export const VIDEO_SEQ_2 = Uint8Array.of(0x17, 0x00, 0, 0, 0, 0x01, 0x4d, 0x00, 0x1e, 0xff);
export const AUDIO_SEQ = Uint8Array.of(0xaf, 0x00, 0x12, 0x10);
export const key = (n = 0) => Uint8Array.of(0x17, 0x01, 0, 0, 0, 0, 0, 0, 4, 0x65, n & 0xff, 0, 0);
export const inter = (n = 0) => Uint8Array.of(0x27, 0x01, 0, 0, 0, 0, 0, 0, 4, 0x41, n & 0xff, 0, 0);
export const aac = (n = 0) => Uint8Array.of(0xaf, 0x01, 0x21, n & 0xff);
export const mp3 = (n = 0) => Uint8Array.of(0x2f, 0xff, 0xfb, n & 0xff);

/** An output form that tags bytes with the packet's identity and counts encodes. */
export function countingForm(id = 'test'): OutputForm & { encodes: number } {
  const form = {
    id,
    encodes: 0,
    encode(p: MediaPacket): Uint8Array {
      form.encodes++;
      const out = new Uint8Array(p.payload.length + 5);
      out[0] = p.kind === 'video' ? 9 : p.kind === 'audio' ? 8 : 18;
      new DataView(out.buffer).setUint32(1, p.timestampMs);
      out.set(p.payload, 5);
      return out;
    },
  };
  return form;
}

export interface Delivered {
  type: number;
  timestampMs: number;
  payload: Uint8Array;
}

export function decode(chunks: Uint8Array[]): Delivered[] {
  return chunks.map((c) => ({
    type: c[0]!,
    timestampMs: new DataView(c.buffer, c.byteOffset).getUint32(1),
    payload: c.subarray(5),
  }));
}

export function recordingSink(form: OutputForm) {
  const sink = {
    form,
    dataCalls: 0,
    published: 0,
    unpublished: 0,
    ended: [] as string[],
    onData() {
      sink.dataCalls++;
    },
    onPublish() {
      sink.published++;
    },
    onUnpublish() {
      sink.unpublished++;
    },
    onEnd(reason: string) {
      sink.ended.push(reason);
    },
  } satisfies SubscriberSink & Record<string, unknown>;
  return sink;
}

export const isKeyframeBody = (p: Uint8Array) => p[0] === 0x17 && p[1] === 0x01;
export const isInterBody = (p: Uint8Array) => p[0] === 0x27;
