// Facts about this installation: the package's name and version, where it lives, and whether
// the native addon is built and loads.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository (package) root: this file is src/main/cli/app-info.ts. */
export const appRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

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
  /** Functions the addon exports, when it loaded. */
  exports?: string[];
  error?: string;
}

/** The addon built by scripts/build-native.mjs (node-gyp), loaded here only to prove it loads. */
export function nativeStatus(): NativeStatus {
  const file = path.join(appRoot, 'native', 'build', 'Release', 'dsa110_native.node');
  if (!existsSync(file)) return { status: 'not built', path: file };
  try {
    const mod = createRequire(import.meta.url)(file) as Record<string, unknown>;
    return { status: 'loaded', path: file, exports: Object.keys(mod).sort() };
  } catch (err) {
    return { status: 'failed', path: file, error: (err as Error).message };
  }
}
