/**
 * Reads livego.yaml (or .yml, .json) into a plain mapping with lower-cased keys, as viper does
 * livego's viper also reads toml, hcl, ini and properties; those are refused.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from './errors.js';

export const CONFIG_FORMATS = ['.yaml', '.yml', '.json'] as const;

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

export type Mapping = Map<string, unknown>;

/**
 * The file's top-level mapping, or undefined when `file` does not exist and `mustExist` is false
 * (livego's default livego.yaml is optional). `file` is shown in errors as given.
 */
export function readConfigFile(file: string, cwd: string, mustExist: boolean): Mapping | undefined {
  const ext = extname(file).toLowerCase();
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && !mustExist) return undefined;
    throw new ConfigError(
      'CONFIG_BAD_FILE',
      `${file}: cannot read the config file (${READ_ERRORS[e.code ?? ''] ?? e.code ?? e.message})`,
      {
        cause: err,
      },
    );
  }
  if (!(CONFIG_FORMATS as readonly string[]).includes(ext)) {
    throw new ConfigError(
      'CONFIG_BAD_FILE',
      `${file}: unsupported config format ${JSON.stringify(ext || '(no extension)')} (use .yaml, .yml or .json)`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let root: unknown;
  try {
    root = ext === '.json' ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true, strict: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const first = (err.message.split('\n')[0] ?? '').replace(/:$/, '');
      throw new ConfigError('CONFIG_BAD_FILE', `${file}: broken YAML: ${first}`, {
        offset: err.pos[0],
        cause: err,
      });
    }
    if (ext !== '.json' && err instanceof Error) {
      // Resolving the document can throw plain errors too (an alias without its anchor: ReferenceError).
      throw new ConfigError('CONFIG_BAD_FILE', `${file}: broken YAML: ${err.message.split('\n')[0]}`, {
        cause: err,
      });
    }
    if (err instanceof SyntaxError) {
      throw new ConfigError('CONFIG_BAD_FILE', `${file}: broken JSON: ${err.message.split('\n')[0]}`, {
        cause: err,
      });
    }
    throw err;
  }
  if (root === null || root === undefined) return new Map(); // empty, or comments only
  const top = toMapping(root);
  if (top === undefined) {
    throw new ConfigError('CONFIG_BAD_FILE', `${file}: expected a mapping of livego's keys at the top`);
  }
  const dup = duplicateKey(top);
  if (dup !== undefined) {
    throw new ConfigError('CONFIG_BAD_FILE', `${file}: ${dup}: the key appears twice (keys ignore case)`, {
      field: dup,
    });
  }
  return lowerKeys(top);
}

/** A plain object as a Map; undefined for anything else. */
export function toMapping(v: unknown): Map<string, unknown> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  return new Map(Object.entries(v as Record<string, unknown>));
}

/** viper matches keys case-insensitively: `RTMP_ADDR:` and `AppName:` work there. */
export function lowerKeys(m: Map<string, unknown>): Mapping {
  return new Map([...m].map(([k, v]) => [k.toLowerCase(), v]));
}

export function duplicateKey(m: Map<string, unknown>): string | undefined {
  const seen = new Set<string>();
  for (const k of m.keys()) {
    const low = k.toLowerCase();
    if (seen.has(low)) return k;
    seen.add(low);
  }
  return undefined;
}
