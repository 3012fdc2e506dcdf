// `dsa110 doctor`: do the state database and the disk agree? Every row's files exist (and
// verify where a checksum or a row count is recorded); every file under the workspace's managed
// folders has its row; no `.partial-*` is left by a process that is gone; no two registered
// calibration tables of one kind share a validity window; no lease or job is held by a dead
// process; no ingest group is empty or in conflict. Each problem says how to fix it; `fix`
// repairs what can be repaired without losing anything: orphans and stale partials are moved to
// `<workspace>/quarantine/<time>/...` (never deleted), duplicate calibration is superseded,
// stale leases, empty groups and interrupted conversions are cleared in the database.
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { WorkspacePaths } from '../config';
import type { Database } from '../db';
import { ownerAlive } from '../db/owner';
import { partialRemovable } from '../jobs/fsutil';
import { jobLiveness } from '../jobs/liveness';
import { MeasurementSet } from '../ms';
import { checksumPath } from '../registry/checksum';

export type ProblemKind =
  | 'database-integrity'
  | 'missing-file'
  | 'changed-file'
  | 'checksum-mismatch'
  | 'ms-incomplete'
  | 'stale-conversion'
  | 'orphan-file'
  | 'orphan-partial'
  | 'overlapping-calibration'
  | 'stale-lease'
  | 'interrupted-job'
  | 'empty-group'
  | 'ingest-conflict';

export interface Problem {
  kind: ProblemKind;
  /** The file or database object concerned. */
  subject: string;
  message: string;
  /** What to do about it (what `--fix` does, when it can). */
  fix: string;
  /** `--fix` repairs it. */
  fixable: boolean;
  /** What `--fix` did, when it ran. */
  fixed?: string;
}

export interface DoctorReport {
  workspace: string;
  database: string;
  checked: { rows: number; files: number };
  problems: Problem[];
  /** Where `--fix` moved orphans (null when nothing was moved). */
  quarantine: string | null;
}

export interface DoctorOptions {
  fix?: boolean;
  /** Verify products' sha256 (reads every product; default true). */
  verifyChecksums?: boolean;
  /** The time the quarantine folder is named after (tests). */
  now?: Date;
}

/** Run every check; with `fix`, repair what can be repaired (see the module comment). */
export async function runDoctor(db: Database, paths: WorkspacePaths, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const problems: Problem[] = [];
  let rows = 0;
  let files = 0;
  const stamp = (opts.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const quarantineRoot = path.join(paths.root, 'quarantine', stamp);
  let quarantined = false;
  /** Move a path into the quarantine folder, keeping its path relative to the workspace. */
  const quarantine = (p: string): string => {
    const rel = path.relative(paths.root, p);
    const dest = path.join(quarantineRoot, rel.startsWith('..') ? path.basename(p) : rel);
    mkdirSync(path.dirname(dest), { recursive: true });
    renameSync(p, dest);
    quarantined = true;
    return dest;
  };
  const add = (p: Problem, repair?: () => string): void => {
    if (opts.fix && p.fixable && repair) {
      try {
        p.fixed = repair();
      } catch (err) {
        p.fixed = `not repaired: ${(err as Error).message}`;
      }
    }
    problems.push(p);
  };

  // The database file itself.
  const integrity = db.integrityCheck();
  if (integrity.length > 0) {
    add({
      kind: 'database-integrity',
      subject: db.file,
      message: `SQLite integrity check: ${integrity.slice(0, 5).join('; ')}`,
      fix: `restore the latest backup (dsa110 db backup makes one) or copy the database aside and re-index`,
      fixable: false,
    });
  }

  // Raw subband files: the rows follow files outside the workspace; they are reported, never moved.
  for (const f of db.ingest.allFiles()) {
    rows++;
    if (!existsSync(f.path)) {
      add({
        kind: 'missing-file',
        subject: f.path,
        message: `subband file of group ${f.groupId} (sb${String(f.subband).padStart(2, '0')}) is gone`,
        fix: 'restore the file, or index the directory it was moved to (dsa110 index --input-dir DIR): the row follows its content',
        fixable: false,
      });
      continue;
    }
    files++;
    const st = statSync(f.path);
    if (st.size !== f.sizeBytes) {
      add({
        kind: 'changed-file',
        subject: f.path,
        message: `is ${st.size} bytes; it was ${f.sizeBytes} bytes when indexed`,
        fix: `index its directory again (dsa110 index --input-dir ${path.dirname(f.path)})`,
        fixable: false,
      });
    }
  }
  for (const c of db.ingest.conflicts()) {
    rows++;
    add({
      kind: 'ingest-conflict',
      subject: c.path,
      message: `claims sb${String(c.subband).padStart(2, '0')} of group ${c.groupId}, already held by the different file ${c.registeredPath}; the group is not converted`,
      fix: `remove (or move away) the wrong file, then dsa110 index --input-dir ${path.dirname(c.path)}`,
      fixable: false,
    });
  }
  for (const g of db.ingest.emptyGroups()) {
    rows++;
    add(
      {
        kind: 'empty-group',
        subject: `ingest group ${g.id}`,
        message: 'has no subband files (left by an interrupted index)',
        fix: 'remove the empty group row',
        fixable: true,
      },
      () => (db.ingest.removeEmptyGroup(g.id) ? 'removed' : 'kept: it has files now'),
    );
  }

  // Measurement sets.
  const leases = new Map(db.leases.list().map((l) => [l.name, l]));
  for (const ms of db.ms.list()) {
    rows++;
    const lease = ms.groupId ? leases.get(`convert:${ms.groupId}`) : undefined;
    const converting = lease !== undefined && ownerAlive(lease.owner);
    if (ms.status === 'converting') {
      if (!converting) {
        add(
          {
            kind: 'stale-conversion',
            subject: ms.path,
            message: `is recorded 'converting' but no process converts group ${ms.groupId ?? '?'} (the conversion was interrupted)`,
            fix: 'mark the row failed; dsa110 convert converts the group again',
            fixable: true,
          },
          () => {
            db.ms.update(ms.id, { status: 'failed' });
            if (ms.groupId)
              db.ingest.setGroupState(ms.groupId, 'failed', {
                error: 'conversion interrupted (found by dsa110 doctor)',
              });
            return 'marked failed';
          },
        );
      }
      continue;
    }
    if (ms.status === 'failed') continue;
    if (!existsSync(ms.path)) {
      add(
        {
          kind: 'missing-file',
          subject: ms.path,
          message: `measurement set ${ms.id} (${ms.status}) is gone`,
          fix: `convert its group again (dsa110 convert --group ${ms.groupId ?? 'ID'} ...)`,
          fixable: true,
        },
        () => {
          db.ms.update(ms.id, { status: 'failed' });
          return 'marked failed (convert its group again)';
        },
      );
      continue;
    }
    files++;
    try {
      const m = MeasurementSet.open(ms.path);
      const n = m.nrows;
      m.close();
      if (ms.nRows !== null && n !== ms.nRows)
        add({
          kind: 'ms-incomplete',
          subject: ms.path,
          message: `MAIN has ${n} rows; the database records ${ms.nRows}`,
          fix: 'convert its group again with --overwrite',
          fixable: false,
        });
    } catch (err) {
      add({
        kind: 'ms-incomplete',
        subject: ms.path,
        message: `cannot be opened: ${(err as Error).message}`,
        fix: 'convert its group again with --overwrite',
        fixable: false,
      });
    }
  }

  // Calibration tables: files present; no two valid tables of one kind with the same validity.
  const cal = db.calibration.listTables({});
  for (const t of cal) {
    rows++;
    if (t.status !== 'valid') continue;
    if (!existsSync(path.join(t.path, 'table.dat'))) {
      add(
        {
          kind: 'missing-file',
          subject: t.path,
          message: `valid ${t.kind} calibration table ${t.id} has no table.dat`,
          fix: 'mark it failed so no lookup applies it; solve again',
          fixable: true,
        },
        () => {
          db.calibration.setTableStatus(t.id, 'failed', { ...t.qa, missingFiles: true });
          return 'marked failed';
        },
      );
    } else files++;
  }
  const valid = cal.filter((t) => t.status === 'valid');
  const sec = 1 / 86400;
  for (const t of valid) {
    const newer = valid.find(
      (u) =>
        u.id > t.id &&
        u.kind === t.kind &&
        Math.abs(u.validStartMjd - t.validStartMjd) < sec &&
        Math.abs(u.validEndMjd - t.validEndMjd) < sec,
    );
    if (!newer) continue;
    add(
      {
        kind: 'overlapping-calibration',
        subject: t.path,
        message: `valid ${t.kind} table ${t.id} has the same validity window as table ${newer.id} (${newer.path}); a lookup may apply either`,
        fix: `mark ${t.id} superseded (the newer solve, ${newer.id}, stays)`,
        fixable: true,
      },
      () => {
        db.calibration.setTableStatus(t.id, 'superseded');
        return `table ${t.id} superseded`;
      },
    );
  }

  // Images, mosaics, products: their files exist; products verify against their checksum. A
  // published product moved from staging to the products root: its rows' staged paths live there.
  const products = db.products.list({});
  const movedTo = new Map(
    products
      .filter((p) => p.status === 'published' && p.publishedPath)
      .map((p) => [path.resolve(p.path), p.publishedPath as string]),
  );
  // A product is a file or a directory: a row's path inside a published directory moved with it.
  const whereNow = (p: string): string => {
    const abs = path.resolve(p);
    const exact = movedTo.get(abs);
    if (exact) return exact;
    for (const [from, to] of movedTo)
      if (abs.startsWith(from + path.sep)) return path.join(to, path.relative(from, abs));
    return p;
  };
  for (const im of db.images.listImages({})) {
    rows++;
    if (!existsSync(whereNow(im.path)))
      add({
        kind: 'missing-file',
        subject: im.path,
        message: `image ${im.id} (${im.kind}) is gone`,
        fix: 'image its measurement set again',
        fixable: false,
      });
    else files++;
  }
  for (const mo of db.images.listMosaics({})) {
    rows++;
    if (!existsSync(whereNow(mo.path)))
      add({
        kind: 'missing-file',
        subject: mo.path,
        message: `mosaic ${mo.id} is gone`,
        fix: 'build the mosaic again',
        fixable: false,
      });
    else files++;
  }
  for (const p of products) {
    rows++;
    const where = p.status === 'published' && p.publishedPath ? p.publishedPath : p.path;
    if (!existsSync(where)) {
      add({
        kind: 'missing-file',
        subject: where,
        message: `product ${p.id} (${p.status}) is gone`,
        fix: 'restore it from a backup',
        fixable: false,
      });
      continue;
    }
    files++;
    if (opts.verifyChecksums !== false) {
      const sum = await checksumPath(where);
      if (sum.sha256 !== p.sha256) {
        add({
          kind: 'checksum-mismatch',
          subject: where,
          message: `product ${p.id}: sha256 ${sum.sha256.slice(0, 12)}... differs from the registered ${p.sha256.slice(0, 12)}... (changed after registration)`,
          fix:
            p.status === 'published'
              ? 'restore the published copy from a backup'
              : `register it again: dsa110 products register ${p.path} --kind ${p.kind} --force`,
          fixable: false,
        });
      }
    }
  }

  // Leases and jobs of processes that are gone.
  for (const l of leases.values()) {
    if (ownerAlive(l.owner)) continue;
    add(
      {
        kind: 'stale-lease',
        subject: `lease ${l.name}`,
        message: `held by pid ${l.owner.pid} (${l.purpose}), which is gone`,
        fix: 'release it (the next process would take it over anyway)',
        fixable: true,
      },
      () => {
        db.leases.reapDead();
        return 'released';
      },
    );
  }
  for (const j of [...db.jobs.list({ state: 'running' }), ...db.jobs.list({ state: 'queued' })]) {
    rows++;
    const live = jobLiveness(db, j);
    if (live.shown !== 'interrupted') continue;
    add({
      kind: 'interrupted-job',
      subject: `job ${j.id}`,
      message: `${j.kind} job is interrupted: ${live.note ?? ''}`,
      fix: `dsa110 jobs resume ${j.id} (or dsa110 jobs cancel ${j.id})`,
      fixable: false,
    });
  }

  // The managed folders: unregistered files, and partials whose owner is gone.
  const registered = new Set<string>();
  for (const ms of db.ms.list()) registered.add(path.resolve(ms.path));
  for (const t of cal) registered.add(path.resolve(t.path));
  for (const im of db.images.listImages({})) registered.add(path.resolve(im.path));
  for (const mo of db.images.listMosaics({})) registered.add(path.resolve(mo.path));
  for (const p of products) {
    registered.add(path.resolve(p.path));
    if (p.publishedPath) registered.add(path.resolve(p.publishedPath));
  }
  const managed = [paths.ms, paths.caltables, paths.images, paths.mosaics, paths.staging, paths.products];
  const jobsDir = path.join(paths.root, 'jobs');
  for (const root of [...managed, jobsDir]) {
    for (const entry of walk(root, registered)) {
      files++;
      const name = path.basename(entry);
      if (name.includes('.partial-')) {
        if (!partialRemovable(path.dirname(entry), name)) continue; // a live process's own
        add(
          {
            kind: 'orphan-partial',
            subject: entry,
            message: 'temporary output left by a process that is gone',
            fix: 'move it to the quarantine folder',
            fixable: true,
          },
          () => `moved to ${quarantine(entry)}`,
        );
        continue;
      }
      if (root === jobsDir) continue; // a job's working files are its own
      if (covered(entry, registered)) continue;
      add(
        {
          kind: 'orphan-file',
          subject: entry,
          message: 'is in a managed folder but no database row refers to it',
          fix: 'move it to the quarantine folder (or register it)',
          fixable: true,
        },
        () => `moved to ${quarantine(entry)}`,
      );
    }
  }
  return {
    workspace: paths.root,
    database: db.file,
    checked: { rows, files },
    problems,
    quarantine: quarantined ? quarantineRoot : null,
  };
}

/**
 * Paths under `root` to judge: files, and directories that hold no registered path (a whole
 * unregistered MS or table is one orphan). Registered paths are not descended into.
 */
function walk(root: string, registered: Set<string>): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const holdsRegistered = (dir: string): boolean => {
    const prefix = dir + path.sep;
    for (const r of registered) if (r.startsWith(prefix)) return true;
    return false;
  };
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (registered.has(p)) continue;
      let isDir = false;
      try {
        isDir = lstatSync(p).isDirectory();
      } catch {
        continue;
      }
      if (isDir && !name.includes('.partial-') && holdsRegistered(p)) visit(p);
      else out.push(p);
    }
  };
  visit(root);
  return out;
}

/** A sidecar of a registered path (same folder, its name starting with the registered name's stem). */
function covered(p: string, registered: Set<string>): boolean {
  const dir = path.dirname(p);
  const name = path.basename(p);
  for (const r of registered) {
    if (path.dirname(r) !== dir) continue;
    const b = path.basename(r);
    const stem = b.includes('.') ? b.slice(0, b.indexOf('.')) : b;
    if (stem.length > 0 && name.startsWith(stem)) return true;
  }
  return false;
}
