// File helpers for stages: outputs appear completely or not at all.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ownerTag, partialOwnerAlive } from '../db/owner';

/**
 * A temporary sibling path of `finalPath`, on the same filesystem so rename is atomic. Its name
 * carries this process's owner tag (`.NAME.partial-p<pid>s<start>-<hex>`): it belongs to this
 * process, and no other process deletes it while this one runs.
 */
export function tempSibling(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.partial-${ownerTag()}-${randomBytes(4).toString('hex')}`);
}

/** May this process delete the temporary path `name` (in `dir`)? Only its own, or a dead owner's. */
export function partialRemovable(dir: string, name: string): boolean {
  if (name.includes(`.partial-${ownerTag()}-`)) return true;
  let mtimeMs: number | undefined;
  try {
    mtimeMs = lstatSync(join(dir, name)).mtimeMs;
  } catch {
    return false;
  }
  return !partialOwnerAlive(name, mtimeMs);
}

/** Write a file atomically: a temp sibling, then rename over the final name. */
export async function writeFileAtomic(finalPath: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(finalPath), { recursive: true });
  const tmp = tempSibling(finalPath);
  try {
    await writeFile(tmp, data);
    await rename(tmp, finalPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Produce a file or directory atomically: `produce(tmp)` writes to a temp sibling, which is
 * renamed to `finalPath` only if it succeeds (an existing `finalPath` is replaced).
 */
export async function produceAtomic<T>(finalPath: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(finalPath), { recursive: true });
  const tmp = tempSibling(finalPath);
  try {
    const result = await produce(tmp);
    if (!existsSync(tmp)) throw new Error(`${finalPath}: the producer wrote nothing to its temporary path ${tmp}`);
    if (existsSync(finalPath)) await rm(finalPath, { recursive: true, force: true });
    await rename(tmp, finalPath);
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Remove outputs and any temp siblings left by an interrupted `writeFileAtomic`/`produceAtomic`
 * of this process or of a process that is gone (a live process's temp siblings are its own).
 */
export async function removeOutputs(paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    await rm(p, { recursive: true, force: true });
    await removePartials(p);
  }
}

/**
 * Remove the temp siblings of `finalPath` (see tempSibling) left by this process or by one that
 * is gone; a live process's are its own. `finalPath` itself is left alone.
 */
export async function removePartials(finalPath: string): Promise<void> {
  const dir = dirname(finalPath);
  const prefix = `.${basename(finalPath)}.partial-`;
  const names = existsSync(dir) ? await readdir(dir) : [];
  for (const n of names)
    if (n.startsWith(prefix) && partialRemovable(dir, n)) await rm(join(dir, n), { recursive: true, force: true });
}
