// Synthetic elementary-stream input for unit and property tests (the interop tests use real encoders).
import { joinLengthPrefixed } from '@livego/codecs';

export const SPS = new Uint8Array([0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8]);
export const PPS = new Uint8Array([0x68, 0xce, 0x3c, 0x80]);

/** avcC with one SPS and one PPS (baseline profile, so no extension fields) and `nalLengthSize`. */
export function avcC(nalLengthSize = 4): Uint8Array {
  return new Uint8Array([
    0x01,
    0x42,
    0xc0,
    0x1e,
    0xfc | (nalLengthSize - 1),
    0xe1,
    0,
    SPS.length,
    ...SPS,
    0x01,
    0,
    PPS.length,
    ...PPS,
  ]);
}

/** An H.264 access unit: length-prefixed NAL units with the given types and bodies of `size` bytes. */
export function h264Frame(
  types: number[],
  size = 50,
  nalLengthSize = 4,
  seed = 1,
): { data: Uint8Array; nals: Uint8Array[] } {
  const nals = types.map((t, i) => {
    const n = new Uint8Array(size);
    n[0] = 0x60 | t;
    for (let k = 1; k < size; k++) n[k] = (seed * 31 + i * 7 + k) & 0xff || 1;
    return n;
  });
  return { data: joinLengthPrefixed(nals, nalLengthSize), nals };
}

/** AudioSpecificConfig: AAC LC, 44.1 kHz, stereo. */
export const ASC_LC_44100_STEREO = new Uint8Array([0x12, 0x10]);
