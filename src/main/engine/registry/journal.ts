// The publish journal: one small JSON file per product being published, written (and fsynced)
// before any file moves and removed only after the database says `published`. It is also the
// claim: a file created exclusively while holding the database's write lock (BEGIN IMMEDIATE),
// so of several processes publishing one product exactly one owns it; a claim whose owner
// process has died is taken over and repaired by the next publisher or by recovery.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Database } from '../db';
import { Owner, ownerAlive } from '../db/owner';
import { errnoCode, RegistryError } from './errors';

export const JOURNAL_PHASES = ['claimed', 'moving'] as const;

export const JournalRecord = z.object({
  version: z.literal(1),
  productId: z.string(),
  owner: Owner,
  phase: z.enum(JOURNAL_PHASES),
  actor: z.string(),
  source: z.string(),
  destination: z.string(),
  /** A partial copy (cross-file-system publish) being written next to the destination, if any. */
  temp: z.string().nullable(),
  sha256: z.string(),
  sizeBytes: z.number(),
  startedAt: z.string(),
});
export type JournalRecord = z.infer<typeof JournalRecord>;

/** `<workspace>/publishing`: outside both roots, so neither ever holds anything but products. */
export function journalDir(workspaceRoot: string): string {
  return path.join(workspaceRoot, 'publishing');
}

export function journalFile(dir: string, productId: string): string {
  return path.join(dir, `${productId}.json`);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeDurable(file: string, record: JournalRecord, exclusive: boolean): void {
  const body = `${JSON.stringify(record, null, 2)}\n`;
  const target = exclusive ? file : `${file}.${record.owner.token}.tmp`;
  const fd = openSync(target, exclusive ? 'wx' : 'w');
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (!exclusive) renameSync(target, file);
  fsyncDir(path.dirname(file));
}

export function readJournal(file: string): JournalRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(
      'io',
      `${file}: publish journal is not valid JSON (${(err as Error).message}); expected a record written by dsa110 publish`,
      { cause: err },
    );
  }
  const r = JournalRecord.safeParse(parsed);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
    throw new RegistryError('io', `${file}: invalid publish journal: ${issues}`);
  }
  return r.data;
}

export type ClaimResult =
  | { kind: 'claimed'; record: JournalRecord }
  /** A dead owner's record, now rewritten with us as owner: repair it before going on. */
  | { kind: 'taken-over'; record: JournalRecord; previous: JournalRecord }
  | { kind: 'held'; holder: JournalRecord };

/**
 * Claim the product for publishing. The check-and-create runs inside a database write
 * transaction, which serialises it across every process sharing the workspace.
 */
export function claim(db: Database, dir: string, record: JournalRecord): ClaimResult {
  mkdirSync(dir, { recursive: true });
  const file = journalFile(dir, record.productId);
  return db.transaction((): ClaimResult => {
    const existing = readJournal(file);
    if (!existing) {
      writeDurable(file, record, true);
      return { kind: 'claimed', record };
    }
    if (ownerAlive(existing.owner)) return { kind: 'held', holder: existing };
    const mine: JournalRecord = { ...existing, owner: record.owner };
    writeDurable(file, mine, false);
    return { kind: 'taken-over', record: mine, previous: existing };
  });
}

/** Record progress (atomic replace + fsync), only while we still own the claim. */
export function updateJournal(dir: string, record: JournalRecord): void {
  const file = journalFile(dir, record.productId);
  const current = readJournal(file);
  if (current?.owner.token !== record.owner.token) {
    throw new RegistryError(
      'conflict',
      `${file}: publish claim of product ${record.productId} is no longer ours (owner ${current ? `pid ${current.owner.pid} on ${current.owner.host}` : 'none'})`,
    );
  }
  writeDurable(file, record, false);
}

/** Remove the journal (the publish finished or was rolled back); only our own claim. */
export function removeJournal(dir: string, record: JournalRecord): void {
  const file = journalFile(dir, record.productId);
  const current = readJournal(file);
  if (current && current.owner.token === record.owner.token) {
    unlinkSync(file);
    fsyncDir(dir);
  }
}

/** Product ids with a journal file, sorted. */
export function journalIds(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .sort();
}

export { fsyncDir };
// The owner helpers live with the other cross-process claims (db/owner); re-exported for the registry's callers.
export { newOwner, ownerAlive, releaseOwner, type Owner } from '../db/owner';
