/** RTMP timestamps are 32-bit milliseconds that wrap; `b - a` taken the short way round. */
export function tsDiffMs(a: number, b: number): number {
  return ((b - a + 0x80000000) >>> 0) - 0x80000000;
}

export function tsAddMs(a: number, deltaMs: number): number {
  return (a + deltaMs) >>> 0;
}
