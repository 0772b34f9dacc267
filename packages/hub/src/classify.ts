/**
 * Classifies a publisher's message once at ingest (keyframe, sequence header, metadata) and normalises
 * metadata: `@setDataFrame` is an instruction to the server, so viewers get plain `onMetaData`.
 */
import { parseAudioTagHeader, parseScriptTag, parseVideoTagHeader, stripSetDataFrame } from '@livego/flv';
import type { PacketFlags, PacketKind } from './packet.js';

export interface Classified {
  flags: PacketFlags;
  payload: Uint8Array;
}

/** Throws FlvError when the payload is not a valid tag body (the caller drops that one message). */
export function classify(kind: PacketKind, payload: Uint8Array): Classified {
  if (kind === 'video') {
    const h = parseVideoTagHeader(payload);
    const flags = {
      keyframe: h.isKeyframe && !h.isSequenceHeader,
      sequenceHeader: h.isSequenceHeader,
      metadata: false,
    };
    return { flags, payload };
  }
  if (kind === 'audio') {
    const h = parseAudioTagHeader(payload);
    return { flags: { keyframe: false, sequenceHeader: h.isSequenceHeader, metadata: false }, payload };
  }
  const body = stripSetDataFrame(payload);
  const metadata = parseScriptTag(body).name === 'onMetaData';
  return { flags: { keyframe: false, sequenceHeader: false, metadata }, payload: body };
}
