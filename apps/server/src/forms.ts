/** Output forms shared by every viewer of a kind: each message is encoded once per form. */
import { encodeFlvTag, FlvTagType } from '@livego/flv';
import type { MediaPacket, OutputForm } from '@livego/hub';

const TAG_TYPE = { audio: FlvTagType.AUDIO, video: FlvTagType.VIDEO, data: FlvTagType.SCRIPT } as const;

/** An FLV tag with its PreviousTagSize: HTTP-FLV, WebSocket-FLV and recordings share these bytes. */
export const FLV_FORM: OutputForm = {
  id: 'flv',
  encode: (p: MediaPacket) =>
    encodeFlvTag({ type: TAG_TYPE[p.kind], timestampMs: p.timestampMs, data: p.payload }),
};
