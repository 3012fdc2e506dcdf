// Shared fixtures for the UVH5 tests: temp dirs, a deterministic visibility pattern, and
// header comparison field by field.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { allocateBlock } from '../../src/main/engine/uvh5/model';
import type { Uvh5Header, VisibilityBlock } from '../../src/main/engine/uvh5/model';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'uvh5-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Values the Python fixtures compute with the same formulas (exact in float32 for the sizes
 * used): vis = (r/2 + f) + i (p - f/4), flag = (r + f + p) % 3 == 0, nsamples = 1 + (r % 5) / 2.
 */
export function patternValue(r: number, f: number, p: number): { re: number; im: number; flag: number; ns: number } {
  return { re: r * 0.5 + f, im: p - f * 0.25, flag: (r + f + p) % 3 === 0 ? 1 : 0, ns: 1 + (r % 5) * 0.5 };
}

export function patternBlock(h: Pick<Uvh5Header, 'Nfreqs' | 'Npols'>, rowStart: number, rows: number): VisibilityBlock {
  const b = allocateBlock(h, rows, rowStart);
  for (let r = 0, e = 0; r < rows; r++) {
    for (let f = 0; f < h.Nfreqs; f++) {
      for (let p = 0; p < h.Npols; p++, e++) {
        const v = patternValue(rowStart + r, f, p);
        b.vis[2 * e] = v.re;
        b.vis[2 * e + 1] = v.im;
        b.flags[e] = v.flag;
        b.nsamples[e] = v.ns;
      }
    }
  }
  return b;
}

/** Assert a block holds the pattern for its rows; returns the number of values checked. */
export function expectPattern(h: Pick<Uvh5Header, 'Nfreqs' | 'Npols'>, b: VisibilityBlock): number {
  let bad = 0;
  let first = '';
  let e = 0;
  for (let r = 0; r < b.rows; r++) {
    for (let f = 0; f < h.Nfreqs; f++) {
      for (let p = 0; p < h.Npols; p++, e++) {
        const v = patternValue(b.rowStart + r, f, p);
        if (b.vis[2 * e] !== v.re || b.vis[2 * e + 1] !== v.im || b.flags[e] !== v.flag || b.nsamples[e] !== v.ns) {
          if (bad++ === 0)
            first = `row ${b.rowStart + r} chan ${f} pol ${p}: got (${b.vis[2 * e]}, ${b.vis[2 * e + 1]}, ${b.flags[e]}, ${b.nsamples[e]}) want (${v.re}, ${v.im}, ${v.flag}, ${v.ns})`;
        }
      }
    }
  }
  expect(bad, first).toBe(0);
  return e;
}

/** Compare two headers field by field (typed arrays element-wise, exactly). */
export function expectSameHeader(got: Uvh5Header, want: Uvh5Header): void {
  for (const key of Object.keys(want) as (keyof Uvh5Header)[]) {
    const g = got[key];
    const w = want[key];
    if (ArrayBuffer.isView(w)) {
      expect(ArrayBuffer.isView(g), `${key} is an array`).toBe(true);
      expect(Array.from(g as unknown as ArrayLike<number>), key).toEqual(Array.from(w as unknown as ArrayLike<number>));
    } else {
      expect(g, key).toEqual(w);
    }
  }
}
