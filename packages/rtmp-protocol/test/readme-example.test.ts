/**
 * The README's server example, extracted from README.md and run as written (only its port is made a
 * free one and its import points at the build): ffmpeg publishes and it prints the video frames; a
 * publisher killed mid-stream (its connection reset) does not end it; the next one is served.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connectWithRetry, freePort, killChildren, run } from './harness.js';

afterAll(killChildren);

function example(port: number): string {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const code = /## Example: a server that accepts publishers\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (code === undefined) throw new Error('README.md has no server example');
  const dist = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;
  return code
    .replace("'@livego/rtmp-protocol'", JSON.stringify(dist))
    .replace('listen(1935', `listen(${port}`);
}

const publish = (port: number, seconds: number) =>
  run('ffmpeg', [
    '-v',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=160x120:rate=25:duration=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-f',
    'flv',
    `rtmp://127.0.0.1:${port}/live/test`,
  ]);

describe('README example', () => {
  it('prints the frames of a publisher, and outlives one killed mid-stream', async () => {
    const port = await freePort();
    const file = join(mkdtempSync(join(tmpdir(), 'rtmp-readme-')), 'server.mjs');
    writeFileSync(file, example(port));
    const server = run(process.execPath, [file], 60_000);
    (await connectWithRetry(port)).destroy();

    const killed = publish(port, 30);
    const lines = () =>
      server
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('video ')).length;
    while (lines() < 10) {
      if (server.process.exitCode !== null) throw new Error(`the example exited: ${server.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    killed.process.kill('SIGKILL');
    await killed.exit;
    await new Promise((r) => setTimeout(r, 300));
    expect(server.process.exitCode).toBeNull();

    const before = lines();
    const second = publish(port, 1);
    expect(await second.exit).toBe(0);
    expect(lines()).toBeGreaterThan(before + 10);
    expect(server.process.exitCode).toBeNull();
    server.process.kill('SIGTERM');
  }, 40_000);
});
