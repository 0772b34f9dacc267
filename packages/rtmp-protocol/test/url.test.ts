import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtmpError } from '../src/errors.js';
import { parseRtmpUrl } from '../src/url.js';

describe('parseRtmpUrl', () => {
  it('splits host, default port, app, stream and query', () => {
    expect(parseRtmpUrl('rtmp://example.com/live/movie?key=1&x=2')).toEqual({
      protocol: 'rtmp',
      host: 'example.com',
      port: 1935,
      app: 'live',
      streamName: 'movie',
      query: 'key=1&x=2',
      tcUrl: 'rtmp://example.com/live',
    });
  });

  it('uses 443 for rtmps and keeps an explicit port in tcUrl', () => {
    expect(parseRtmpUrl('rtmps://a.b/app/s').port).toBe(443);
    const u = parseRtmpUrl('rtmp://127.0.0.1:19350/live/x');
    expect(u.port).toBe(19350);
    expect(u.tcUrl).toBe('rtmp://127.0.0.1:19350/live');
  });

  it('takes app/instance when there are three or more segments', () => {
    const u = parseRtmpUrl('rtmp://h/app/inst/stream');
    expect([u.app, u.streamName, u.tcUrl]).toEqual(['app/inst', 'stream', 'rtmp://h/app/inst']);
    expect(parseRtmpUrl('rtmp://h/a/b/c/d').streamName).toBe('c/d');
  });

  it('accepts a URL naming only the app, and IPv6 hosts', () => {
    expect(parseRtmpUrl('rtmp://h/live').streamName).toBe('');
    const u = parseRtmpUrl('rtmp://[::1]:1936/live/s');
    expect([u.host, u.port, u.tcUrl]).toEqual(['::1', 1936, 'rtmp://[::1]:1936/live']);
  });

  for (const url of [
    'http://h/live/s',
    'rtmp://',
    'rtmp:///live/s',
    'rtmp://h',
    'rtmp://h/',
    'rtmp://h:0/a/s',
    'rtmp://h:99999/a/s',
    'rtmp://h:x/a/s',
    'rtmpe://h/a/s',
    'rtmp://[::1/a/s',
  ]) {
    it(`refuses '${url}' with RTMP_BAD_URL`, () => {
      expect(() => parseRtmpUrl(url)).toThrow(RtmpError);
      try {
        parseRtmpUrl(url);
      } catch (e) {
        expect((e as RtmpError).code).toBe('RTMP_BAD_URL');
      }
    });
  }

  it('never throws anything but RtmpError on random strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `rtmp://${s}`),
        ),
        (s) => {
          try {
            parseRtmpUrl(s);
          } catch (e) {
            expect(e).toBeInstanceOf(RtmpError);
          }
        },
      ),
    );
  });
});
