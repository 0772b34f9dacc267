/** `pnpm bench:fanout`: the runs, one markdown table per protocol, and optionally JSON. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCli, USAGE } from './cli.js';
import { loadFixture } from './fixture.js';
import { hlsTable, machine, machineLines, table } from './report.js';
import { type RunResult, runOne } from './run.js';
import { availability, SERVER_KINDS, type ServerKind, type ServerSpec, supportsHttpFlv } from './servers.js';

const LABELS: Record<ServerKind, string> = { ours: 'ours', nginx: 'nginx-rtmp', nms: 'nms', srs: 'srs' };

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const o = parseCli(argv);
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = `pnpm bench:fanout ${argv.map(quote).join(' ')}`.trim();
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const wanted = o.servers ?? SERVER_KINDS.filter((k) => availability(k) === true);
  const specs: ServerSpec[] = [];
  for (const kind of wanted) {
    const ok = availability(kind);
    if (ok !== true) {
      if (kind === 'ours') throw new Error(ok);
      log(`skipping ${LABELS[kind]}: ${ok}`);
      continue;
    }
    if (kind === 'ours' && o.windows !== undefined) {
      for (const w of o.windows) {
        specs.push({
          kind,
          label: `ours merge_write_ms=${w}`,
          flags: [...o.oursFlags, `--merge_write_ms=${w}`],
        });
      }
    } else if (kind === 'ours') {
      const label = o.oursFlags.length === 0 ? 'ours' : `ours ${o.oursFlags.join(' ')}`;
      specs.push({ kind, label, flags: o.oursFlags });
    } else specs.push({ kind, label: LABELS[kind], flags: [] });
  }

  const m = machine();
  const fixture = loadFixture();
  const results: RunResult[] = [];
  const out: string[] = [];
  for (const protocol of o.protocols) {
    const runs: RunResult[] = [];
    for (const spec of specs) {
      if (protocol !== 'rtmp' && !supportsHttpFlv(spec.kind)) {
        log(`skipping ${spec.label} for ${protocol}: RTMP only`);
        continue;
      }
      log(`run: ${spec.label}, ${o.players} ${protocol} players, ${o.seconds} s`);
      try {
        const r = await runOne({
          server: spec,
          protocol,
          players: o.players,
          seconds: o.seconds,
          warmupSec: o.warmupSec,
          rampPerSec: o.rampPerSec,
          threads: o.threads,
          fixture,
          hlsClients: spec.kind === 'ours' ? o.hls : 0,
          log,
        });
        runs.push(r);
        const errs = Object.entries(r.errors);
        log(
          `  ${r.playing}/${r.asked} playing, ${r.fellBehind} behind, server CPU ${r.serverCpuPct.toFixed(1)} %, ` +
            `${r.framesReceived} frames (${r.unmatchedFrames} unmatched)` +
            (errs.length > 0 ? `; errors: ${errs.map(([e, n]) => `${n}× ${e}`).join(', ')}` : ''),
        );
        if (
          r.kind === 'ours' &&
          r.playing < r.asked &&
          r.asked >= 1000 &&
          !spec.flags.some((f) => f.includes('per_ip'))
        ) {
          log(
            '  hint: ours accepts 1000 connections per IP by default; add --ours-flag --max_connections_per_ip=5000',
          );
        }
      } catch (e) {
        log(`  ${spec.label} failed: ${(e as Error).message}`);
      }
    }
    results.push(...runs);
    if (runs.length > 0)
      out.push(`### ${protocol}, ${o.players} players, ${o.seconds} s window\n\n${table(runs)}`);
    for (const r of runs.filter((x) => x.memory.length >= 6)) {
      // Long windows: the server's memory over time, once a minute.
      const marks = r.memory
        .filter((_m, i) => i % 6 === 5)
        .map((m) => `${(m.atSec / 60).toFixed(0)} min ${m.rssMb.toFixed(1)}`);
      out.push(
        `${r.server}: RSS MB at the window's start ${r.serverRssStartMb.toFixed(1)}, then ${marks.join(', ')}`,
      );
    }
    const withHls = runs.filter((r) => r.hls !== undefined);
    if (withHls.length > 0)
      out.push(`### HLS clients beside the ${protocol} players\n\n${hlsTable(withHls)}`);
  }
  process.stdout.write(`\n${machineLines(m)}\ncommand: ${command}\n\n${out.join('\n\n')}\n`);
  if (o.json !== undefined) {
    const file = resolve(process.env.INIT_CWD ?? process.cwd(), o.json);
    writeFileSync(file, `${JSON.stringify({ machine: m, command, options: o, results }, null, 2)}\n`);
    log(`wrote ${file}`);
  }
  return results.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  },
);
