// Facts about this installation: the package's name and version, where it lives, and whether
// the native addon is built and loads.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDON_RELATIVE_PATH, findAddon, loadAddon } from '../engine/native/addon';

/** The nearest folder at or above `dir` holding a package.json (else `dir` itself). */
function packageRootOf(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

/** Repository (package) root: above src/main/cli/ from sources, above out/cli/ in the bundle. */
export const appRoot = packageRootOf(path.dirname(fileURLToPath(import.meta.url)));

export interface AppInfo {
  name: string;
  version: string;
}

export function appInfo(): AppInfo {
  const file = path.join(appRoot, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') {
    throw new Error(`${file}: expected string fields "name" and "version"`);
  }
  return { name: pkg.name, version: pkg.version };
}

export interface NativeStatus {
  status: 'loaded' | 'not built' | 'failed';
  path: string;
  /** Node-API version and thread limit reported by the addon, when it loaded. */
  napiVersion?: number;
  maxThreads?: number;
  error?: string;
}

/** The addon built by scripts/build-native.mjs, found and loaded the way the engine does it. */
export function nativeStatus(): NativeStatus {
  const file = findAddon();
  if (file === null || !existsSync(file))
    return { status: 'not built', path: file ?? path.join(appRoot, ADDON_RELATIVE_PATH) };
  try {
    const addon = loadAddon(file);
    return { status: 'loaded', path: file, napiVersion: addon.napiVersion, maxThreads: addon.maxThreads };
  } catch (err) {
    return { status: 'failed', path: file, error: (err as Error).message };
  }
}
