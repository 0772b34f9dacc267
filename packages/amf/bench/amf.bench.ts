import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import {
  type AmfValue,
  decodeAmf0Sequence,
  decodeAmf3,
  ecmaArray,
  encodeAmf0Sequence,
  encodeAmf3,
} from '../src/index.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', name)));

// A real ffmpeg 5.1 connect command body and a real onMetaData data message.
const connectBytes = fixture('ffmpeg-connect.amf0');
const connect = decodeAmf0Sequence(connectBytes);
const metaBytes = fixture('ffmpeg-setDataFrame.amf0');
const meta = decodeAmf0Sequence(metaBytes);

// A fuller onMetaData as OBS sends it (audio + video fields), to weigh a larger ECMA array.
const obsMeta: AmfValue[] = [
  '@setDataFrame',
  'onMetaData',
  ecmaArray({
    duration: 0,
    fileSize: 0,
    width: 1920,
    height: 1080,
    videocodecid: 7,
    videodatarate: 2500,
    framerate: 30,
    audiocodecid: 10,
    audiodatarate: 160,
    audiosamplerate: 48000,
    audiosamplesize: 16,
    audiochannels: 2,
    stereo: true,
    '2.1': false,
    '3.1': false,
    '4.0': false,
    '4.1': false,
    '5.1': false,
    '7.1': false,
    encoder: 'obs-output module (libobs version 30.0.2)',
  }),
];
const obsMetaBytes = encodeAmf0Sequence(obsMeta);
const obsMetaAmf3 = encodeAmf3(obsMeta);

describe('AMF0 connect command (ffmpeg, 140 bytes)', () => {
  bench('decode', () => {
    decodeAmf0Sequence(connectBytes);
  });
  bench('encode', () => {
    encodeAmf0Sequence(connect);
  });
});

describe('AMF0 onMetaData (ffmpeg, 200 bytes)', () => {
  bench('decode', () => {
    decodeAmf0Sequence(metaBytes);
  });
  bench('encode', () => {
    encodeAmf0Sequence(meta);
  });
});

describe(`AMF0 onMetaData (OBS-like, ${obsMetaBytes.length} bytes)`, () => {
  bench('decode', () => {
    decodeAmf0Sequence(obsMetaBytes);
  });
  bench('encode', () => {
    encodeAmf0Sequence(obsMeta);
  });
});

describe(`AMF3 onMetaData (OBS-like, ${obsMetaAmf3.length} bytes)`, () => {
  bench('decode', () => {
    decodeAmf3(obsMetaAmf3);
  });
  bench('encode', () => {
    encodeAmf3(obsMeta);
  });
});
