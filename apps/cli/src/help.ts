/** `livego --help`: livego's flags in pflag's layout, then the ones added here. */
import { defaultConfig } from './config.js';
import { CONFIG_FILE_FLAG, getField, KEYS, type KeySpec } from './keys.js';

interface Row {
  name: string;
  type: string;
  help: string;
  default: unknown;
}

function row(k: KeySpec, defaults: ReturnType<typeof defaultConfig>): Row {
  const type = k.type === 'bool' ? '' : k.type === 'int' ? 'int' : k.type === 'seconds' ? 'float' : 'string';
  return { name: k.key, type, help: k.help, default: getField(defaults, k.field) };
}

/** pflag omits zero defaults and quotes strings: `(default ":1935")`, `(default 1)`, `(default true)`. */
function defaultText(v: unknown): string {
  if (v === '' || v === false || v === 0) return '';
  return ` (default ${typeof v === 'string' ? JSON.stringify(v) : String(v)})`;
}

function table(rows: Row[], width: number): string[] {
  return rows
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(
      (r) =>
        `${`      --${r.name}${r.type === '' ? '' : ` ${r.type}`}`.padEnd(width)}   ${r.help}${defaultText(r.default)}`,
    );
}

export function helpText(): string {
  const d = defaultConfig();
  const livego: Row[] = KEYS.filter((k) => k.flag === 'livego').map((k) => row(k, d));
  livego.push({
    name: CONFIG_FILE_FLAG.key,
    type: 'string',
    help: CONFIG_FILE_FLAG.help,
    default: CONFIG_FILE_FLAG.default,
  });
  const added: Row[] = KEYS.filter((k) => k.flag === 'added').map((k) => row(k, d));
  const width = Math.max(...[...livego, ...added].map((r) => `      --${r.name} ${r.type}`.length));
  const fileOnly = KEYS.filter((k) => k.flag === undefined).map((k) => k.key);
  return [
    'Usage: livego [flags]',
    '',
    "livego's flags (same names, types and defaults):",
    ...table(livego, width),
    '',
    'Flags added here (not in livego):',
    ...table(added, width),
    `${'  -h, --help'.padEnd(width)}   show this help`,
    `${'      --version'.padEnd(width)}   print the version`,
    '',
    'Config file and environment only, as in livego:',
    `  ${fileOnly.join(', ')},`,
    '  and server (the list of apps: appname, live, hls, flv, api, static_push; file only).',
    '',
    'The config file is --config_file (livego.yaml in the current directory when it exists); .yaml, .yml',
    "or .json. Every key is also read from the environment, upper-cased with '.' as '_' (RTMP_ADDR,",
    'GOP_NUM, JWT_SECRET); an empty value counts as set. Precedence: flag > environment > file > default.',
    '',
  ].join('\n');
}
