import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AMF_ECMA_ARRAY, type AmfObject, decodeAmf0Sequence, encodeAmf0Sequence } from '../src/index.js';
import { toHex } from './helpers.js';

const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', name)));

const all = [
  'ffmpeg-connect.amf0',
  'ffmpeg-releaseStream.amf0',
  'ffmpeg-FCPublish.amf0',
  'ffmpeg-createStream.amf0',
  'ffmpeg-publish.amf0',
  'ffmpeg-setDataFrame.amf0',
  'rtmpdump-connect.amf0',
  'rtmpdump-createStream.amf0',
  'rtmpdump-play.amf0',
];

describe('real RTMP command bodies from ffmpeg 5.1 and rtmpdump', () => {
  it('decodes ffmpeg connect', () => {
    const [name, txn, cmd, ...rest] = decodeAmf0Sequence(fixture('ffmpeg-connect.amf0'));
    expect(name).toBe('connect');
    expect(txn).toBe(1);
    expect(rest).toEqual([]);
    const o = cmd as AmfObject;
    expect(Object.keys(o)).toEqual(['app', 'type', 'flashVer', 'tcUrl']);
    expect(o.app).toBe('live');
    expect(o.type).toBe('nonprivate');
    expect(o.flashVer).toBe('FMLE/3.0 (compatible; Lavf59.27.100)');
    expect(o.tcUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
  });

  it('decodes ffmpeg releaseStream, FCPublish, createStream and publish', () => {
    expect(decodeAmf0Sequence(fixture('ffmpeg-releaseStream.amf0'))).toEqual([
      'releaseStream',
      2,
      null,
      'key',
    ]);
    expect(decodeAmf0Sequence(fixture('ffmpeg-FCPublish.amf0'))).toEqual(['FCPublish', 3, null, 'key']);
    expect(decodeAmf0Sequence(fixture('ffmpeg-createStream.amf0'))).toEqual(['createStream', 4, null]);
    expect(decodeAmf0Sequence(fixture('ffmpeg-publish.amf0'))).toEqual(['publish', 5, null, 'key', 'live']);
  });

  it("decodes ffmpeg's onMetaData as an ECMA array with plain property access", () => {
    const [setDataFrame, onMetaData, meta, ...rest] = decodeAmf0Sequence(fixture('ffmpeg-setDataFrame.amf0'));
    expect(setDataFrame).toBe('@setDataFrame');
    expect(onMetaData).toBe('onMetaData');
    expect(rest).toEqual([]);
    const m = meta as AmfObject;
    expect(m[AMF_ECMA_ARRAY]).toBe(true);
    expect(m.width).toBe(64);
    expect(m.height).toBe(64);
    expect(m.framerate).toBe(5);
    expect(m.videocodecid).toBe(7);
    expect(m.duration).toBe(1);
    expect(m.encoder).toBe('Lavf59.27.100');
    expect(Object.keys(m)).toEqual([
      'duration',
      'width',
      'height',
      'videodatarate',
      'framerate',
      'videocodecid',
      'encoder',
      'filesize',
    ]);
  });

  it('decodes rtmpdump connect, createStream and play', () => {
    const [name, txn, cmd] = decodeAmf0Sequence(fixture('rtmpdump-connect.amf0'));
    expect(name).toBe('connect');
    expect(txn).toBe(1);
    const o = cmd as AmfObject;
    expect(o.app).toBe('live');
    expect(o.flashVer).toBe('LNX 10,0,32,18');
    expect(o.tcUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
    expect(o.fpad).toBe(false);
    expect(o.capabilities).toBe(15);
    expect(o.audioCodecs).toBe(3191);
    expect(o.videoCodecs).toBe(252);
    expect(o.videoFunction).toBe(1);
    expect(decodeAmf0Sequence(fixture('rtmpdump-createStream.amf0'))).toEqual(['createStream', 2, null]);
    expect(decodeAmf0Sequence(fixture('rtmpdump-play.amf0'))).toEqual(['play', 3, null, 'key', 0]);
  });

  for (const file of all) {
    it(`re-encodes ${file} to the identical bytes`, () => {
      const bytes = fixture(file);
      expect(toHex(encodeAmf0Sequence(decodeAmf0Sequence(bytes)))).toBe(toHex(bytes));
    });
  }
});
