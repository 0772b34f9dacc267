/** The command line of `pnpm bench:fanout`, validated once into options. */
import type { ProtocolChoice } from './run.js';
import { SERVER_KINDS, type ServerKind } from './servers.js';

export interface CliOptions {
  players: number;
  protocols: ProtocolChoice[];
  seconds: number;
  warmupSec: number;
  rampPerSec: number;
  /** undefined: every server available here. */
  servers: ServerKind[] | undefined;
  /** merge_write_ms values; ours runs once per value. */
  windows: number[] | undefined;
  oursFlags: string[];
  /** 0 = auto. */
  threads: number;
  /** HLS clients beside the players (ours only). */
  hls: number;
  json: string | undefined;
  help: boolean;
}

export const USAGE = `pnpm bench:fanout [options]

  --players N          players per run (default 500)
  --protocol P[,P]     rtmp | httpflv | wsflv | mixed (default rtmp); one table per protocol
  --seconds N          measured window (default 20)
  --warmup N           seconds between the last connection and the window (default 3)
  --ramp N             connections started per second (default 500)
  --servers S[,S]      ours, nginx, nms, srs (default: every one available here)
  --window V[,V]       run ours once per merge_write_ms value (e.g. 0,20,50,100,200,350)
  --ours-flag FLAG     extra flag for ours, repeatable (e.g. --ours-flag --merge_write_ms=350)
  --threads auto|N     player threads of the tool (default auto)
  --hls N              also N HLS clients fetching playlist and segments (ours only; default 0)
  --json FILE          also write every result as JSON
`;

const PROTOCOL_CHOICES: readonly string[] = ['rtmp', 'httpflv', 'wsflv', 'mixed'];

function positive(name: string, v: string | undefined, min = 1): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < min)
    throw new Error(`${name} needs a number ≥ ${min}, got ${v}`);
  return n;
}

function list(v: string | undefined, name: string): string[] {
  if (v === undefined || v === '') throw new Error(`${name} needs a value`);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseCli(argv: string[]): CliOptions {
  const o: CliOptions = {
    players: 500,
    protocols: ['rtmp'],
    seconds: 20,
    warmupSec: 3,
    rampPerSec: 500,
    servers: undefined,
    windows: undefined,
    oursFlags: [],
    threads: 0,
    hls: 0,
    json: undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    // The value is inline (--x=v) or the next argument, taken as is (--ours-flag --merge_write_ms=0).
    const value = () => (eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i]);
    switch (name) {
      case '--players':
        o.players = Math.floor(positive(name, value()));
        break;
      case '--protocol': {
        const ps = list(value(), name);
        for (const p of ps)
          if (!PROTOCOL_CHOICES.includes(p))
            throw new Error(`--protocol ${p}: expected ${PROTOCOL_CHOICES.join(' | ')}`);
        o.protocols = ps as ProtocolChoice[];
        break;
      }
      case '--seconds':
        o.seconds = positive(name, value());
        break;
      case '--warmup':
        o.warmupSec = positive(name, value(), 0);
        break;
      case '--ramp':
        o.rampPerSec = positive(name, value());
        break;
      case '--servers': {
        const ss = list(value(), name);
        for (const s of ss)
          if (!SERVER_KINDS.includes(s as ServerKind))
            throw new Error(`--servers ${s}: expected ${SERVER_KINDS.join(', ')}`);
        o.servers = ss as ServerKind[];
        break;
      }
      case '--window':
        o.windows = list(value(), name).map((v) => positive('--window', v, 0));
        break;
      case '--ours-flag': {
        const v = value();
        if (v === undefined) throw new Error('--ours-flag needs a value');
        o.oursFlags.push(v);
        break;
      }
      case '--threads': {
        const v = value();
        o.threads = v === 'auto' ? 0 : Math.floor(positive(name, v));
        break;
      }
      case '--hls':
        o.hls = Math.floor(positive(name, value(), 0));
        break;
      case '--json':
        o.json = value();
        if (o.json === undefined) throw new Error('--json needs a file name');
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  return o;
}
