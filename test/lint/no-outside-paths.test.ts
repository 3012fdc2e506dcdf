// Nothing in the repository names a path outside it: no absolute path of a development machine,
// no data folder beside the clone, no relative path that climbs out of the repository. A fresh
// clone anywhere must pass `npm ci && npm test`; tests read test/fixtures (see its README).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist', 'build', 'coverage', '.vite']);

/** The repository's files: git's list when this is a clone, else a walk without build outputs. */
function repoFiles(): string[] {
  const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (git.status === 0 && git.stdout.length > 0) return git.stdout.split('\0').filter((f) => f.length > 0);
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (e.isFile()) out.push(p);
    }
  };
  walk('');
  return out;
}

// Built from pieces so this file does not match itself.
const ABSOLUTE = [['/', 'work', '/'].join(''), ['/', 'home', '/'].join(''), ['/', 'Users', '/'].join('')];
const DATA_FOLDER = ['shared', 'data'].join('/');
const CLIMB = /(?:\.\.\/)+[\w.-]+/g;
// Fake home directories for the platform defaults of the workspace path: strings, never read.
const ALLOWED = new Set(['test/config/config.test.ts']);

/** The outside paths a text names: absolute machine paths, the shared data folder, climbs out of the root. */
function outsidePaths(file: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    for (const a of ABSOLUTE)
      if (line.includes(a) && !(ALLOWED.has(file) && a !== ABSOLUTE[0]))
        found.push(`${at}: names ${a}: ${line.trim().slice(0, 120)}`);
    if (line.includes(DATA_FOLDER)) found.push(`${at}: names ${DATA_FOLDER}: ${line.trim().slice(0, 120)}`);
    for (const m of line.matchAll(CLIMB)) {
      const target = path.resolve(ROOT, path.dirname(file), m[0]);
      if (path.relative(ROOT, target).startsWith('..')) found.push(`${at}: ${m[0]} leaves the repository`);
    }
  });
  return found;
}

describe('paths outside the repository', () => {
  it('the checker finds each kind, and only those', () => {
    expect(outsidePaths('test/x/a.test.ts', `const F = '${ABSOLUTE[0]}data/x';`)).toHaveLength(1);
    const up = '../'.repeat(3);
    expect(outsidePaths('test/x/a.test.ts', `path.resolve(__dirname, '${up}${DATA_FOLDER}/list.txt')`)).toHaveLength(2);
    expect(outsidePaths('src/a.ts', "import x from '../../y';")).toEqual(['src/a.ts:1: ../../y leaves the repository']);
    expect(outsidePaths('src/renderer/a.ts', "import type { A } from '../shared/api';")).toEqual([]);
  });

  it('no file of the repository names one', () => {
    const files = repoFiles();
    expect(files.length).toBeGreaterThan(100);
    const problems: string[] = [];
    for (const f of files) {
      const abs = path.join(ROOT, f);
      const st = statSync(abs, { throwIfNoEntry: false });
      if (!st?.isFile() || st.size > 2_000_000) continue;
      const buf = readFileSync(abs);
      if (buf.includes(0)) continue; // binary (fixture tables, images)
      problems.push(...outsidePaths(f, buf.toString('utf8')));
    }
    expect(problems).toEqual([]);
  });
});
