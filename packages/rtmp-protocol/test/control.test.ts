import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ControlMessage, decodeControl, encodeControl } from '../src/control.js';
import { RtmpError } from '../src/errors.js';

function hexOf(m: ControlMessage): string {
  const { typeId, payload } = encodeControl(m);
  return `${typeId.toString(16).padStart(2, '0')}:${Buffer.from(payload).toString('hex')}`;
}

describe('protocol control messages, byte for byte (RTMP spec §5.4, §7.1.7)', () => {
  const cases: [ControlMessage, string][] = [
    [{ type: 'setChunkSize', chunkSize: 4096 }, '01:00001000'],
    [{ type: 'abort', chunkStreamId: 6 }, '02:00000006'],
    [{ type: 'ack', sequenceNumber: 0xfedcba98 }, '03:fedcba98'],
    [{ type: 'windowAckSize', windowSize: 2_500_000 }, '05:002625a0'],
    [{ type: 'setPeerBandwidth', windowSize: 2_500_000, limitType: 2 }, '06:002625a002'],
    [{ type: 'userControl', event: { kind: 'streamBegin', streamId: 1 } }, '04:000000000001'],
    [{ type: 'userControl', event: { kind: 'streamEof', streamId: 1 } }, '04:000100000001'],
    [{ type: 'userControl', event: { kind: 'streamDry', streamId: 2 } }, '04:000200000002'],
    [
      { type: 'userControl', event: { kind: 'setBufferLength', streamId: 1, bufferLengthMs: 3000 } },
      '04:00030000000100000bb8',
    ],
    [{ type: 'userControl', event: { kind: 'streamIsRecorded', streamId: 1 } }, '04:000400000001'],
    [{ type: 'userControl', event: { kind: 'pingRequest', timestamp: 0x01020304 } }, '04:000601020304'],
    [{ type: 'userControl', event: { kind: 'pingResponse', timestamp: 0x01020304 } }, '04:000701020304'],
  ];
  for (const [message, expected] of cases) {
    const name = message.type === 'userControl' ? `userControl ${message.event.kind}` : message.type;
    it(`encodes and decodes ${name}`, () => {
      expect(hexOf(message)).toBe(expected);
      const [t, p] = expected.split(':');
      expect(decodeControl(Number.parseInt(t!, 16), Uint8Array.from(Buffer.from(p!, 'hex')))).toEqual(
        message,
      );
    });
  }

  it('keeps unknown user control events (FMS buffer empty 0x1f) as data', () => {
    const m = decodeControl(4, Uint8Array.from([0, 0x1f, 0, 0, 0, 1]));
    expect(m).toEqual({
      type: 'userControl',
      event: { kind: 'unknown', eventType: 0x1f, data: Uint8Array.of(0, 0, 0, 1) },
    });
  });

  it('reports a short payload with RTMP_TRUNCATED and a bad limit type with RTMP_PROTOCOL', () => {
    expect(() => decodeControl(1, Uint8Array.of(0, 0))).toThrow(RtmpError);
    expect(() => decodeControl(4, Uint8Array.of(0, 0, 0))).toThrow(/needs 6 bytes/);
    expect(() => decodeControl(6, Uint8Array.of(0, 0, 0, 1, 7))).toThrow(/limit type 7/);
  });

  it('never throws anything but RtmpError on random payloads', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.uint8Array({ maxLength: 12 }), (typeId, payload) => {
        try {
          decodeControl(typeId, payload);
        } catch (e) {
          expect(e).toBeInstanceOf(RtmpError);
        }
      }),
    );
  });

  it('decode(encode(m)) = m for random control messages', () => {
    const u32 = fc.nat({ max: 0xffffffff });
    const arb: fc.Arbitrary<ControlMessage> = fc.oneof(
      fc.record({
        type: fc.constant('setChunkSize' as const),
        chunkSize: fc.integer({ min: 1, max: 0x7fffffff }),
      }),
      fc.record({ type: fc.constant('abort' as const), chunkStreamId: u32 }),
      fc.record({ type: fc.constant('ack' as const), sequenceNumber: u32 }),
      fc.record({ type: fc.constant('windowAckSize' as const), windowSize: u32 }),
      fc.record({
        type: fc.constant('setPeerBandwidth' as const),
        windowSize: u32,
        limitType: fc.constantFrom(0 as const, 1 as const, 2 as const),
      }),
      fc.record({
        type: fc.constant('userControl' as const),
        event: fc.oneof(
          fc.record({ kind: fc.constantFrom('streamBegin' as const, 'streamEof' as const), streamId: u32 }),
          fc.record({ kind: fc.constant('setBufferLength' as const), streamId: u32, bufferLengthMs: u32 }),
          fc.record({
            kind: fc.constantFrom('pingRequest' as const, 'pingResponse' as const),
            timestamp: u32,
          }),
        ),
      }),
    );
    fc.assert(
      fc.property(arb, (m) => {
        const { typeId, payload } = encodeControl(m);
        expect(decodeControl(typeId, payload)).toEqual(m);
      }),
    );
  });
});
