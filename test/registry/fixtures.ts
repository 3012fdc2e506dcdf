// Shared setup of the registry tests: a workspace with staged products (a file and an MS-like
// directory) registered and, when asked, approved.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/main/engine/engine';
import { registerProduct } from '../../src/main/engine/registry';

export function tempDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `dsa110-registry-${label}-`));
}

export async function openEngine(workspace: string, autoPublish = false): Promise<Engine> {
  return Engine.open({ workspace, env: {}, overrides: { 'publishing.autoPublish': autoPublish, logLevel: 'warn' } });
}

/** A 3 MB FITS-named file (several copy chunks) in the staging root. */
export function stageFile(engine: Engine, name: string, bytes = 3 * 1024 * 1024 + 17): string {
  const file = path.join(engine.paths.staging, name);
  writeFileSync(file, randomBytes(bytes));
  return file;
}

/** A small Measurement-Set-like directory tree, with an empty sub-table directory. */
export function stageDir(engine: Engine, name: string): string {
  const dir = path.join(engine.paths.staging, name);
  mkdirSync(path.join(dir, 'ANTENNA'), { recursive: true });
  mkdirSync(path.join(dir, 'EMPTY_SUBTABLE'));
  writeFileSync(path.join(dir, 'table.dat'), randomBytes(4096));
  writeFileSync(path.join(dir, 'table.f0'), randomBytes(2 * 1024 * 1024 + 5));
  writeFileSync(path.join(dir, 'ANTENNA', 'table.dat'), randomBytes(999));
  return dir;
}

/** Register and walk a staged product through QA and approval. */
export async function approved(engine: Engine, stagedPath: string, kind: 'image' | 'ms' = 'image'): Promise<string> {
  const p = await registerProduct(engine, { kind, stagedPath, metadata: { test: true } });
  engine.db.products.transition(p.id, 'qa_passed', { actor: 'pipeline', note: 'dynamic range 12' });
  engine.db.products.transition(p.id, 'approved', { actor: 'alice', note: 'clean' });
  return p.id;
}

export function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
