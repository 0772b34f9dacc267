/**
 * One clock for every thread of the tool. `performance.now()` counts from each thread's own start, so
 * the publisher (main thread) and the players (workers) would disagree; `process.hrtime()` is the
 * process-wide monotonic clock. Each thread measures the offset between the two once and then reads
 * the cheap `performance.now()`.
 */
const [s, ns] = process.hrtime();
const offsetMs = s * 1e3 + ns / 1e6 - performance.now();

/** Milliseconds on the process-wide monotonic clock (same value in every thread at the same instant). */
export function nowMs(): number {
  return performance.now() + offsetMs;
}
