// Builds the Node-API addon in native/ with node-gyp (at install, or on demand with --force).
// N-API only, so the one binary loads in both Node and Electron without a rebuild.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const binary = path.join(nativeDir, 'build', 'Release', 'dsa110_native.node');
const force = process.argv.includes('--force');

if (!existsSync(path.join(nativeDir, 'binding.gyp'))) {
  console.log('build-native: no native/binding.gyp yet, nothing to build');
  process.exit(0);
}

/** Newest modification time among binding.gyp and everything under native/src. */
function newestSource(
  dir = path.join(nativeDir, 'src'),
  newest = statSync(path.join(nativeDir, 'binding.gyp')).mtimeMs,
) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = entry.isDirectory() ? newestSource(p, newest) : Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

// A repeat `npm install` keeps native/build (it is outside node_modules): skip when current.
if (!force && existsSync(binary) && statSync(binary).mtimeMs >= newestSource()) {
  console.log(`build-native: ${path.relative(root, binary)} is up to date (npm run build:native to force)`);
  process.exit(0);
}

// node-gyp would download Node's headers; use the ones installed beside this node instead
// (Debian and the official tarballs ship <prefix>/include/node), unless npm already passes
// a nodedir (npm_config_nodedir from .npmrc).
const args = ['rebuild', '--directory', nativeDir, '--jobs', 'max'];
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}

const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const result = existsSync(gyp)
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit', cwd: nativeDir })
  : spawnSync('node-gyp', args, { stdio: 'inherit', shell: true, cwd: nativeDir });
if (result.status !== 0) {
  console.error(`build-native: node-gyp failed with exit code ${result.status ?? 'signal ' + result.signal}`);
  process.exit(result.status ?? 1);
}
if (!existsSync(binary)) {
  console.error(`build-native: node-gyp succeeded but ${binary} is missing`);
  process.exit(1);
}
console.log(`build-native: built ${path.relative(root, binary)}`);
