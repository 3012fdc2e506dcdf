// Registers correlator UVH5 files in the database through the metadata-only read. A file is
// identified by its content, not its name or path: its fingerprint (sha256 of the header's
// observation, frequencies, antennas and pointing, and of its data sizes), its observation time
// and declination from the header, and its subband. The same file seen again, anywhere, is the
// same file; a different file claiming a subband already registered for the same observation is
// a conflict, recorded and kept out of conversion until one of the two files is removed.
// Groups are keyed by observation (header start time, within the tolerance) and declination, so
// the grouping does not depend on file names or on the order of runs. The whole run holds the
// workspace's `index` lease, so concurrent index runs take turns.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../db';
import { parseCorrelatorFileName, readUvh5Metadata } from '../uvh5';
import type { Uvh5Metadata } from '../uvh5';
import { unixMsToMjd } from '../../../shared/astro';
import type { IngestConflict, IngestGroup } from '../../../shared/model';

export interface IndexOptions {
  /** Largest offset (s) between a file's observation start and its group's. */
  toleranceS?: number;
  /** Subbands that make a complete group. */
  expectedSubbands?: number;
  /** Largest difference (deg) between a file's pointing declination and its group's. */
  decToleranceDeg?: number;
  onProgress?: (done: number, total: number, file: string) => void;
  /** Longest wait for another index run of this workspace (ms). Default 10 min. */
  leaseWaitMs?: number;
}

export interface IndexFailure {
  path: string;
  error: string;
}

export interface IndexDuplicate {
  path: string;
  /** The registered file with the same content. */
  sameAs: string;
  groupId: string;
}

export interface IndexResult {
  scanned: number;
  registered: number;
  /** Already registered with the same size and modification time. */
  unchanged: number;
  /** Copies of files registered elsewhere (same content): not registered again. */
  duplicates: IndexDuplicate[];
  /** Registered files found at a new path (the old path is gone): the row followed them. */
  moved: { from: string; to: string }[];
  /** Different files claiming a subband already registered for the same observation. */
  conflicts: IngestConflict[];
  /** Names that are not correlator files, or files still being written. */
  ignored: IndexFailure[];
  failed: IndexFailure[];
  /** The groups the scanned files belong to, in time order. */
  groups: IngestGroup[];
}

/** Correlator file names in `dir`, oldest timestamp first (ties by subband). */
function candidates(dir: string, names: string[]): { path: string; timestamp: string; mjd: number; subband: number }[] {
  const out: { path: string; timestamp: string; mjd: number; subband: number }[] = [];
  for (const name of names) {
    if (!name.endsWith('.hdf5')) continue;
    try {
      const p = parseCorrelatorFileName(name);
      out.push({ path: path.join(dir, name), timestamp: p.timestamp, mjd: p.mjd, subband: p.subband });
    } catch {
      // Reported by the caller as ignored.
    }
  }
  return out.sort((a, b) => a.mjd - b.mjd || a.subband - b.subband);
}

/**
 * The identity of a subband file: its header's observation (times, integration, frequencies,
 * polarisations, antennas, pointing, telescope) and its data sizes. A copy anywhere, under any
 * name, has the same fingerprint; any other observation or subband has another.
 */
export function subbandFingerprint(m: Uvh5Metadata): string {
  const identity = {
    telescope: m.telescopeName,
    layout: m.layout,
    visType: m.visType,
    sizes: [m.Nblts, m.Nbls, m.Ntimes, m.Nfreqs, m.Npols, m.Nspws, m.NantsData, m.NantsTelescope],
    times: [m.firstTimeMjd, m.lastTimeMjd, m.integrationTimeS],
    freqs: Array.from(m.frequenciesHz),
    widths: Array.from(m.channelWidthHz),
    pols: m.polarizations,
    dec: m.declinationRad,
    ha: m.haPhaseCenterRad,
    antennas: m.antennaNames,
    numbers: m.antennaNumbers,
    withData: m.antennasWithData,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** A group id for a declination other than the one already holding the timestamp. */
function decGroupId(timestamp: string, decDeg: number | null): string {
  const d = decDeg ?? 0;
  return `${timestamp}_dec${d < 0 ? '-' : '+'}${Math.abs(d).toFixed(1)}`;
}

export async function indexDirectory(db: Database, dir: string, opts: IndexOptions = {}): Promise<IndexResult> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Error(`index: cannot read the input directory ${dir}: ${(e as Error).message}`);
  }
  return db.leases.hold('index', `index ${path.resolve(dir)}`, () => indexHeld(db, dir, names, opts), {
    waitMs: opts.leaseWaitMs,
  });
}

/**
 * Register only these files of `dir` (names, not paths), as `indexDirectory` would: the
 * streaming watcher hands over each file once it is complete.
 */
export async function indexFiles(
  db: Database,
  dir: string,
  names: string[],
  opts: IndexOptions = {},
): Promise<IndexResult> {
  return db.leases.hold('index', `index ${path.resolve(dir)}`, () => indexHeld(db, dir, names, opts), {
    waitMs: opts.leaseWaitMs,
  });
}

async function indexHeld(db: Database, dir: string, names: string[], opts: IndexOptions): Promise<IndexResult> {
  const toleranceDays = (opts.toleranceS ?? 60) / 86400;
  const decTol = opts.decToleranceDeg ?? 0.1;
  const expected = opts.expectedSubbands ?? 16;
  const files = candidates(dir, names);
  const known = new Set(files.map((f) => path.basename(f.path)));
  const ignored: IndexFailure[] = names
    .filter((n) => n.endsWith('.hdf5') && !known.has(n))
    .map((n) => ({
      path: path.join(dir, n),
      error: /_incomplete\.hdf5$/.test(n)
        ? 'still being written (_incomplete)'
        : 'not a correlator file name (expected YYYY-MM-DDTHH:MM:SS_sbNN.hdf5)',
    }));
  const failed: IndexFailure[] = [];
  const duplicates: IndexDuplicate[] = [];
  const moved: { from: string; to: string }[] = [];
  const conflicts: IngestConflict[] = [];
  const touched = new Set<string>();
  let registered = 0;
  let unchanged = 0;

  // Conflicts resolve themselves when one of the two files is gone.
  for (const c of db.ingest.conflicts()) {
    if (!existsSync(c.path)) db.ingest.removeConflict(c.path);
    else if (!existsSync(c.registeredPath)) {
      const reg = db.ingest.getFile(c.registeredPath);
      const g = reg ? db.ingest.getGroup(reg.groupId) : undefined;
      // The registered file vanished before its group was converted: the other file may take its place.
      if (reg && g && g.state !== 'completed' && g.state !== 'in_progress') db.ingest.removeFile(reg.path);
      db.ingest.removeConflict(c.path);
    }
  }

  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    opts.onProgress?.(i, files.length, f.path);
    try {
      const st = statSync(f.path);
      const mtimeMjd = unixMsToMjd(st.mtimeMs);
      const existing = db.ingest.getFile(f.path);
      if (
        existing &&
        existing.fingerprint &&
        existing.sizeBytes === st.size &&
        Math.abs(existing.mtimeMjd - mtimeMjd) < 1e-9
      ) {
        unchanged++;
        touched.add(existing.groupId);
        continue;
      }
      const meta = await readUvh5Metadata(f.path);
      const fingerprint = subbandFingerprint(meta);
      const outcome = db.transaction((): string => {
        const same = db.ingest.getFileByFingerprint(fingerprint);
        if (same && same.path !== f.path) {
          if (existsSync(same.path)) {
            duplicates.push({ path: f.path, sameAs: same.path, groupId: same.groupId });
            return same.groupId;
          }
          db.ingest.moveFile(same.path, f.path, st.size, mtimeMjd);
          moved.push({ from: same.path, to: f.path });
          return same.groupId;
        }
        if (existing && (!existing.fingerprint || existing.fingerprint === fingerprint)) {
          // Known here, touched (or indexed before identities were kept): refresh its row.
          db.ingest.addFile({ ...existing, sizeBytes: st.size, mtimeMjd, fingerprint });
          unchanged++;
          return existing.groupId;
        }
        if (existing) {
          // The file at this path now holds something else: its old identity is gone.
          db.ingest.removeFile(f.path);
        }
        const group = findGroup(db, meta, toleranceDays, decTol) ?? newGroup(db, f.timestamp, meta, expected);
        const holder = db.ingest.filesOfGroup(group.id).find((x) => x.subband === f.subband && x.path !== f.path);
        if (holder) {
          conflicts.push(
            db.ingest.addConflict({
              path: f.path,
              groupId: group.id,
              subband: f.subband,
              fingerprint,
              registeredPath: holder.path,
            }),
          );
          return group.id;
        }
        db.ingest.addFile({
          path: f.path,
          groupId: group.id,
          subband: f.subband,
          startMjd: meta.startMjd,
          decDeg: meta.declinationDeg,
          sizeBytes: st.size,
          mtimeMjd,
          checksumSha256: null,
          fingerprint,
        });
        db.ingest.removeConflict(f.path);
        registered++;
        return group.id;
      });
      touched.add(outcome);
    } catch (e) {
      failed.push({ path: f.path, error: (e as Error).message });
    }
  }
  opts.onProgress?.(files.length, files.length, '');
  const groups = [...touched]
    .map((id) => db.ingest.requireGroup(id))
    .sort((a, b) => a.startMjd - b.startMjd || a.id.localeCompare(b.id));
  return { scanned: files.length, registered, unchanged, duplicates, moved, conflicts, ignored, failed, groups };
}

/** The registered group of this observation and declination: the nearest start within the tolerance. */
function findGroup(db: Database, meta: Uvh5Metadata, toleranceDays: number, decTol: number): IngestGroup | undefined {
  const near = db.ingest.listGroups({
    fromMjd: meta.startMjd - toleranceDays - 1e-9,
    toMjd: meta.startMjd + toleranceDays + 1e-9,
  });
  const dec = meta.declinationDeg;
  const same = near.filter((g) =>
    dec === null || g.decDeg === null ? dec === g.decDeg : Math.abs(g.decDeg - dec) <= decTol,
  );
  return same.sort((a, b) => Math.abs(a.startMjd - meta.startMjd) - Math.abs(b.startMjd - meta.startMjd))[0];
}

/**
 * A new group named by the file's timestamp; when that name is taken by another observation
 * (another declination at the same time), the declination is added to the name.
 */
function newGroup(db: Database, timestamp: string, meta: Uvh5Metadata, expectedSubbands: number): IngestGroup {
  let id = timestamp;
  const taken = db.ingest.getGroup(id);
  if (taken) {
    id = decGroupId(timestamp, meta.declinationDeg);
    const again = db.ingest.getGroup(id);
    if (again) {
      throw new Error(
        `group names ${timestamp} and ${id} are taken by other observations (start ${again.startMjd.toFixed(6)} MJD, dec ${again.decDeg ?? 'unknown'} deg); this file (start ${meta.startMjd.toFixed(6)} MJD, dec ${meta.declinationDeg ?? 'unknown'} deg) belongs to neither`,
      );
    }
  }
  return db.ingest.ensureGroup({ id, startMjd: meta.startMjd, decDeg: meta.declinationDeg, expectedSubbands });
}
