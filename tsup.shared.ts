import { defineConfig, type Options } from 'tsup';

/** The build every package shares: ESM + .d.ts for Node 20 and browsers (libraries) or Node (apps). */
export function packageBuild(platform: 'neutral' | 'node', entry: string[] = ['src/index.ts']) {
  const options: Options = {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform,
  };
  return defineConfig(options);
}
