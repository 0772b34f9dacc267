// docs/configuration.md, made from the one definition of the keys (@livego/cli's KEYS and
// defaultConfig): `node scripts/config-reference.mjs` writes it (after `pnpm build`), and
// apps/cli/test/reference.test.ts fails when it is not what the keys say.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TYPES = {
  string: 'string',
  path: 'file or directory name',
  addr: 'listen address: `host:port`, `:port`, or `""` (off)',
  redis: '`host:port` or `:port`, or `""` (off)',
  bool: '`true` / `false`',
  seconds: 'number > 0',
  level: '`trace` `debug` `info` `warn` `error` `fatal` `panic` `silent`',
  jwtAlgorithm: '`HS256` `HS384` `HS512`',
  workers: '`auto` or a whole number >= 1',
};

const code = (v) => `\`${JSON.stringify(v)}\``;

/** The markdown reference of `keys` with the defaults of `defaults` (a LivegoConfig). */
export function configReference({ keys, defaults, envName }) {
  const rows = keys.map((k) => {
    const type = k.type === 'int' ? `whole number >= ${k.min ?? 0}` : TYPES[k.type];
    const value = k.field.split('.').reduce((o, f) => o[f], defaults);
    const origin = k.flag === 'added' ? 'added here' : 'livego';
    const flag = k.flag === undefined ? '— (file, env)' : `\`--${k.key}\``;
    return `| \`${k.key}\` | ${flag} | \`${envName(k.key)}\` | ${type} | ${code(value)} | ${origin} | ${k.help} |`;
  });
  return `# Configuration reference

Every key the server reads. One name serves everywhere: the key in \`livego.yaml\` (or \`.json\`), the
flag (\`--key value\` or \`--key=value\`), and the environment variable (upper-cased, \`.\` as \`_\`).
A flag beats the environment, which beats the file, which beats the default. "livego" keys mean
what they mean in livego (with the differences the server's README lists); "added here" keys are
ours. Generated from \`@livego/cli\`'s key table by \`node scripts/config-reference.mjs\`.

| key | flag | env | value | default | from | what it does |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

## Apps: \`server\` (file only)

A list of apps, each \`{ appname, live, hls, flv, api, static_push }\`; the default is one app \`live\`
with everything on. Every app with \`live: true\` is served (livego serves only the first); an app with
\`live: false\` is left out with a warning. \`static_push\` is a list of \`rtmp://\` URLs every stream
published on the app is pushed to.
`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { KEYS, defaultConfig, envName } = await import('../apps/cli/dist/index.js');
  const out = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
  writeFileSync(out, configReference({ keys: KEYS, defaults: defaultConfig(), envName }));
  console.log(`wrote ${out}`);
}
