// Fuzz targets of @livego/server's request parsing: see scripts/fuzz.mjs (`pnpm fuzz flv-url`). These
// run on what a peer sends (the request-target as Node's HTTP parser hands it over, an RTMP stream
// name), so they must never throw, and what they accept must stay inside its app and directory.
import { dirname, join, sep } from 'node:path';
import type { FuzzTarget } from '../../../scripts/fuzz.mjs';
import { splitHlsPath } from '../src/hls.js';
import { parseFlvRequestUrl } from '../src/http-flv.js';
import { recordingPath } from '../src/record.js';

/** Node's HTTP parser gives the request-target as latin1: one char per byte. */
function latin1(data: Uint8Array): string {
  let s = '';
  for (const b of data) s += String.fromCharCode(b);
  return s;
}

const text = (s: string) => new TextEncoder().encode(s);
const URL_TOKENS = [
  '/',
  '//',
  '%2F',
  '%2e%2e',
  '..',
  '%',
  '%00',
  '?',
  '#',
  '[',
  ']',
  '@',
  ':',
  '\\',
  '.flv',
  '.m3u8',
  '.ts',
];
const FLV_DIR = join(sep, 'srv', 'flv');

export const targets: FuzzTarget[] = [
  {
    name: 'flv-url',
    seeds: () =>
      [
        '/live/movie.flv',
        '/live/a%20b.flv?token=1',
        '//host/live/x.flv',
        '/live/%E4%BD%A0.flv',
        '/a/b/c.flv#x',
      ].map(text),
    maxLen: 256,
    dictionary: URL_TOKENS.map(text),
    run(data) {
      const path = parseFlvRequestUrl(latin1(data));
      if (path === undefined) return 'none';
      if (path.app === '' || path.app.includes('/') || path.name === '') {
        throw new Error(`bad app or stream name: app '${path.app}', name '${path.name}'`);
      }
      return ['stream', path.name.includes('/') ? 'nested' : 'flat'];
    },
    expected: () => false,
  },
  {
    name: 'hls-url',
    seeds: () =>
      ['/live/movie.m3u8', '/live/movie/1700000000.ts', '/crossdomain.xml', '/live/%2e%2e/x.ts', '/a//b'].map(
        text,
      ),
    maxLen: 256,
    dictionary: URL_TOKENS.map(text),
    run(data) {
      // As the HLS listener routes: the path before '?'.
      const parts = splitHlsPath(latin1(data).split('?', 1)[0]!);
      if (parts === undefined) return 'none';
      for (const p of parts) {
        if (p === '' || p === '.' || p === '..' || /[/\\\0]/.test(p)) {
          throw new Error(`unsafe path part: '${p}' of ${JSON.stringify(parts)}`);
        }
      }
      return `parts:${Math.min(parts.length, 4)}`;
    },
    expected: () => false,
  },
  {
    name: 'record-path',
    seeds: () => ['movie', '../../etc/passwd', 'a/b\\c', '..', '%2F', '\u00e9\u4f60'].map(text),
    maxLen: 128,
    dictionary: ['/', '\\', '..', '.', '\0', '%'].map(text),
    run(data) {
      // The room is what the publisher chose (the app is a configured one).
      const room = new TextDecoder().decode(data);
      const file = recordingPath(FLV_DIR, 'live', room, 1700000000);
      if (dirname(file) !== join(FLV_DIR, 'live')) {
        throw new Error(`recording outside flv_dir/live: room ${JSON.stringify(room)} writes ${file}`);
      }
      return file.includes('%') ? 'encoded' : 'plain';
    },
    expected: () => false,
  },
];
