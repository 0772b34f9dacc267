import { MediaPacket } from '@livego/hub';
import { ChunkDecoder, MessageType } from '@livego/rtmp-protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pushForm } from '../src/forms.js';
import { rtmpForm } from '../src/rtmp.js';

const SET_DATA_FRAME = [0x02, 0x00, 0x0d, ...Array.from('@setDataFrame', (c) => c.charCodeAt(0))];
const TYPE = { audio: MessageType.Audio, video: MessageType.Video, data: MessageType.DataAmf0 } as const;

describe('pushForm', () => {
  it('shares the RTMP viewers’ bytes for media and prefixes metadata with @setDataFrame', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('audio', 'video', 'data') as fc.Arbitrary<'audio' | 'video' | 'data'>,
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 128, max: 65_536 }),
        fc.integer({ min: 1, max: 8 }),
        (kind, payload, timestampMs, chunkSize, streamId) => {
          const metadata = kind === 'data';
          const p = new MediaPacket(kind, timestampMs, payload, {
            keyframe: false,
            sequenceHeader: false,
            metadata,
          });
          // An RTMP viewer encoded it first (the usual order): the push sends the very same array.
          const viewerBytes = p.encoded(rtmpForm(chunkSize, streamId));
          const bytes = p.encoded(pushForm(chunkSize, streamId));
          if (!metadata) expect(bytes).toBe(viewerBytes);
          const decoder = new ChunkDecoder();
          decoder.chunkSize = chunkSize;
          const messages = decoder.push(bytes);
          expect(decoder.error).toBeUndefined();
          expect(messages).toHaveLength(1);
          const m = messages[0]!;
          expect([m.typeId, m.messageStreamId, m.timestampMs]).toEqual([TYPE[kind], streamId, timestampMs]);
          expect([...m.payload]).toEqual(metadata ? [...SET_DATA_FRAME, ...payload] : [...payload]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
