// Writes the tables of docs/integrity.md from the tests that measure them:
//   node scripts/integrity-doc.mjs               the bad-input table (runs test/integrity/bad-inputs.test.ts)
//   node scripts/integrity-doc.mjs --bad-inputs F  the table that test already wrote to F
//   node scripts/integrity-doc.mjs --faults F    the fault-matrix table from F, the output of
//                                                `npm run bench -- faults` (its markdown rows)
// Each table replaces the text between its <!-- NAME:begin --> and <!-- NAME:end --> markers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const doc = path.join(root, 'docs', 'integrity.md');

function splice(name, table) {
  const text = readFileSync(doc, 'utf8');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${doc}: no ${begin} ... ${end} markers`);
  writeFileSync(doc, `${text.slice(0, a + begin.length)}\n${table.trimEnd()}\n${text.slice(b)}`);
  console.log(`integrity-doc: wrote the ${name} table (${table.trim().split('\n').length - 2} rows) into ${doc}`);
}

const args = process.argv.slice(2);
const fi = args.indexOf('--faults');
const bi = args.indexOf('--bad-inputs');
if (bi >= 0) {
  // A table the test already wrote (DSA110_BAD_INPUT_TABLE=FILE npx vitest run test/integrity/bad-inputs.test.ts).
  splice('bad-inputs', readFileSync(args[bi + 1] ?? '', 'utf8'));
} else if (fi >= 0) {
  const file = args[fi + 1];
  if (!file) throw new Error('--faults needs the file holding the output of npm run bench -- faults');
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('|') || l.startsWith('faults: '));
  splice('faults', rows.join('\n'));
} else {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-integrity-doc-'));
  const out = path.join(tmp, 'table.md');
  const r = spawnSync('npx', ['vitest', 'run', 'test/integrity/bad-inputs.test.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DSA110_BAD_INPUT_TABLE: out },
  });
  try {
    if (r.status !== 0) throw new Error(`bad-inputs.test.ts failed (exit ${r.status}); the table is not written`);
    splice('bad-inputs', readFileSync(out, 'utf8'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
