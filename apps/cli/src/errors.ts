/** ConfigError: a flag, env variable or config file entry that livego cannot use (exit code 2). */
import { type ErrorContext, LivegoError } from '@livego/amf';

export type ConfigErrorCode =
  /** A flag that does not exist, lacks its value, or a stray argument. */
  | 'CONFIG_BAD_FLAG'
  /** The config file cannot be read or parsed, or its format is not supported. */
  | 'CONFIG_BAD_FILE'
  /** A key livego does not have. */
  | 'CONFIG_UNKNOWN_KEY'
  /** A value of the wrong type or out of range, or values that contradict each other. */
  | 'CONFIG_BAD_VALUE';

export class ConfigError extends LivegoError {
  declare readonly code: ConfigErrorCode;

  /** The message is one line that names the key and where it came from (file, flag or env). */
  constructor(code: ConfigErrorCode, message: string, context: ErrorContext = {}) {
    // One line whatever a key, file name or argument holds: control characters are escaped.
    super(code, oneLine(message), context);
    this.name = 'ConfigError';
  }
}

/** Escapes C0 controls, DEL and the Unicode line separators as \uXXXX. */
function oneLine(message: string): string {
  let out = '';
  for (const c of message) {
    const code = c.charCodeAt(0);
    const control = code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029;
    out += control ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}
