// The state database: one SQLite file (WAL), migrated at open, exposed as repositories.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Connection, type ConnectionOptions } from './connection';
import { DbError } from './errors';
import { migrate } from './migrate';
import { CalibrationRepo } from './repos/calibration';
import { ImagesRepo } from './repos/images';
import { IngestRepo } from './repos/ingest';
import { JobsRepo } from './repos/jobs';
import { LeasesRepo } from './repos/leases';
import { MsRepo } from './repos/ms';
import { PhotometryRepo } from './repos/photometry';
import { ProductsRepo } from './repos/products';
import { QaRepo } from './repos/qa';
import { SourcesRepo } from './repos/sources';
import { StreamRepo } from './repos/stream';
import { TimelineRepo } from './repos/timeline';

export interface Database {
  readonly file: string;
  readonly ingest: IngestRepo;
  readonly ms: MsRepo;
  readonly calibration: CalibrationRepo;
  readonly images: ImagesRepo;
  readonly products: ProductsRepo;
  readonly jobs: JobsRepo;
  readonly sources: SourcesRepo;
  /** QA results, mosaic tile validations and batch mosaic plans. */
  readonly qa: QaRepo;
  /** Cross-process leases (index, convert of a group, calibration solves, registry writes). */
  readonly leases: LeasesRepo;
  /** Science products: photometry epochs, measurements, associated sources (migration 9). */
  readonly photometry: PhotometryRepo;
  /** The streaming daemon's group queue, refused files, heartbeat and mosaic windows. */
  readonly stream: StreamRepo;
  /** The data timeline's aggregates (groups by strip, time bin and pipeline state). */
  readonly timeline: TimelineRepo;
  /** Run several repository calls in one atomic write transaction (BEGIN IMMEDIATE, retried on SQLITE_BUSY). */
  transaction<T>(fn: () => T): T;
  /** SQLite's quick_check: empty when the file is sound, else what is wrong. */
  integrityCheck(): string[];
  /** A consistent copy of the live database at `file` (SQLite's online backup; other processes may keep writing). */
  backup(file: string): Promise<void>;
  /** How often writes had to be retried because another process held the lock. */
  readonly stats: { readonly busyRetries: number };
  close(): void;
}

export type OpenOptions = ConnectionOptions;

/** Where `dsa110 db backup` writes by default: `backups/` beside the database. */
export function backupDir(file: string): string {
  return path.join(path.dirname(file), 'backups');
}

/** The newest backup of the database, if any. */
export function latestBackup(file: string): string | null {
  const dir = backupDir(file);
  if (!existsSync(dir)) return null;
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.sqlite'))
    .sort();
  return names.length > 0 ? path.join(dir, names[names.length - 1]!) : null;
}

/** Is this SQLite's "the file is damaged / not a database" error? */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** The corruption error named with the database's path and pointed to its backup. */
export function corruptionError(file: string, err: unknown): DbError {
  const backup = latestBackup(file);
  const what = err instanceof Error ? err.message : String(err);
  return new DbError(
    `${file}: the state database is damaged (${what}); ${
      backup
        ? `restore the latest backup: copy ${backup} to ${file} (keep the damaged file aside)`
        : 'no backup exists (dsa110 db backup makes one); move the damaged file aside and index the raw data again to rebuild it'
    }`,
    { cause: err },
  );
}

/** Open (creating if needed) and migrate the state database. */
export function openDatabase(file: string, options: OpenOptions = {}): Database {
  let conn: Connection;
  try {
    conn = new Connection(file, options);
  } catch (err) {
    throw isCorruptionError(err) ? corruptionError(file, err) : err;
  }
  try {
    migrate(conn);
  } catch (err) {
    conn.close();
    throw isCorruptionError(err) || isCorruptionError((err as { cause?: unknown }).cause)
      ? corruptionError(file, (err as { cause?: unknown }).cause ?? err)
      : err;
  }
  return {
    file,
    ingest: new IngestRepo(conn),
    ms: new MsRepo(conn),
    calibration: new CalibrationRepo(conn),
    images: new ImagesRepo(conn),
    products: new ProductsRepo(conn),
    jobs: new JobsRepo(conn),
    sources: new SourcesRepo(conn),
    qa: new QaRepo(conn),
    leases: new LeasesRepo(conn),
    photometry: new PhotometryRepo(conn),
    stream: new StreamRepo(conn),
    timeline: new TimelineRepo(conn),
    transaction: (fn) => conn.write(fn),
    integrityCheck: () =>
      (conn.sql.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).filter((m) => m !== 'ok'),
    backup: async (dest) => {
      await conn.sql.backup(dest);
    },
    stats: conn.stats,
    close: () => conn.close(),
  };
}

export { Connection, type ConnectionOptions } from './connection';
export { migrate, currentVersion } from './migrate';
export { MIGRATIONS, LATEST_VERSION } from './schema';
export * from './errors';
export type { Page, PageInput } from './page';
export type { GroupQuery } from './repos/ingest';
export type { MsQuery, MsPatch } from './repos/ms';
export type { CalibratorQuery } from './repos/calibration';
export type { ImagePatch } from './repos/images';
export type { TransitionOptions } from './repos/products';
export type { NewJob, NewStageRun, JobPatch, StageRunPatch, NewLogLine } from './repos/jobs';
export { separationDeg } from './repos/sources';
export { LeaseHeldError, type Lease, type HoldOptions } from './repos/leases';
export type { StreamReject, StreamDaemonState, StreamWindow, StreamGroupPatch } from './repos/stream';
export type {
  IngestRepo,
  MsRepo,
  CalibrationRepo,
  ImagesRepo,
  ProductsRepo,
  JobsRepo,
  SourcesRepo,
  QaRepo,
  LeasesRepo,
  PhotometryRepo,
  StreamRepo,
};
