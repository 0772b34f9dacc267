import { describe, expect, it } from 'vitest';
import { AmfError, type AmfValue } from '../src/index.js';

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

/**
 * Strict structural equality for AMF values: same prototypes, same own string keys in the same order,
 * same enumerable symbol marks, numbers by Object.is (so -0 and NaN count), Dates by time value, Maps by
 * entries in order. Returns the path of the first difference, or null. (vitest's toStrictEqual compares
 * `a.constructor`, which an own "constructor" key breaks, and does not check key order.)
 */
export function amfDiff(a: unknown, b: unknown, path = '$'): string | null {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== 'object' || a === null || b === null) {
    return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  }
  const x = a as Record<string | symbol, unknown>;
  const y = b as Record<string | symbol, unknown>;
  if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return `${path}: different prototypes`;
  if (x instanceof Date) {
    return Object.is(x.getTime(), (y as unknown as Date).getTime())
      ? symbolsDiff(x, y, path)
      : `${path}: dates differ`;
  }
  if (x instanceof Uint8Array) {
    const yb = y as unknown as Uint8Array;
    return x.length === yb.length && x.every((v, i) => v === yb[i]) ? null : `${path}: bytes differ`;
  }
  if (x instanceof Map) {
    const xe = [...x.entries()];
    const ye = [...(y as unknown as Map<unknown, unknown>).entries()];
    if (xe.length !== ye.length) return `${path}: map sizes ${xe.length} vs ${ye.length}`;
    for (let i = 0; i < xe.length; i++) {
      const d = amfDiff(xe[i], ye[i], `${path}.entry(${i})`);
      if (d) return d;
    }
  }
  const xk = Object.keys(x);
  const yk = Object.keys(y);
  if (xk.join('\u0000') !== yk.join('\u0000') || xk.length !== yk.length) {
    return `${path}: keys ${JSON.stringify(xk)} vs ${JSON.stringify(yk)}`;
  }
  for (const k of xk) {
    const d = amfDiff(x[k], y[k], `${path}[${JSON.stringify(k)}]`);
    if (d) return d;
  }
  return symbolsDiff(x, y, path);
}

function symbolsDiff(x: object, y: object, path: string): string | null {
  const sx = Object.getOwnPropertySymbols(x);
  const sy = Object.getOwnPropertySymbols(y);
  if (sx.length !== sy.length) return `${path}: symbol marks differ`;
  for (const s of sx) {
    if (!Object.is((x as Record<symbol, unknown>)[s], (y as Record<symbol, unknown>)[s])) {
      return `${path}: ${String(s)} differs`;
    }
  }
  return null;
}

export function expectAmfEqual(actual: unknown, expected: unknown): void {
  expect(amfDiff(actual, expected)).toBeNull();
}

/** One `encodes`/`decodes` test pair per golden row `[name, value, hex bytes]`: both directions asserted. */
export function describeGolden(
  title: string,
  golden: [string, AmfValue, string][],
  encode: (v: AmfValue) => Uint8Array,
  decode: (b: Uint8Array) => AmfValue,
  more?: () => void,
): void {
  describe(title, () => {
    for (const [name, value, bytes] of golden) {
      it(`encodes ${name}`, () => {
        expect(toHex(encode(value))).toBe(toHex(hex(bytes)));
      });
      it(`decodes ${name}`, () => {
        expect(decode(hex(bytes))).toStrictEqual(value);
      });
    }
    more?.();
  });
}
