/**
 * A server's cost from /proc (Linux): CPU (utime + stime of /proc/<pid>/stat, every thread of each
 * process), resident memory (VmRSS of /proc/<pid>/status) and write syscalls (syscw of /proc/<pid>/io,
 * readable by root or the owner), each summed over the process and its descendants found through
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
  /** Write syscalls (syscw); NaN when /proc/<pid>/io is not readable. */
  syscw: number;
  processes: number;
}

export function sampleTree(pid: number, atMs: number): ProcSample {
  let ticks = 0;
  let rssKb = 0;
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
    const io = read(`/proc/${p}/io`);
    const w = io?.match(/^syscw:\s+(\d+)/m);
    syscw = w ? syscw + Number(w[1]) : Number.NaN;
  }
  return { atMs, cpuSec: ticks / clockTicksPerSec(), rssBytes: rssKb * 1024, syscw, processes: pids.length };
}
