/**
 * Every app of livego.yaml's `server:` list is served (livego starts listeners for the first only);
 * a publish or play to an app that is not configured, or not `live`, is refused with a status message.
 * The config goes the bin's way: livego.yaml -> @livego/cli loadConfig -> createServer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@livego/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegoServer } from '../src/index.js';
import { channelKey, killAll, publishFlv, rtmpUrl, run, startServer, url, waitFor } from './helpers.js';
import { makeFlv, probeFrames, type TestMedia } from './media.js';

let server: LivegoServer;
let media: TestMedia;

beforeAll(async () => {
  media = await makeFlv(2);
  const cwd = mkdtempSync(join(tmpdir(), 'livego-apps-'));
  writeFileSync(
    join(cwd, 'livego.yaml'),
    `server:
  - appname: live
    live: true
    flv: true
  - appname: tv
    live: true
    flv: true
  - appname: off
    live: false
    flv: true
`,
  );
  const { config, warnings } = loadConfig({ argv: [], env: {}, cwd });
  expect(warnings).toEqual(['livego.yaml: server[2] (off): live is not true, so the app is not served']);
  // Only the apps: the listeners stay on port 0 and in one process.
  server = await startServer({ apps: config.apps, playerWaitSec: 10 });
});
afterAll(async () => {
  killAll();
  await server?.stop(500);
  media?.cleanup();
});

const publish = (target: string) => publishFlv(media.file, target).done;

describe('apps from livego.yaml', () => {
  it('serves the second app of the list: a player gets every frame', async () => {
    const key = await channelKey(server, 'news');
    const player = probeFrames(rtmpUrl(server, '/tv/news'));
    await waitFor(() => (server.hub.stream('tv', 'news')?.subscribers.size ?? 0) === 1, 10_000, 'the player');
    const pub = await publish(rtmpUrl(server, `/tv/${key}`));
    expect([pub.code, pub.stderr]).toEqual([0, '']);
    expect((await player).video).toBe(media.videoFrames);
  });

  it('refuses a publish to an app that is not in the list, or not live, with a status message', async () => {
    const key = await channelKey(server, 'x');
    for (const app of ['nope', 'off']) {
      const pub = await publish(rtmpUrl(server, `/${app}/${key}`));
      expect(pub.code, app).not.toBe(0);
      expect(pub.stderr, app).toContain(`application ${app} is not configured`);
      expect(server.hub.stream(app, 'x'), app).toBeUndefined();
    }
  });

  it('refuses a play to an app that is not configured, with a status message', async () => {
    const r = await run(
      'ffprobe',
      ['-v', 'error', '-rw_timeout', '5000000', rtmpUrl(server, '/nope/x')],
      15_000,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('application nope is not configured');
    expect((await fetch(url(server, 'httpflv', '/off/x.flv'))).status).toBe(404);
  });
});
