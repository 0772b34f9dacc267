/**
 * RTMP URLs: `rtmp[s]://host[:port]/app[/instance]/stream[?query]`. The app / stream split follows
 * FFmpeg's: with two path segments the first is the app; with more, the first two are app/instance
 * and the rest is the stream name. tcUrl is `scheme://host[:port]/app`, as FFmpeg and librtmp send.
 */
import { RtmpError } from './errors.js';

export interface RtmpUrl {
  protocol: 'rtmp' | 'rtmps';
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  /** The port to connect to: the explicit one, or 1935 (rtmp) / 443 (rtmps). */
  port: number;
  app: string;
  /** Stream name without the query ('' when the URL names only the app). */
  streamName: string;
  /** The query after '?', without the '?' ('' if none). */
  query: string;
  tcUrl: string;
}

export const DEFAULT_RTMP_PORT = 1935;
export const DEFAULT_RTMPS_PORT = 443;

function bad(url: string, why: string): RtmpError {
  return new RtmpError('RTMP_BAD_URL', `RTMP URL '${url}' ${why}`, { field: 'url' });
}

/** Parses an rtmp:// or rtmps:// URL; throws RtmpError 'RTMP_BAD_URL' on anything else. */
export function parseRtmpUrl(url: string): RtmpUrl {
  const m = /^(rtmps?):\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?(?:#.*)?$/i.exec(url.trim());
  if (m === null) throw bad(url, 'is not rtmp://host/app/stream or rtmps://host/app/stream');
  const protocol = m[1]!.toLowerCase() as 'rtmp' | 'rtmps';
  let authority = m[2]!;
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw bad(url, 'has an unterminated IPv6 address');
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw bad(url, 'has text after the IPv6 address');
      portText = after.slice(1);
    }
  } else {
    const colon = authority.indexOf(':');
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
  }
  if (host === '') throw bad(url, 'has no host');
  let port = protocol === 'rtmps' ? DEFAULT_RTMPS_PORT : DEFAULT_RTMP_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw bad(url, `has port '${portText}', expected 1..65535`);
    }
    port = Number(portText);
  }
  const segments = (m[3] ?? '').split('/').filter((s) => s !== '');
  if (segments.length === 0) throw bad(url, 'has no application name');
  let appSegments: number;
  if (segments.length <= 2) appSegments = 1;
  else appSegments = 2;
  const app = segments.slice(0, appSegments).join('/');
  const streamName = segments.slice(appSegments).join('/');
  const hostPart = authority.startsWith('[') ? `[${host}]` : host;
  const tcUrl = `${protocol}://${hostPart}${portText !== undefined ? `:${port}` : ''}/${app}`;
  return { protocol, host, port, app, streamName, query: m[4] ?? '', tcUrl };
}
