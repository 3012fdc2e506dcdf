// Who owns something across processes: pid, host, the process's start time (so a recycled pid
// is not mistaken for the owner) and a token per claim. Shared by the publish journal, the job
// runner, the workspace leases and the ownership of temporary (`.partial-*`) directories.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';

export const Owner = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** Process start time (clock ticks since boot, /proc/<pid>/stat field 22); null when unknown. */
  start: z.number().nullable(),
  token: z.string(),
});
export type Owner = z.infer<typeof Owner>;

/** The start time of a process (clock ticks since boot), or null when it cannot be read. */
export function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces); starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

let myStart: number | null | undefined;
/** This process's start time (read once). */
export function ownStart(): number | null {
  if (myStart === undefined) myStart = processStart(process.pid);
  return myStart;
}

/** Claims held by this process (so a same-pid claim is judged exactly). */
const activeTokens = new Set<string>();

export function newOwner(): Owner {
  const owner = { pid: process.pid, host: os.hostname(), start: ownStart(), token: randomUUID() };
  activeTokens.add(owner.token);
  return owner;
}

export function releaseOwner(owner: Owner): void {
  activeTokens.delete(owner.token);
}

/** Does a process with this pid exist (EPERM: it exists but belongs to another user)? */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Is the process `pid` (started at `start`, when known) still running here? A pid that exists
 * but started at another time is a recycled pid: the owner is gone.
 */
export function processAlive(pid: number, start: number | null): boolean {
  if (pid === process.pid) return start === null || ownStart() === null || start === ownStart();
  if (!pidExists(pid)) return false;
  const now = processStart(pid);
  return start === null || now === null || now === start;
}

/**
 * Is the owner of this claim still running? A claim from another host cannot be checked from
 * here and counts as alive (recover it on that host). A claim of this process is alive while
 * its token is held.
 */
export function ownerAlive(owner: Owner): boolean {
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return activeTokens.has(owner.token);
  return processAlive(owner.pid, owner.start);
}

/**
 * The owner tag of a temporary path made by this process: `p<pid>s<start>`. A `.partial-*`
 * path carrying it belongs to this process; no other process deletes it while it runs.
 */
export function ownerTag(): string {
  return `p${process.pid}s${ownStart() ?? 0}`;
}

/**
 * Is the owner named in a temporary path's tag (see ownerTag) alive? A path without a tag (an
 * older version's) has no provable owner: false only when it is old enough (`mtimeMs` more than
 * `graceMs` ago), so a live writer of the old kind is not robbed.
 */
export function partialOwnerAlive(name: string, mtimeMs?: number, graceMs = 3_600_000): boolean {
  const m = /\.partial-p(\d+)s(\d+)-/.exec(name);
  // `.partial-<pid>` (files written in place by one process): the pid alone.
  const bare = /\.partial-(\d+)$/.exec(name);
  if (!m && bare) return pidExists(Number(bare[1]));
  if (!m) return mtimeMs === undefined ? true : Date.now() - mtimeMs < graceMs;
  const start = Number(m[2]);
  return processAlive(Number(m[1]), start === 0 ? null : start);
}
