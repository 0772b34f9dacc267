/**
 * livego's command line as pflag parses it: `--flag value`, `--flag=value`, bools as
 * `--flag` or `--flag=false`. Differences: a stray argument is an error (pflag keeps it silently),
 * and `--version` exists.
 */
import { ConfigError } from './errors.js';
import { CONFIG_FILE_FLAG, envName, KEY_BY_NAME, KEYS, type KeySpec } from './keys.js';
import { closest } from './suggest.js';

export interface ParsedArgv {
  /** Flag values in the order given (a repeated flag: the last one wins). */
  values: Map<KeySpec, { text: string; flag: string }>;
  configFile: string | undefined;
  help: boolean;
  version: boolean;
}

const FLAG_NAMES = [...KEYS.filter((k) => k.flag !== undefined).map((k) => k.key), CONFIG_FILE_FLAG.key];

export function parseArgv(argv: readonly string[]): ParsedArgv {
  const out: ParsedArgv = { values: new Map(), configFile: undefined, help: false, version: false };
  const args = [...argv];
  if (args[0] === '--') args.shift(); // `pnpm start -- --flag` passes the separator through
  let bareBool: string | undefined; // the previous argument, when it was a bool flag without '='
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h' || arg === '--help') {
      out.help = true;
      continue;
    }
    if (arg === '--version') {
      out.version = true;
      continue;
    }
    if (arg === '--') {
      const rest = args[i + 1];
      if (rest === undefined) break;
      throw unexpected(rest);
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (bareBool !== undefined && /^(?:true|false)$/i.test(arg)) {
        throw new ConfigError(
          'CONFIG_BAD_FLAG',
          `unexpected argument ${JSON.stringify(arg)} after ${bareBool} (a bool flag takes its value as ${bareBool}=${arg})`,
          { field: bareBool.slice(2) },
        );
      }
      throw unexpected(arg);
    }
    bareBool = undefined;
    if (!arg.startsWith('--')) {
      const name = arg.slice(1).split('=')[0] ?? '';
      const hint = FLAG_NAMES.includes(name) ? ` (flags start with --: --${name})` : '';
      throw new ConfigError('CONFIG_BAD_FLAG', `unknown flag ${arg}${hint}; see --help`, { field: name });
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let text: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    const spec = KEY_BY_NAME.get(name);
    if (name !== CONFIG_FILE_FLAG.key && (spec === undefined || spec.flag === undefined)) {
      throw unknownFlag(name, spec);
    }
    if (text === undefined) {
      if (spec?.type === 'bool') {
        text = 'true';
        bareBool = `--${name}`;
      } else {
        text = args[++i];
        if (text === undefined) {
          throw new ConfigError(
            'CONFIG_BAD_FLAG',
            `--${name}: needs a value (--${name} value or --${name}=value)`,
            {
              field: name,
            },
          );
        }
      }
    }
    if (spec === undefined) out.configFile = text;
    else out.values.set(spec, { text, flag: `--${name}` });
  }
  return out;
}

function unexpected(arg: string): ConfigError {
  return new ConfigError(
    'CONFIG_BAD_FLAG',
    `unexpected argument ${JSON.stringify(arg)} (flags are --name value or --name=value; see --help)`,
  );
}

function unknownFlag(name: string, spec: KeySpec | undefined): ConfigError {
  if (spec !== undefined) {
    // One of livego's config-only keys.
    return new ConfigError(
      'CONFIG_BAD_FLAG',
      `unknown flag --${name}: as in livego, ${name} is set in the config file or with env ${envName(name)}`,
      { field: name },
    );
  }
  const near = closest(name, FLAG_NAMES);
  return new ConfigError(
    'CONFIG_BAD_FLAG',
    `unknown flag --${name}${near === undefined ? '' : ` (did you mean --${near}?)`}; see --help`,
    { field: name },
  );
}
