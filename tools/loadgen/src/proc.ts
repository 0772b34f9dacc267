/**
 * A server's cost from /proc (Linux): CPU (utime + stime of /proc/<pid>/stat, every thread of each
 * process), resident memory (VmRSS of /proc/<pid>/status), private memory (Private_Clean +
 * Private_Dirty of /proc/<pid>/smaps_rollup: what each process adds, without the pages of the program
 * and libraries several processes share) and write syscalls (syscw of /proc/<pid>/io, readable by root
 * or the owner), each summed over the process and its descendants found through
 * /proc/<pid>/task/<tid>/children.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** USER_HZ, the unit of utime and stime. */
export function clockTicksPerSec(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `pid` and all its descendants that are alive. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      const children = read(`/proc/${p}/task/${tid}/children`);
      if (children === undefined) continue;
      for (const c of children.split(' ')) if (c.trim() !== '') walk(Number(c));
    }
  };
  walk(pid);
  return out;
}

export interface ProcSample {
  atMs: number;
  /** utime + stime, seconds. */
  cpuSec: number;
  rssBytes: number;
  /** Private pages summed over the processes (NaN when smaps_rollup is not readable). */
  privateBytes: number;
  /** The largest Shared_Clean + Shared_Dirty of one process: the shared pages, counted once. */
  sharedBytes: number;
  /** Write syscalls (syscw); NaN when /proc/<pid>/io is not readable. */
  syscw: number;
  processes: number;
}

export function sampleTree(pid: number, atMs: number): ProcSample {
  let ticks = 0;
  let rssKb = 0;
  let privateKb = 0;
  let sharedKb = 0;
  let syscw = 0;
  const pids = processTree(pid);
  for (const p of pids) {
    const stat = read(`/proc/${p}/stat`);
    if (stat !== undefined) {
      // Fields after "(comm)": state is field 3, utime 14, stime 15.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    }
    const status = read(`/proc/${p}/status`);
    const rss = status?.match(/^VmRSS:\s+(\d+)/m);
    if (rss) rssKb += Number(rss[1]);
    const smaps = read(`/proc/${p}/smaps_rollup`);
    const kb = (field: string) =>
      Number(smaps?.match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'))?.[1] ?? Number.NaN);
    privateKb += kb('Private_Clean') + kb('Private_Dirty');
    sharedKb = Math.max(sharedKb, kb('Shared_Clean') + kb('Shared_Dirty'));
    const io = read(`/proc/${p}/io`);
    const w = io?.match(/^syscw:\s+(\d+)/m);
    syscw = w ? syscw + Number(w[1]) : Number.NaN;
  }
  return {
    atMs,
    cpuSec: ticks / clockTicksPerSec(),
    rssBytes: rssKb * 1024,
    privateBytes: privateKb * 1024,
    sharedBytes: sharedKb * 1024,
    syscw,
    processes: pids.length,
  };
}
