/** Messages between the main thread and the player workers, and the results they carry. */

export type Protocol = 'rtmp' | 'httpflv' | 'wsflv';
export const PROTOCOLS: readonly Protocol[] = ['rtmp', 'httpflv', 'wsflv'];

export interface Target {
  host: string;
  rtmpPort: number;
  /** 0 when the server has no HTTP-FLV (nginx-rtmp). */
  httpPort: number;
  app: string;
  stream: string;
}

export interface PlayerResult {
  protocol: Protocol;
  /** Connected (RTMP Play.Start, HTTP 200, WebSocket 101) and still open at the end of the window. */
  playing: boolean;
  /** Not playing, a stall (no video) of more than 2 s in the window, or a lag over 2 s in it. */
  fellBehind: boolean;
  /** Longest time without video in the window, the silence at its end included. */
  stallMs: number;
  /** Median lag of its frames in the last second of the window (NaN: none). */
  endLagMs: number;
  /** Largest lag seen in the window. */
  maxLagMs: number;
  /** Connect start to the first video keyframe received (NaN: none). */
  firstKeyframeMs: number;
  frames: number;
  keyframes: number;
  /** Video frames whose identity was not in the publisher's log of the last seconds. */
  unmatched: number;
  error: string | undefined;
}

export type ToWorker =
  | {
      type: 'start';
      target: Target;
      /** Players of this worker: their global index (for the ramp schedule) and protocol. */
      players: { index: number; protocol: Protocol }[];
      rampPerSec: number;
      /** Process clock (clock.ts) at which player 0 starts. */
      t0Ms: number;
      sendLog: SharedArrayBuffer;
      readBufferBytes: number;
    }
  | { type: 'window' }
  | { type: 'end'; endMs: number }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'progress'; started: number; playing: number; failed: number }
  | { type: 'result'; players: PlayerResult[]; utilization: number }
  | { type: 'stopped' };

/** One HLS client's numbers over the window. */
export interface HlsClientResult {
  /** It fetched at least one segment. */
  ok: boolean;
  fellBehind: boolean;
  segments: number;
  bytes: number;
  /** Time to fetch each segment, ms. */
  segmentMs: number[];
  /** Time to fetch each playlist, ms. */
  playlistMs: number[];
  /** The first reason it fell behind. */
  error: string | undefined;
}

export type ToHls =
  | { type: 'start'; url: string; clients: number; rampPerSec: number; t0Ms: number }
  | { type: 'window' }
  | { type: 'end' }
  | { type: 'stop' };

export type FromHls =
  | { type: 'result'; clients: HlsClientResult[]; utilization: number }
  | { type: 'stopped' };
