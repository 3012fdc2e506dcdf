// The addon's surface against its one declaration (KERNELS in src/main/engine/native/addon.ts):
// the loaded binary exports every declared kernel as a function and nothing undeclared; the
// checker itself fails on an addon missing a kernel or carrying an extra one; loadAddon refuses
// such an addon naming the kernel; every pool kernel has its NativePool method.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ADDON_VALUES,
  KERNELS,
  checkAddonSurface,
  describeSurface,
  findAddon,
  loadAddon,
  type KernelName,
} from '../../src/main/engine/native/addon';
import { NativePool } from '../../src/main/engine/native/pool';
import { NATIVE_POOL_KERNELS } from '../../src/main/engine/native/tasks';

const addonFile = findAddon();
if (addonFile === null) throw new Error('dsa110_native addon not built: run "npm run build:native"');
const raw = createRequire(import.meta.url)(addonFile) as Record<string, unknown>;
const kernelNames = Object.keys(KERNELS) as KernelName[];

describe('the loaded addon', () => {
  it('exports exactly the declared kernels and values', () => {
    const surface = checkAddonSurface(raw);
    expect(describeSurface(surface), `${addonFile} against KERNELS`).toBe('matches');
    expect(surface).toEqual({ missing: [], undeclared: [], wrongType: [] });
    expect(Object.keys(raw).sort()).toEqual([...kernelNames, ...ADDON_VALUES].sort());
  });
});

describe('checkAddonSurface', () => {
  const without = (name: string): Record<string, unknown> =>
    Object.fromEntries(Object.entries(raw).filter(([k]) => k !== name));

  it('reports a declared kernel the addon does not export, by name', () => {
    for (const name of ['convertRows', 'reproject', 'fft2d'] satisfies KernelName[]) {
      const s = checkAddonSurface(without(name));
      expect(s.missing).toEqual([name]);
      expect(s.undeclared).toEqual([]);
      expect(describeSurface(s)).toBe(`not exported: ${name}`);
    }
  });

  it('reports an export nothing declares', () => {
    const s = checkAddonSurface({ ...raw, frobnicate: () => 0 });
    expect(s).toEqual({ missing: [], undeclared: ['frobnicate'], wrongType: [] });
    expect(describeSurface(s)).toBe('exported but not declared: frobnicate');
  });

  it('reports declared names of the wrong type', () => {
    const s = checkAddonSurface({ ...raw, flagRfi: 3, maxThreads: 'many' });
    expect(s.wrongType).toEqual(['flagRfi (number, expected function)', 'maxThreads (string, expected number)']);
    expect(checkAddonSurface(null).missing).toEqual([...kernelNames, ...ADDON_VALUES]);
  });
});

describe('loadAddon', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsa110-surface-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an addon that lacks a declared kernel, naming it (no silent JS fallback)', () => {
    // A module that is the real addon minus convertRows, loaded the way loadAddon loads the binary.
    const file = path.join(dir, 'partial-addon.cjs');
    writeFileSync(
      file,
      `const a = { ...require(${JSON.stringify(addonFile)}) };\ndelete a.convertRows;\nmodule.exports = a;\n`,
    );
    expect(() => loadAddon(file)).toThrow(
      /partial-addon\.cjs does not match .*not exported: convertRows; rebuild it with "npm run build:native"/,
    );
  });

  it('loads the real addon', () => {
    expect(loadAddon(addonFile).maxThreads).toBeGreaterThanOrEqual(1);
  });
});

describe('the worker task table follows the declarations', () => {
  it('has every pool kernel and no caller kernel', () => {
    expect([...NATIVE_POOL_KERNELS].sort()).toEqual(kernelNames.filter((k) => KERNELS[k].runs === 'pool').sort());
    expect(NATIVE_POOL_KERNELS).not.toContain('convertRows');
    expect(NATIVE_POOL_KERNELS).not.toContain('mapPixels');
  });

  it('gives every pool kernel a NativePool method', () => {
    const proto = NativePool.prototype as unknown as Record<string, unknown>;
    const missing = NATIVE_POOL_KERNELS.filter((k) => typeof proto[k] !== 'function');
    expect(missing, 'pool kernels without a NativePool method').toEqual([]);
  });
});
