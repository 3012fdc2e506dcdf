// The state database: one SQLite file (WAL), migrated at open, exposed as repositories.
import { Connection, type ConnectionOptions } from './connection';
import { migrate } from './migrate';
import { CalibrationRepo } from './repos/calibration';
import { ImagesRepo } from './repos/images';
import { IngestRepo } from './repos/ingest';
import { JobsRepo } from './repos/jobs';
import { LeasesRepo } from './repos/leases';
import { MsRepo } from './repos/ms';
import { ProductsRepo } from './repos/products';
import { QaRepo } from './repos/qa';
import { SourcesRepo } from './repos/sources';

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
  /** Run several repository calls in one atomic write transaction (BEGIN IMMEDIATE, retried on SQLITE_BUSY). */
  transaction<T>(fn: () => T): T;
  /** How often writes had to be retried because another process held the lock. */
  readonly stats: { readonly busyRetries: number };
  close(): void;
}

export type OpenOptions = ConnectionOptions;

/** Open (creating if needed) and migrate the state database. */
export function openDatabase(file: string, options: OpenOptions = {}): Database {
  const conn = new Connection(file, options);
  try {
    migrate(conn);
  } catch (err) {
    conn.close();
    throw err;
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
    transaction: (fn) => conn.write(fn),
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
export type { IngestRepo, MsRepo, CalibrationRepo, ImagesRepo, ProductsRepo, JobsRepo, SourcesRepo, QaRepo, LeasesRepo };
