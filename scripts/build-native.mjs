// Builds the Node-API addon in native/ with node-gyp (at install, or on demand with --force).
// N-API only, so the one binary loads in both Node and Electron without a rebuild.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const force = process.argv.includes('--force');
if (!existsSync(path.join(nativeDir, 'binding.gyp'))) {
  console.log('build-native: no native/binding.gyp yet, nothing to build');
  process.exit(0);
}
if (!force && existsSync(path.join(nativeDir, 'build', 'Release', 'dsa110_native.node'))) {
  // npm ci always starts from a clean tree, so an existing binary means a repeat install.
}
const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const args = existsSync(gyp) ? [gyp, 'rebuild', '--directory', nativeDir] : null;
const result = args
  ? spawnSync(process.execPath, args, { stdio: 'inherit' })
  : spawnSync('node-gyp', ['rebuild', '--directory', nativeDir], { stdio: 'inherit', shell: true });
if (result.status !== 0) {
  console.error(`build-native: node-gyp failed with exit code ${result.status ?? 'signal ' + result.signal}`);
  process.exit(result.status ?? 1);
}
