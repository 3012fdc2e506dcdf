// Interoperability tests need the field's own tools (python-casacore, astropy, h5py, WSClean,
// Chromium). Without them a test skips, unless DSA_REQUIRE_INTEROP=1 (CI), where it fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';
export const CHROMIUM = '/usr/bin/chromium';
export const requireInterop = process.env.DSA_REQUIRE_INTEROP === '1';

export interface ToolCheck {
  /** True when the tool is usable. */
  available: boolean;
  /** Why it is not, for the skip message. */
  reason: string;
}

const cache = new Map<string, ToolCheck>();

/** Can Debian's python import these modules? */
export function pythonModules(...modules: string[]): ToolCheck {
  const key = `py:${modules.join(',')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let check: ToolCheck;
  if (!existsSync(PYTHON)) {
    check = { available: false, reason: `${PYTHON} not found` };
  } else {
    const r = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
    check =
      r.status === 0
        ? { available: true, reason: '' }
        : {
            available: false,
            reason: `${PYTHON} cannot import ${modules.join(', ')}: ${r.stderr.trim().split('\n').pop() ?? ''}`,
          };
  }
  cache.set(key, check);
  return check;
}

/** Is an executable present (absolute path, or on PATH)? */
export function executable(name: string): ToolCheck {
  const key = `exe:${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const found = name.startsWith('/') ? existsSync(name) : spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  const check = { available: found, reason: found ? '' : `${name} not found` };
  cache.set(key, check);
  return check;
}

/**
 * Whether to skip an interop test. With DSA_REQUIRE_INTEROP=1 a missing tool is an error,
 * so CI cannot pass by skipping. Use as `describe.skipIf(skipInterop(pythonModules('h5py')))`.
 */
export function skipInterop(...checks: ToolCheck[]): boolean {
  const missing = checks.filter((c) => !c.available);
  if (missing.length === 0) return false;
  const why = missing.map((c) => c.reason).join('; ');
  if (requireInterop) throw new Error(`DSA_REQUIRE_INTEROP=1 but an interop tool is missing: ${why}`);
  console.warn(`skipping interop test: ${why}`);
  return true;
}

/** Run a Python snippet with Debian's python3; returns stdout, throws with stderr on failure. */
export function runPython(code: string, args: string[] = [], input?: string): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`python3 failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}
