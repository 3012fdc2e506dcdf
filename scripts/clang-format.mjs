#!/usr/bin/env node
// Formats (or with --check, verifies the format of) the C++ sources of the native addon with the
// clang-format binary of the `clang-format` devDependency and the repository's .clang-format.
// `npm run lint` runs it with --check; `npm run format` runs it to rewrite the files.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

function sources(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(p));
    else if (/\.(cc|cpp|h|hpp)$/.test(entry.name)) out.push(p);
  }
  return out.sort();
}

const files = sources(path.join(root, 'native', 'src'));
const require = createRequire(import.meta.url);
const pkgDir = path.dirname(require.resolve('clang-format/package.json'));
const bin = path.join(pkgDir, 'index.js');
const args = check ? ['--dry-run', '--Werror', ...files] : ['-i', ...files];
try {
  execFileSync(process.execPath, [bin, `--style=file:${path.join(root, '.clang-format')}`, ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
} catch (err) {
  const stderr = String(err.stderr ?? '');
  const bad = [...new Set([...stderr.matchAll(/^(.*?):\d+:\d+: (?:error|warning)/gm)].map((m) => m[1]))];
  if (bad.length === 0) throw err;
  console.error(`clang-format: ${bad.length} file(s) not formatted (run \`npm run format\`):`);
  for (const f of bad) console.error(`  ${path.relative(root, f)}`);
  process.exit(1);
}
if (check) console.log(`clang-format: ${files.length} C++ files formatted`);
