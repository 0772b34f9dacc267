import { ConfigError } from '@livego/cli';
import { describe, expect, it } from 'vitest';
import { createServer } from '../src/index.js';

describe('createServer(config)', () => {
  it('checks its config as the CLI checks a file: the error names the field and the key', () => {
    const fail = (config: object) => {
      try {
        createServer(config as Parameters<typeof createServer>[0]);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(fail({ gopNum: -1 })).toBeInstanceOf(ConfigError);
    expect(fail({ gopNum: -1 })).toMatchObject({
      code: 'CONFIG_BAD_VALUE',
      field: 'gop_num',
      message: 'createServer: gopNum (gop_num): expected a whole number >= 0, got -1',
    });
    expect(fail({ rtmpAdr: ':1935' })).toMatchObject({
      code: 'CONFIG_UNKNOWN_KEY',
      message: 'createServer: rtmpAdr: unknown key (did you mean rtmpAddr?)',
    });
    expect(
      fail({ rtmpAddr: '127.0.0.1:0', apiAddr: '127.0.0.1:0', httpflvAddr: ':7001', hlsAddr: ':7001' }),
    ).toMatchObject({
      field: 'hls_addr',
      message: `createServer: hls_addr: ":7001" is also httpflv_addr's port`,
    });
    expect(fail({ apps: [{ appname: 'a b', live: true }] })).toMatchObject({ code: 'CONFIG_BAD_VALUE' });
  });

  it('takes a valid partial config with the defaults for the rest', async () => {
    const server = createServer({
      rtmpAddr: '127.0.0.1:0',
      httpflvAddr: '',
      hlsAddr: '',
      apiAddr: '',
      workers: 1,
      level: 'silent',
    });
    expect(server.config.gopNum).toBe(1);
    expect(server.config.apps.map((a) => a.appname)).toEqual(['live']);
    await server.start();
    expect(server.address().rtmp?.port).toBeGreaterThan(0);
    await server.stop(100);
  });
});
