// Mosaic planning: which 5-minute groups form a mosaic window (centred on a calibrator transit,
// the next unmosaicked window of a declination strip, or a time range), what must be converted,
// how it is calibrated, and what is missing. A plan is plain JSON: it is stored, printed, and is
// the `mosaic` job's parameters, so a killed run resumes from exactly the same plan.
import path from 'node:path';
import { formatIsoUtc } from '../../../shared/astro';
import { CHUNK_S } from '../../../shared/instrument';
import type { Calibrator, IngestGroup } from '../../../shared/model';
import { MosaicMethod } from '../../../shared/model/images';
import { MosaicPlanDoc, PlannedGroup, QaTier } from '../../../shared/model/qa';
import { searchCalibrators } from '../calibration/calibrators';
import { calibratorTransits, dataSpan, type TransitCoverage } from '../calibration/transits';
import type { Config, WorkspacePaths } from '../config';
import { msPathFor } from '../convert';
import type { Database } from '../db';
import { existsSync } from 'node:fs';

/** The plan document is declared in the shared model (shared/model/qa.ts): stored, printed, a job's parameters. */
export { MosaicPlanDoc, PlannedGroup };

const DAY_S = 86400;
const CHUNK_D = CHUNK_S / DAY_S;

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

export interface PlanEngine {
  db: Database;
  config: Config;
  paths: WorkspacePaths;
}

export interface PlanOptions {
  method?: MosaicMethod;
  tier?: QaTier;
  catalog?: string | null;
  name?: string;
}

const iso = (mjd: number) => formatIsoUtc(mjd, 0).slice(0, 19);
const minutes = (d: number) => `${(d * 1440).toFixed(1)} min`;

/** A file-name-safe mosaic name: `mosaic_<calibrator or dec>_<YYYYMMDDTHHMM of the window centre>`. */
export function mosaicName(label: string, centreMjd: number): string {
  // No '.': a product's id is its file name without an extension, so a dot would cut the id.
  const safe = label.replace(/[^A-Za-z0-9+-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  const stamp = iso(centreMjd).replace(/[-:]/g, '').slice(0, 13);
  return `mosaic_${safe}_${stamp}`;
}

function groupEnd(g: IngestGroup): number {
  return g.endMjd ?? g.startMjd + CHUNK_D;
}

function complete(g: IngestGroup, msDir: string): boolean {
  return g.presentSubbands >= g.expectedSubbands || existsSync(msPathFor(msDir, g.id));
}

/** Groups at a declination whose midpoints fall in [start, end), time order. */
function groupsIn(db: Database, startMjd: number, endMjd: number, decDeg: number, tolDeg: number): IngestGroup[] {
  return db.ingest.listGroups({ fromMjd: startMjd - CHUNK_D, toMjd: endMjd }).filter((g) => {
    const mid = (g.startMjd + groupEnd(g)) / 2;
    return mid >= startMjd && mid < endMjd && (g.decDeg === null || Math.abs(g.decDeg - decDeg) <= tolDeg);
  });
}

/** Turn the groups of a window into a plan: usable groups, gaps, asymmetry, calibration. */
function assemble(
  engine: PlanEngine,
  base: {
    name: string;
    mode: MosaicPlanDoc['mode'];
    calibrator: Calibrator | null;
    transitMjd: number | null;
    window: { startMjd: number; endMjd: number };
    decDeg: number;
    groups: IngestGroup[];
    solveGroupId: string | null;
  },
  opts: PlanOptions,
): MosaicPlanDoc {
  const { db, config, paths } = engine;
  const notes: string[] = [];
  const missing: MosaicPlanDoc['missing'] = [];
  const usable: IngestGroup[] = [];
  for (const g of base.groups) {
    if (complete(g, paths.ms)) usable.push(g);
    else {
      const reason = `only ${g.presentSubbands} of ${g.expectedSubbands} subbands on disk`;
      missing.push({ groupId: g.id, startMjd: g.startMjd, endMjd: groupEnd(g), reason });
      notes.push(`group ${g.id} left out: ${reason}`);
    }
  }
  // Gaps: stretches of the window with no usable group (missing raw data, or data that stop early).
  let cursor = base.window.startMjd;
  const gapTol = config.mosaic.maxGapMin / 1440;
  for (const g of usable) {
    if (g.startMjd - cursor > gapTol) {
      missing.push({ groupId: null, startMjd: cursor, endMjd: g.startMjd, reason: 'no data' });
      notes.push(`no data from ${iso(cursor)} to ${iso(g.startMjd)} (${minutes(g.startMjd - cursor)})`);
    }
    cursor = Math.max(cursor, groupEnd(g));
  }
  if (base.window.endMjd - cursor > gapTol) {
    missing.push({ groupId: null, startMjd: cursor, endMjd: base.window.endMjd, reason: 'no data' });
    notes.push(`no data from ${iso(cursor)} to ${iso(base.window.endMjd)} (${minutes(base.window.endMjd - cursor)})`);
  }
  const first = usable[0];
  const last = usable[usable.length - 1];
  if (!first || !last) {
    throw new PlanError(
      `${base.name}: no usable 5-minute group in ${iso(base.window.startMjd)} .. ${iso(base.window.endMjd)}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    );
  }
  const asymmetric = first.startMjd - base.window.startMjd > gapTol || base.window.endMjd - groupEnd(last) > gapTol;
  if (asymmetric && base.transitMjd !== null) {
    const before = Math.max(0, base.transitMjd - first.startMjd);
    const after = Math.max(0, groupEnd(last) - base.transitMjd);
    notes.unshift(
      `asymmetric window: data cover ${minutes(before)} before and ${minutes(after)} after the transit (${usable.length} images)`,
    );
  }
  if (usable.length < config.mosaic.minImages) {
    throw new PlanError(
      `${base.name}: only ${usable.length} usable 5-minute group(s) in ${iso(base.window.startMjd)} .. ${iso(base.window.endMjd)}; ` +
        `a mosaic needs at least ${config.mosaic.minImages} (config mosaic.minImages)${notes.length ? `; ${notes.join('; ')}` : ''}`,
    );
  }

  // Calibration: reuse registered tables valid over the whole window, else solve on the transit.
  const validAt = (mjd: number) => {
    const b = db.calibration.findValid('B', mjd).filter((t) => existsSync(t.path));
    const g = db.calibration.findValid('Gap', mjd).filter((t) => existsSync(t.path));
    return b[0] && g[0] ? [b[0].id, g[0].id] : null;
  };
  const reuseIds = [validAt(first.startMjd), validAt(groupEnd(last))];
  let calibration: MosaicPlanDoc['calibration'];
  if (base.solveGroupId !== null && !(reuseIds[0] && reuseIds[1])) {
    if (
      !usable.some((g) => g.id === base.solveGroupId) &&
      !complete(db.ingest.requireGroup(base.solveGroupId), paths.ms)
    ) {
      throw new PlanError(
        `${base.name}: the calibrator transit group ${base.solveGroupId} is incomplete, so calibration cannot be solved on it`,
      );
    }
    calibration = {
      mode: 'solve',
      solveGroupId: base.solveGroupId,
      solveMsPath: msPathFor(paths.ms, base.solveGroupId),
      tableIds: [],
    };
  } else if (reuseIds[0] && reuseIds[1]) {
    calibration = {
      mode: 'reuse',
      solveGroupId: null,
      solveMsPath: null,
      tableIds: [...new Set([...reuseIds[0], ...reuseIds[1]])],
    };
    notes.push(
      `calibration: reusing registered tables ${calibration.tableIds.join(', ')} (valid over the whole window)`,
    );
  } else {
    throw new PlanError(
      `${base.name}: no valid calibration covers ${iso(first.startMjd)} .. ${iso(groupEnd(last))} and no calibrator transit in the data to solve on`,
    );
  }

  const groups = usable.map((g) => ({
    groupId: g.id,
    startMjd: g.startMjd,
    decDeg: g.decDeg,
    msPath: msPathFor(paths.ms, g.id),
    converted: existsSync(msPathFor(paths.ms, g.id)),
    imagePrefix: path.join(paths.images, g.id),
  }));
  // The solve group may lie outside the window (`next` mode): it is converted for the solve only.
  return MosaicPlanDoc.parse({
    version: 1,
    name: opts.name ?? base.name,
    mode: base.mode,
    calibrator: base.calibrator?.name ?? null,
    transitMjd: base.transitMjd,
    window: base.window,
    decDeg: base.decDeg,
    groups,
    calibration,
    method: opts.method ?? config.mosaic.method,
    tier: opts.tier ?? 'science',
    catalog: opts.catalog ?? config.qa.catalog ?? null,
    outputDir: path.join(paths.staging, opts.name ?? base.name),
    asymmetric,
    notes,
    missing,
  });
}

/** Transits of a calibrator over all the registered data, in windows of at most a year. */
function transitsOverData(db: Database, cal: Calibrator): TransitCoverage[] {
  const span = dataSpan(db);
  if (!span)
    throw new PlanError(
      'the workspace has no raw data registered (run `dsa110 index DIR` or `dsa110 convert --input-dir DIR`)',
    );
  const out: TransitCoverage[] = [];
  for (let t = span.startMjd - 1; t < span.endMjd; t += 300)
    out.push(...calibratorTransits(db, cal, t, Math.min(t + 300, span.endMjd + 1)));
  return out;
}

function requireCalibrator(db: Database, name: string): Calibrator {
  const cal = db.calibration.findCalibrator(name);
  if (!cal)
    throw new PlanError(
      `calibrator ${name} is not in the calibrator catalog (list candidates with \`dsa110 calibrators --dec DEG\`)`,
    );
  return cal;
}

/** `mosaic centered`: the earliest transit of `calibrator` with data, +-timespan/2 around it. */
export function planCentered(
  engine: PlanEngine,
  calibratorName: string,
  timespanMin: number,
  opts: PlanOptions = {},
): MosaicPlanDoc {
  const cal = requireCalibrator(engine.db, calibratorName);
  const transits = transitsOverData(engine.db, cal);
  const hit = transits.find((t) => t.groupId !== null);
  if (!hit || hit.groupId === null) {
    const span = dataSpan(engine.db);
    const decs = [
      ...new Set(
        engine.db.ingest
          .listGroups({})
          .map((g) => g.decDeg)
          .filter((d): d is number => d !== null)
          .map((d) => d.toFixed(2)),
      ),
    ];
    throw new PlanError(
      `calibrator ${cal.name} (dec ${cal.decDeg.toFixed(2)}) has no data: none of its ${transits.length} transit(s) between ` +
        `${span ? iso(span.startMjd) : '?'} and ${span ? iso(span.endMjd) : '?'} falls in a registered group at its declination` +
        `${decs.length ? ` (the data are at dec ${decs.join(', ')})` : ''}`,
    );
  }
  const half = timespanMin / 2 / 1440;
  const window = { startMjd: hit.transitMjd - half, endMjd: hit.transitMjd + half };
  const decDeg = engine.db.ingest.requireGroup(hit.groupId).decDeg ?? cal.decDeg;
  const groups = groupsIn(engine.db, window.startMjd, window.endMjd, decDeg, engine.config.mosaic.decToleranceDeg);
  return assemble(
    engine,
    {
      name: mosaicName(cal.name, hit.transitMjd),
      mode: 'centered',
      calibrator: cal,
      transitMjd: hit.transitMjd,
      window,
      decDeg,
      groups,
      solveGroupId: hit.groupId,
    },
    opts,
  );
}

/** The bandpass calibrator for a declination: brightest primary-beam-weighted flux within 2.5 deg. */
export function calibratorForDec(engine: PlanEngine, decDeg: number): Calibrator {
  const found = searchCalibrators(engine.db, engine.config, { decDeg, radiusDeg: 2.5, minFluxJy: 1, limit: 1 });
  const best = found[0];
  if (!best)
    throw new PlanError(
      `no known calibrator (>= 1 Jy) within 2.5 deg of dec ${decDeg.toFixed(2)}: give one with --calibrator or import a list (dsa110 calibrators --import FILE)`,
    );
  return best.calibrator;
}

/** The declination strip of the data: the declination most groups share (0.1 deg bins). */
export function dataDeclination(db: Database): number {
  const counts = new Map<string, { n: number; sum: number }>();
  for (const g of db.ingest.listGroups({})) {
    if (g.decDeg === null) continue;
    const k = g.decDeg.toFixed(1);
    const c = counts.get(k) ?? { n: 0, sum: 0 };
    counts.set(k, { n: c.n + 1, sum: c.sum + g.decDeg });
  }
  const best = [...counts.values()].sort((a, b) => b.n - a.n)[0];
  if (!best)
    throw new PlanError('the workspace has no registered data with a known declination (run `dsa110 index DIR`)');
  return best.sum / best.n;
}

/**
 * `mosaic next`: windows of `perMosaic` groups at the data's declination, sliding by
 * perMosaic - overlap; the earliest whose mosaic is not yet a product (published, or awaiting
 * review) is planned, calibrated on the strip's calibrator transit nearest to it.
 */
export function planNext(
  engine: PlanEngine,
  opts: PlanOptions & { decDeg?: number; calibrator?: string } = {},
): MosaicPlanDoc {
  const { db, config } = engine;
  const decDeg = opts.decDeg ?? dataDeclination(db);
  const cal = opts.calibrator ? requireCalibrator(db, opts.calibrator) : calibratorForDec(engine, decDeg);
  const perMosaic = Math.max(1, Math.round(config.mosaic.timespanMin / 5));
  const step = perMosaic - config.mosaic.overlap;
  const strip = db.ingest
    .listGroups({})
    .filter((g) => g.decDeg === null || Math.abs(g.decDeg - decDeg) <= config.mosaic.decToleranceDeg);
  if (strip.length === 0) throw new PlanError(`no registered data at dec ${decDeg.toFixed(2)}`);
  const covered = transitsOverData(db, cal).filter((t) => t.groupId !== null);
  const coveringOf = coveringIndex(db);
  for (let i = 0; i < strip.length; i += step) {
    const members = strip.slice(i, i + perMosaic);
    const firstG = members[0];
    const lastG = members[members.length - 1];
    if (!firstG || !lastG) break;
    if (members.length < config.mosaic.minImages) break;
    const window = { startMjd: firstG.startMjd, endMjd: groupEnd(lastG) };
    const name =
      opts.name ??
      mosaicName(`dec${decDeg >= 0 ? '+' : ''}${decDeg.toFixed(1)}`, (window.startMjd + window.endMjd) / 2);
    const existing = db.products.get(name);
    if (existing && existing.status !== 'rejected') continue;
    if (
      coveringOf(
        members.map((g) => g.id),
        name,
      ) !== null
    )
      continue;
    const centre = (window.startMjd + window.endMjd) / 2;
    const nearest = [...covered].sort((a, b) => Math.abs(a.transitMjd - centre) - Math.abs(b.transitMjd - centre))[0];
    if (members.length < perMosaic) {
      // The last, short window: only when the data have ended (no group may still arrive).
      const last = strip[strip.length - 1];
      if (last && last.id !== lastG.id) continue;
    }
    return assemble(
      engine,
      {
        name,
        mode: 'next',
        calibrator: cal,
        transitMjd: nearest?.transitMjd ?? null,
        window,
        decDeg,
        groups: members,
        solveGroupId: nearest?.groupId ?? null,
      },
      { ...opts, name },
    );
  }
  throw new PlanError(
    `every window of the data at dec ${decDeg.toFixed(2)} already has a mosaic (${strip.length} groups, windows of ${perMosaic} sliding by ${step})`,
  );
}

/**
 * The groups of every mosaic that exists and was not rejected, read once: a function naming the
 * mosaic of another plan (e.g. a `mosaic centered` run) whose images include every one of the
 * given groups, so `mosaic next` does not build that window again.
 */
function coveringIndex(db: Database): (groupIds: readonly string[], exceptName: string) => string | null {
  const mosaics: { name: string; groups: Set<string> }[] = [];
  for (const p of db.qa.listPlans()) {
    const product = db.products.get(p.name);
    if (!product || product.status === 'rejected') continue;
    const doc = MosaicPlanDoc.safeParse(p.plan);
    if (doc.success) mosaics.push({ name: p.name, groups: new Set(doc.data.groups.map((g) => g.groupId)) });
  }
  return (groupIds, exceptName) =>
    mosaics.find((m) => m.name !== exceptName && groupIds.every((id) => m.groups.has(id)))?.name ?? null;
}

/** The mosaic of another plan that already holds all of these groups (see coveringIndex), or null. */
export function coveringMosaic(db: Database, groupIds: readonly string[], exceptName: string): string | null {
  return coveringIndex(db)(groupIds, exceptName);
}

/** `mosaic plan --since --until`: every group in the range; calibrated on a transit in it, or reused tables. */
export function planRange(
  engine: PlanEngine,
  sinceMjd: number,
  untilMjd: number,
  opts: PlanOptions & { name: string; calibrator?: string },
): MosaicPlanDoc {
  if (!(untilMjd > sinceMjd))
    throw new PlanError(`--until (${iso(untilMjd)}) must be after --since (${iso(sinceMjd)})`);
  const all = engine.db.ingest
    .listGroups({ fromMjd: sinceMjd - CHUNK_D, toMjd: untilMjd })
    .filter((g) => g.startMjd >= sinceMjd - 1e-9 && g.startMjd < untilMjd);
  if (all.length === 0) throw new PlanError(`no registered data between ${iso(sinceMjd)} and ${iso(untilMjd)}`);
  const decDeg = all.map((g) => g.decDeg).find((d): d is number => d !== null) ?? dataDeclination(engine.db);
  const groups = all.filter(
    (g) => g.decDeg === null || Math.abs(g.decDeg - decDeg) <= engine.config.mosaic.decToleranceDeg,
  );
  const cal = opts.calibrator
    ? requireCalibrator(engine.db, opts.calibrator)
    : (() => {
        try {
          return calibratorForDec(engine, decDeg);
        } catch {
          return null;
        }
      })();
  const hit = cal
    ? transitsOverData(engine.db, cal).find(
        (t) => t.groupId !== null && t.transitMjd >= sinceMjd - 1 / 24 && t.transitMjd < untilMjd + 1 / 24,
      )
    : undefined;
  return assemble(
    engine,
    {
      name: opts.name,
      mode: 'range',
      calibrator: cal,
      transitMjd: hit?.transitMjd ?? null,
      window: { startMjd: sinceMjd, endMjd: untilMjd },
      decDeg,
      groups,
      solveGroupId: hit?.groupId ?? null,
    },
    opts,
  );
}

/** A plan as lines for the terminal. */
export function describePlan(p: MosaicPlanDoc): string[] {
  const toConvert = p.groups.filter((g) => !g.converted).length;
  return [
    `mosaic ${p.name} (${p.mode}${p.calibrator ? `, calibrator ${p.calibrator}` : ''}${p.transitMjd !== null ? `, transit ${iso(p.transitMjd)}` : ''})`,
    `  window   ${iso(p.window.startMjd)} .. ${iso(p.window.endMjd)} at dec ${p.decDeg.toFixed(2)}${p.asymmetric ? ' (asymmetric)' : ''}`,
    `  images   ${p.groups.length}: ${p.groups.map((g) => g.groupId.slice(11)).join(' ')}; ${toConvert} group(s) to convert`,
    `  calib    ${p.calibration.mode === 'solve' ? `solve on ${p.calibration.solveGroupId}` : `reuse tables ${p.calibration.tableIds.join(', ')}`}`,
    `  method   ${p.method}, QA tier ${p.tier}${p.catalog ? `, catalog ${p.catalog}` : ', no reference catalog'}`,
    `  output   ${p.outputDir}`,
    ...p.notes.map((n) => `  note     ${n}`),
  ];
}
