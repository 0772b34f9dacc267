/**
 * Every output form of the server, and the registry that shares one form among its users: each
 * message is encoded once per form.
 */
import { addSetDataFrame, encodeFlvTag, FlvTagType } from '@livego/flv';
import type { MediaPacket, OutputForm } from '@livego/hub';
import { ChunkStreamId, encodeMessageChunks, MessageType } from '@livego/rtmp-protocol';

const TAG_TYPE = { audio: FlvTagType.AUDIO, video: FlvTagType.VIDEO, data: FlvTagType.SCRIPT } as const;

/** An FLV tag with its PreviousTagSize: HTTP-FLV, WebSocket-FLV and recordings share these bytes. */
export const FLV_FORM: OutputForm = {
  id: 'flv',
  encode: (p: MediaPacket) =>
    encodeFlvTag({ type: TAG_TYPE[p.kind], timestampMs: p.timestampMs, data: p.payload }),
};

const RTMP_TYPE = { audio: MessageType.Audio, video: MessageType.Video, data: MessageType.DataAmf0 } as const;
const RTMP_CSID = {
  audio: ChunkStreamId.Audio,
  video: ChunkStreamId.Video,
  data: ChunkStreamId.Data,
} as const;

/**
 * The RTMP form for a chunk size and message stream id. Packets memoise encodings by form id, so two
 * objects made with the same arguments share the bytes; viewers take theirs through `acquireRtmpForm`.
 */
export function rtmpForm(chunkSize: number, streamId: number): OutputForm {
  return {
    id: `rtmp:${chunkSize}:${streamId}`,
    encode: (p: MediaPacket) =>
      encodeMessageChunks(
        {
          typeId: RTMP_TYPE[p.kind],
          timestampMs: p.timestampMs,
          messageStreamId: streamId,
          payload: p.payload,
        },
        { chunkSize, chunkStreamId: RTMP_CSID[p.kind] },
      ),
  };
}

/**
 * The form a push sends in (to another RTMP server): the RTMP viewers' bytes, metadata as
 * `@setDataFrame onMetaData`, the form a publisher sends (livego adds it too).
 */
export function pushForm(chunkSize: number, streamId: number): OutputForm {
  const base = rtmpForm(chunkSize, streamId);
  return {
    id: `rtmp-push:${chunkSize}:${streamId}`,
    encode: (p: MediaPacket) => {
      if (!p.metadata) return p.encoded(base);
      return encodeMessageChunks(
        {
          typeId: MessageType.DataAmf0,
          timestampMs: p.timestampMs,
          messageStreamId: streamId,
          payload: addSetDataFrame(p.payload),
        },
        { chunkSize, chunkStreamId: ChunkStreamId.Data },
      );
    },
  };
}

/** The forms viewers hold now, with how many hold each: an entry lives while a viewer uses it. */
const held = new Map<string, { form: OutputForm; users: number }>();

/**
 * The shared form `id` (made by `make` for its first user), so that a form's bytes are computed once
 * for all its viewers and no id outlives them; pair with `releaseForm` when the viewer ends.
 */
export function acquireForm(id: string, make: () => OutputForm): OutputForm {
  let entry = held.get(id);
  if (entry === undefined) {
    entry = { form: make(), users: 0 };
    held.set(id, entry);
  }
  entry.users++;
  return entry.form;
}

/** A viewer of `form` ended; the last one removes the form from the registry. */
export function releaseForm(form: OutputForm): void {
  const entry = held.get(form.id);
  if (entry === undefined || entry.form !== form) return;
  if (--entry.users === 0) held.delete(form.id);
}

/** The shared RTMP form for a player that starts; pair with `releaseForm` when it ends. */
export function acquireRtmpForm(chunkSize: number, streamId: number): OutputForm {
  return acquireForm(`rtmp:${chunkSize}:${streamId}`, () => rtmpForm(chunkSize, streamId));
}

/** The shared push form of an outgoing publish; pair with `releaseForm` when it ends. */
export function acquirePushForm(chunkSize: number, streamId: number): OutputForm {
  return acquireForm(`rtmp-push:${chunkSize}:${streamId}`, () => pushForm(chunkSize, streamId));
}

/** Forms in use (for tests and metrics). */
export function heldFormCount(): number {
  return held.size;
}
