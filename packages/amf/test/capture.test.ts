// Interop: re-runs the fixture capture against the installed ffmpeg and rtmpdump and checks that what
// they send today decodes to the committed fixtures (only the port in tcUrl differs).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type AmfObject, type AmfValue, decodeAmf0Sequence, encodeAmf0Sequence } from '../src/index.js';

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, 'fixtures');
const out = mkdtempSync(join(tmpdir(), 'livego-amf-capture-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Values with the (port-dependent) tcUrl masked. */
function masked(values: AmfValue[]): AmfValue[] {
  return values.map((v) => {
    if (typeof v === 'object' && v !== null && 'tcUrl' in v) {
      const o = v as AmfObject;
      return { ...o, tcUrl: String(o.tcUrl).replace(/:\d+\//, ':PORT/') };
    }
    return v;
  });
}

describe('live capture from real peers', () => {
  for (const peer of ['ffmpeg', 'rtmpdump']) {
    it(`${peer} sends the commands of the committed fixtures`, async () => {
      await run(process.execPath, [join(fixtures, 'capture-commands.mjs'), peer, out], { timeout: 20_000 });
      const files = readdirSync(out).filter((f) => f.startsWith(`${peer}-`));
      const committed = readdirSync(fixtures).filter((f) => f.startsWith(`${peer}-`) && f.endsWith('.amf0'));
      expect(files.sort()).toEqual(committed.sort());
      for (const f of files) {
        const live = new Uint8Array(readFileSync(join(out, f)));
        const values = decodeAmf0Sequence(live);
        expect(masked(values)).toEqual(
          masked(decodeAmf0Sequence(new Uint8Array(readFileSync(join(fixtures, f))))),
        );
        expect(encodeAmf0Sequence(values)).toEqual(live);
      }
    });
  }
});
