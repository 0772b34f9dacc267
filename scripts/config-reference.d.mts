// Types of scripts/config-reference.mjs.
import type { KeySpec, LivegoConfig } from '@livego/cli';

export declare function configReference(input: {
  keys: readonly KeySpec[];
  defaults: LivegoConfig;
  envName: (key: string) => string;
}): string;
