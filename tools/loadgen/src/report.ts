/** The machine, the command line and the markdown tables. */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import type { RunResult } from './run.js';

export interface Machine {
  cpu: string;
  cores: number;
  kernel: string;
  node: string;
  memoryGb: number;
  loadAverage: number[];
}

export function machine(): Machine {
  let cpu = 'unknown';
  try {
    cpu =
      readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^model name\s*:\s*(.+)$/m)?.[1]
        ?.trim() ?? cpu;
  } catch {}
  return {
    cpu,
    cores: availableParallelism(),
    kernel: `Linux ${release()}`,
    node: process.version,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function machineLines(m: Machine): string {
  return (
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB, ${m.kernel}, node ${m.node}, ` +
    `load average ${m.loadAverage.join(' ')}`
  );
}

const f0 = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-');
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** One markdown table for the runs of one protocol; CPU ratio against the first `ours` run. */
export function table(runs: RunResult[]): string {
  const head = [
    'server',
    'players ok/asked',
    'fell behind',
    'lag p50/p95/max ms',
    'first keyframe p50/p95 ms',
    'CPU % (× ours)',
    'RSS MB (shared once)',
    'syscw/s',
    'tool CPU %',
    'valid',
  ];
  const ours = runs.find((r) => r.kind === 'ours');
  const lines = [row(head), row(head.map((_h, i) => (i === 0 ? '---' : '---:')))];
  for (const r of runs) {
    const ratio =
      ours !== undefined && ours.serverCpuPct > 0
        ? ` (×${(r.serverCpuPct / ours.serverCpuPct).toFixed(2)})`
        : '';
    lines.push(
      row([
        r.server,
        `${r.playing}/${r.asked}`,
        String(r.fellBehind),
        `${f0(r.lagP50Ms)} / ${f0(r.lagP95Ms)} / ${f0(r.lagMaxMs)}`,
        `${f0(r.firstKeyframeP50Ms)} / ${f0(r.firstKeyframeP95Ms)}`,
        `${f1(r.serverCpuPct)}${ratio}`,
        `${f1(r.serverRssMb)} (${f1(r.serverMemMb)})`,
        r.syscwPerSec < 1 && r.framesReceived > 0 ? 'n/c¹' : f0(r.syscwPerSec),
        `${f1(r.toolCpuPct)} (${r.threads}t, max ${f0(Math.max(...r.utilization) * 100)} % busy)`,
        r.valid ? 'yes' : `INVALID: ${r.invalidReason}`,
      ]),
    );
  }
  if (runs.some((r) => r.syscwPerSec < 1 && r.framesReceived > 0)) {
    lines.push(
      '',
      '¹ not counted: /proc/<pid>/io syscw counts write(2)/writev(2) calls only; this server sends with send(2)/sendmsg(2).',
    );
  }
  return lines.join('\n');
}

/** The HLS clients of each run that had them. */
export function hlsTable(runs: RunResult[]): string {
  const head = [
    'server',
    'clients ok/asked',
    'fell behind',
    'segment fetch p50/p95 ms',
    'playlist p95 ms',
    'segments',
    'Mbit/s',
    'why behind',
  ];
  const lines = [row(head), row(head.map((_h, i) => (i === 0 ? '---' : '---:')))];
  for (const r of runs) {
    const h = r.hls;
    if (h === undefined) continue;
    const why = Object.entries(h.reasons).map(([k, n]) => `${n}× ${k}`);
    lines.push(
      row([
        r.server,
        `${h.ok}/${h.asked}`,
        String(h.fellBehind),
        `${f0(h.segmentP50Ms)} / ${f0(h.segmentP95Ms)}`,
        f0(h.playlistP95Ms),
        String(h.segments),
        f1(h.mbitPerSec),
        why.length === 0 ? '-' : why.join(', '),
      ]),
    );
  }
  return lines.join('\n');
}
