// Registers correlator UVH5 files in the database through the metadata-only read: each file is
// placed in a 16-subband group, clustered on its name's timestamp against the group's first
// file (the operational pipeline's 60 s tolerance), one file per subband per group.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../db';
import { parseCorrelatorFileName, readUvh5Metadata } from '../uvh5';
import { unixMsToMjd } from '../../../shared/astro';
import type { IngestGroup } from '../../../shared/model';

export interface IndexOptions {
  /** Largest offset (s) between a file's timestamp and its group's first file. */
  toleranceS?: number;
  /** Subbands that make a complete group. */
  expectedSubbands?: number;
  /** Largest difference (deg) between a file's pointing declination and its group's. */
  decToleranceDeg?: number;
  onProgress?: (done: number, total: number, file: string) => void;
}

export interface IndexFailure {
  path: string;
  error: string;
}

export interface IndexResult {
  scanned: number;
  registered: number;
  /** Already registered with the same size and modification time. */
  unchanged: number;
  /** Names that are not correlator files, or files still being written. */
  ignored: IndexFailure[];
  failed: IndexFailure[];
  /** The groups the scanned files belong to, in time order. */
  groups: IngestGroup[];
}

/** Correlator file names in `dir`, oldest timestamp first (ties by subband). */
function candidates(dir: string): { path: string; timestamp: string; mjd: number; subband: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Error(`index: cannot read the input directory ${dir}: ${(e as Error).message}`);
  }
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

export async function indexDirectory(db: Database, dir: string, opts: IndexOptions = {}): Promise<IndexResult> {
  const toleranceDays = (opts.toleranceS ?? 60) / 86400;
  const decTol = opts.decToleranceDeg ?? 0.1;
  const files = candidates(dir);
  const known = new Set(files.map((f) => path.basename(f.path)));
  const ignored: IndexFailure[] = readdirSync(dir)
    .filter((n) => n.endsWith('.hdf5') && !known.has(n))
    .map((n) => ({
      path: path.join(dir, n),
      error: /_incomplete\.hdf5$/.test(n) ? 'still being written (_incomplete)' : 'not a correlator file name (expected YYYY-MM-DDTHH:MM:SS_sbNN.hdf5)',
    }));
  const failed: IndexFailure[] = [];
  const touched = new Set<string>();
  let registered = 0;
  let unchanged = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    opts.onProgress?.(i, files.length, f.path);
    try {
      const st = statSync(f.path);
      const mtimeMjd = unixMsToMjd(st.mtimeMs);
      const existing = db.ingest.getFile(f.path);
      if (existing && existing.sizeBytes === st.size && Math.abs(existing.mtimeMjd - mtimeMjd) < 1e-9) {
        unchanged++;
        touched.add(existing.groupId);
        continue;
      }
      const meta = await readUvh5Metadata(f.path);
      const groupId = existing?.groupId ?? assignGroup(db, f, meta.declinationDeg, toleranceDays, decTol);
      db.ingest.ensureGroup({ id: groupId, startMjd: meta.startMjd, decDeg: meta.declinationDeg, expectedSubbands: opts.expectedSubbands ?? 16 });
      db.ingest.addFile({
        path: f.path,
        groupId,
        subband: f.subband,
        startMjd: meta.startMjd,
        decDeg: meta.declinationDeg,
        sizeBytes: st.size,
        mtimeMjd,
        checksumSha256: null,
      });
      touched.add(groupId);
      registered++;
    } catch (e) {
      failed.push({ path: f.path, error: (e as Error).message });
    }
  }
  opts.onProgress?.(files.length, files.length, '');
  const groups = [...touched].map((id) => db.ingest.requireGroup(id)).sort((a, b) => a.startMjd - b.startMjd);
  return { scanned: files.length, registered, unchanged, ignored, failed, groups };
}

/**
 * The group a new file joins: the earliest registered group whose id (its first file's
 * timestamp) is within the tolerance, at the same declination, that lacks this subband;
 * otherwise a new group named after this file.
 */
function assignGroup(
  db: Database,
  f: { timestamp: string; mjd: number; subband: number },
  decDeg: number | null,
  toleranceDays: number,
  decTol: number,
): string {
  const near = db.ingest.listGroups({ fromMjd: f.mjd - toleranceDays - 1 / 24, toMjd: f.mjd + toleranceDays + 1 / 24 });
  for (const g of near) {
    const idMjd = parseCorrelatorFileName(`${g.id}_sb00.hdf5`).mjd;
    if (Math.abs(idMjd - f.mjd) > toleranceDays) continue;
    if (decDeg !== null && g.decDeg !== null && Math.abs(g.decDeg - decDeg) > decTol) continue;
    if (db.ingest.filesOfGroup(g.id).some((x) => x.subband === f.subband)) continue;
    return g.id;
  }
  const clash = db.ingest.getGroup(f.timestamp);
  if (clash) {
    const other = db.ingest.filesOfGroup(clash.id).find((x) => x.subband === f.subband);
    throw new Error(`subband ${f.subband} of group ${clash.id} is already registered${other ? ` as ${other.path}` : ''}; a second file for the same subband and time is refused`);
  }
  return f.timestamp;
}
