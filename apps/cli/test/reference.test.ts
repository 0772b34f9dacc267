import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference } from '../../../scripts/config-reference.mjs';
import { defaultConfig } from '../src/config.js';
import { envName, KEYS } from '../src/keys.js';

describe('docs/configuration.md', () => {
  it('is the reference the key table makes (node scripts/config-reference.mjs rewrites it)', () => {
    const file = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'docs', 'configuration.md'),
      'utf8',
    );
    expect(file).toBe(configReference({ keys: KEYS, defaults: defaultConfig(), envName }));
    for (const k of KEYS) expect(file).toContain(`| \`${k.key}\` |`);
  });
});
