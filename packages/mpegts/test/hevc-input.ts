// Test-only: turns an Annex B .hevc file (no B-frames) into the access units an RTMP publisher would send.
import { buildHevcDecoderConfigurationRecord, joinLengthPrefixed, splitAnnexB } from '@livego/codecs';

export interface HevcInput {
  config: Uint8Array;
  frames: { data: Uint8Array; keyframe: boolean; nals: Uint8Array[] }[];
}

const nalType = (nal: Uint8Array): number => (nal[0]! >>> 1) & 0x3f;

/** Groups NAL units into access units (H.265 7.4.2.4.4) and strips VPS/SPS/PPS/AUD into the hvcC record. */
export function hevcAccessUnits(annexB: Uint8Array): HevcInput {
  const vps: Uint8Array[] = [];
  const sps: Uint8Array[] = [];
  const pps: Uint8Array[] = [];
  const aus: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let hasVcl = false;
  for (const nal of splitAnnexB(annexB)) {
    const t = nalType(nal);
    const vcl = t < 32;
    const startsAu =
      (vcl && (nal[2]! & 0x80) !== 0) || (t >= 32 && t <= 35) || t === 39 || (t >= 41 && t <= 44);
    if (startsAu && hasVcl) {
      aus.push(current);
      current = [];
      hasVcl = false;
    }
    if (t === 32) vps.length === 0 && vps.push(nal);
    else if (t === 33) sps.length === 0 && sps.push(nal);
    else if (t === 34) pps.length === 0 && pps.push(nal);
    else if (t !== 35) current.push(nal);
    if (vcl) hasVcl = true;
  }
  if (hasVcl) aus.push(current);
  return {
    config: buildHevcDecoderConfigurationRecord({ vps, sps, pps }),
    frames: aus.map((nals) => ({
      data: joinLengthPrefixed(nals, 4),
      keyframe: nals.some((n) => nalType(n) >= 16 && nalType(n) <= 23),
      nals,
    })),
  };
}
