import { expect } from 'vitest';
import { AmfError } from '../src/index.js';

/** Bytes from a hex string; spaces are ignored. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Runs `fn`, expects an AmfError with `code`, and returns it. */
export function expectAmfError(fn: () => unknown, code: string): AmfError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AmfError);
  expect((caught as AmfError).code).toBe(code);
  return caught as AmfError;
}
