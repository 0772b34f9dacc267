import { type AmfValue, encodeAmf0Sequence } from '@livego/amf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtmpError } from '../src/errors.js';
import {
  buildAggregate,
  decodeCommand,
  decodeData,
  decodeMessage,
  encodeData,
  encodeMessage,
  type RtmpMessage,
  splitAggregate,
} from '../src/message.js';

const amfValue: fc.Arbitrary<AmfValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.string(),
    fc.constant(null),
    fc.constant(undefined),
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__'),
      tie('value'),
      { maxKeys: 4 },
    ),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value as fc.Arbitrary<AmfValue>;

describe('typed messages', () => {
  it('decode(encode(m)) = m for commands, data, media, shared objects and control', () => {
    const base = { timestampMs: fc.nat({ max: 0xffffffff }), messageStreamId: fc.nat({ max: 0xffffffff }) };
    const arb: fc.Arbitrary<RtmpMessage> = fc.oneof(
      fc.record({
        type: fc.constantFrom('audio' as const, 'video' as const),
        payload: fc.uint8Array({ maxLength: 50 }),
        ...base,
      }),
      fc.record({
        type: fc.constant('data' as const),
        amf: fc.constant(0 as const),
        values: fc.array(amfValue, { maxLength: 4 }),
        ...base,
      }),
      fc.record({
        type: fc.constant('command' as const),
        amf: fc.constantFrom(0 as const, 3 as const),
        name: fc.string(),
        transactionId: fc.nat(),
        commandObject: amfValue,
        args: fc.array(amfValue, { maxLength: 3 }),
        ...base,
      }),
      fc.record({
        type: fc.constant('sharedObject' as const),
        amf: fc.constantFrom(0 as const, 3 as const),
        payload: fc.uint8Array({ maxLength: 20 }),
        ...base,
      }),
      fc.record({ type: fc.constant('ack' as const), sequenceNumber: fc.nat({ max: 0xffffffff }), ...base }),
    );
    fc.assert(
      fc.property(arb, (m) => {
        const out = encodeMessage(m);
        const back = decodeMessage({ ...out, chunkStreamId: 3 });
        expect(back).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes AMF3 data (type 15: format byte, then values through the AVM+ switch)', () => {
    const body = encodeData(['onMetaData', { width: 1280, height: 720 }], 3);
    expect(body[0]).toBe(0);
    expect(body[1]).toBe(0x11);
    expect(decodeData(15, body)).toEqual(['onMetaData', { width: 1280, height: 720 }]);
  });

  it('splits an aggregate, rebasing the sub-message timestamps on the aggregate timestamp', () => {
    const agg = buildAggregate([
      { typeId: 9, timestampMs: 0x01000010, messageStreamId: 1, payload: Uint8Array.of(1) },
      { typeId: 8, timestampMs: 0x01000030, messageStreamId: 1, payload: Uint8Array.of(2, 3) },
    ]);
    // Byte for byte: FLV-tag-like headers with the timestamp's upper byte after the lower 24 bits.
    expect(Buffer.from(agg.subarray(0, 16)).toString('hex')).toBe(
      '09000001' + '000010' + '01' + '000000' + '01' + '0000000c',
    );
    const subs = splitAggregate({
      chunkStreamId: 6,
      typeId: 22,
      messageStreamId: 7,
      timestampMs: 500,
      payload: agg,
    });
    expect(subs.map((s) => [s.typeId, s.timestampMs, s.messageStreamId, Array.from(s.payload)])).toEqual([
      [9, 500, 7, [1]],
      [8, 532, 7, [2, 3]],
    ]);
  });

  it('reports a cut aggregate with RTMP_TRUNCATED', () => {
    const agg = buildAggregate([
      { typeId: 9, timestampMs: 0, messageStreamId: 1, payload: new Uint8Array(10) },
    ]);
    expect(() =>
      splitAggregate({
        chunkStreamId: 6,
        typeId: 22,
        messageStreamId: 1,
        timestampMs: 0,
        payload: agg.subarray(0, 15),
      }),
    ).toThrow(RtmpError);
  });

  it('refuses a command that does not start with a name', () => {
    expect(() => decodeCommand(20, encodeAmf0Sequence([1, 2]))).toThrow(/expected the command name/);
    expect(() => decodeCommand(20, new Uint8Array(0))).toThrow(RtmpError);
  });

  it('never throws anything but RtmpError on random message bodies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.uint8Array({ maxLength: 64 }), (typeId, payload) => {
        try {
          decodeMessage({ chunkStreamId: 3, typeId, messageStreamId: 0, timestampMs: 0, payload });
        } catch (e) {
          expect(e).toBeInstanceOf(RtmpError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
