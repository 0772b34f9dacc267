/**
 * `pnpm -F @livego/loadgen idle [--players N] [--ours-flag F]…`: the memory of idle connected players.
 * Starts ours, measures its memory, connects N RTMP players to a stream nobody publishes (they are
 * answered NetStream.Play.Start and wait), and measures again: what each connected viewer costs
 * before any media flows.
 */
import { nowMs } from './clock.js';
import { createSendLogBuffer, SendLogReader } from './identity.js';
import { PlayerStats } from './player-stats.js';
import { sampleTree } from './proc.js';
import { RtmpPlayer } from './rtmp-player.js';
import { startServer } from './servers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let players = 500;
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--players') players = Number(argv[++i]);
    else if (argv[i] === '--ours-flag') flags.push(argv[++i]!);
    else if (argv[i] !== '--') throw new Error(`unknown option ${argv[i]} (--players N, --ours-flag F)`);
  }
  if (!Number.isInteger(players) || players < 1) throw new Error('--players needs a whole number >= 1');
  const server = await startServer({ kind: 'ours', label: 'ours', flags });
  try {
    await sleep(2000);
    const before = sampleTree(server.pid, nowMs());
    const reader = new SendLogReader(createSendLogBuffer());
    const target = {
      host: server.host,
      rtmpPort: server.rtmpPort,
      httpPort: server.httpPort,
      app: server.app,
      stream: 'nobody-publishes',
    };
    const list = Array.from(
      { length: players },
      () => new RtmpPlayer(target, new PlayerStats('rtmp', reader), Buffer.allocUnsafe(32 * 1024)),
    );
    for (const [i, p] of list.entries()) {
      p.start();
      if (i % 100 === 99) await sleep(100);
    }
    const deadline = nowMs() + 30_000;
    while (list.some((p) => p.stats.playingAtMs < 0 && !p.stats.closed) && nowMs() < deadline)
      await sleep(100);
    await sleep(3000);
    const after = sampleTree(server.pid, nowMs());
    const waiting = list.filter((p) => p.stats.playingAtMs >= 0 && !p.stats.closed).length;
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    const perPlayerKb = (after.rssBytes - before.rssBytes) / 1024 / waiting;
    process.stdout.write(
      `ours ${flags.join(' ')}: ${waiting}/${players} players connected and waiting\n` +
        `RSS ${mb(before.rssBytes)} MB idle -> ${mb(after.rssBytes)} MB: ${perPlayerKb.toFixed(1)} KB per player\n`,
    );
    for (const p of list) p.close();
  } finally {
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  },
);
