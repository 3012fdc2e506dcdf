// Measure one image or mosaic (an epoch) into the database: forced photometry at the reference
// catalog's positions inside the primary-beam cut, the QA finder's components (Condon errors), the
// components associated with the sources already known in the field (new ones created and, where
// earlier epochs were deep enough, flagged new), forced photometry of the known survey sources
// not detected this time (so their light curves have every epoch), and every touched source's
// variability recomputed. Re-measuring a file replaces its epoch.
import { existsSync } from 'node:fs';
import { Associator, type Detection } from './associate';
import { forcedPhotometry, FORCED_FLAGS, type ForcedResult } from './forced';
import { lightCurveOf, statsOf, type LightCurveOptions } from './lightcurve';
import { DEFAULT_THRESHOLDS, type VariabilityThresholds } from './variability';
import type { Database } from '../db';
import type { NewPhotMeasurement, PhotEpoch, PhotRelation } from '../db/repos/photometry';
import {
  frequencyFromHeader,
  readFitsImage,
  restoringBeamFromHeader,
  skyGridFromHeader,
  type FitsImage,
} from '../fits';
import { fieldCircle } from '../qa/crossmatch';
import { findSources, type FoundSource } from '../qa/sources';
import { CALTABLE_KINDS } from '../../../shared/model/calibration';
import { nowMjd } from '../../../shared/model/common';
import { AiryBeam, angularSeparation } from '../../../shared/instrument/beam';
import type { SkyGrid } from '../../../shared/model/sky-image';

export class PhotometryError extends Error {}

export interface MeasureOptions {
  /** Reference catalog for forced photometry (default: every catalog in the database). */
  catalog?: string;
  /** Primary-beam cut (default 0.2). */
  pbCut?: number;
  /** Finder seed threshold, sigma (default 5). */
  seedSigma?: number;
  association?: {
    deRuiterLimit?: number;
    beamwidthFactor?: number;
    systematicArcsec?: number;
    newSourceSigma?: number;
  };
  thresholds?: VariabilityThresholds;
  /** Measure sources first seen in this epoch in the earlier epochs' images (default true). */
  backfill?: boolean;
  /** Software version, recorded with the parameters. */
  version?: string;
}

/** What was measured: the file and its companions, time and calibration. */
export interface EpochTarget {
  file: string;
  subject: 'image' | 'mosaic' | 'file';
  imageId: number | null;
  mosaicId: number | null;
  productId: string | null;
  mjd: number | null;
  pbPath: string | null;
  noisePath: string | null;
  pbCorrected: boolean;
  calibration: Record<string, unknown>;
}

export interface MeasureResult {
  epoch: PhotEpoch;
  forced: number;
  components: number;
  /** Survey sources measured by forced photometry because they were not detected. */
  forcedSurvey: number;
  newSources: number;
  relations: number;
  candidates: number;
}

function plane(img: FitsImage, file: string): Float32Array | Float64Array {
  const [nx, ny] = img.shape;
  if (nx === undefined || ny === undefined) throw new PhotometryError(`${file}: NAXIS < 2; expected an image`);
  return img.data.subarray(0, nx * ny);
}

function companion(file: string | null, what: string, grid: SkyGrid): Float32Array | Float64Array | null {
  if (!file) return null;
  if (!existsSync(file)) throw new PhotometryError(`${file}: no such file (the ${what})`);
  const f = readFitsImage(file);
  if (f.shape[0] !== grid.nx || f.shape[1] !== grid.ny)
    throw new PhotometryError(
      `${file}: the ${what} is ${f.shape[0]} x ${f.shape[1]} pixels; expected the image's ${grid.nx} x ${grid.ny}`,
    );
  return plane(f, file);
}

/** The calibration tables valid at an MS's mid-time: kind -> {id, path}. */
function calibrationOf(db: Database, msIds: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const id of msIds) {
    const ms = db.ms.get(id);
    if (!ms) continue;
    const tables: Record<string, unknown> = {};
    for (const kind of CALTABLE_KINDS) {
      const t = db.calibration.findValid(kind, ms.midMjd)[0];
      if (t) tables[kind] = { id: t.id, path: t.path, solveMjd: t.solveMjd };
    }
    out[`ms:${id}`] = { path: ms.path, midMjd: ms.midMjd, tables };
  }
  return out;
}

/** Resolve `image:N`, `mosaic:N` or a FITS path into what to measure (companions found beside it). */
export function resolveTarget(db: Database, which: string): EpochTarget {
  const ref = /^(image|mosaic):(\d+)$/.exec(which);
  if (ref?.[1] === 'image') {
    const img = db.images.getImage(Number(ref[2]));
    if (!img) throw new PhotometryError(`${db.file}: no image with id ${ref[2]}`);
    const sibling = img.path.replace(/-image(-pb)?\.fits$/i, '-pb.fits');
    const ms = img.msId !== null ? db.ms.get(img.msId) : undefined;
    return {
      file: img.path,
      subject: 'image',
      imageId: img.id,
      mosaicId: null,
      productId: db.products.getByPath(img.path)?.id ?? null,
      mjd: ms?.midMjd ?? null,
      pbPath: sibling !== img.path && existsSync(sibling) ? sibling : null,
      noisePath: null,
      pbCorrected: img.kind === 'pbcor',
      calibration: img.msId !== null ? calibrationOf(db, [img.msId]) : {},
    };
  }
  if (ref?.[1] === 'mosaic') {
    const m = db.images.getMosaic(Number(ref[2]));
    if (!m) throw new PhotometryError(`${db.file}: no mosaic with id ${ref[2]}`);
    const noise = m.path.replace(/\.fits$/i, '-noise.fits');
    const group = db.images.getMosaicGroup(m.groupId);
    return {
      file: m.path,
      subject: 'mosaic',
      imageId: null,
      mosaicId: m.id,
      productId: db.products.getByPath(m.path)?.id ?? null,
      mjd: (m.startMjd + m.endMjd) / 2,
      pbPath: null,
      noisePath: existsSync(noise) ? noise : null,
      pbCorrected: true,
      calibration: calibrationOf(db, group?.memberMsIds ?? []),
    };
  }
  // A path the database knows: its row gives the time, calibration and companions.
  const mosaic = db.images.getMosaicByPath(which);
  if (mosaic) return resolveTarget(db, `mosaic:${mosaic.id}`);
  const image = db.images.getImageByPath(which);
  if (image) return { ...resolveTarget(db, `image:${image.id}`), file: which };
  if (!existsSync(which)) throw new PhotometryError(`${which}: no such file, and not image:N or mosaic:N`);
  const pb = which.replace(/-image\.fits$/i, '-pb.fits');
  const noise = which.replace(/\.fits$/i, '-noise.fits');
  const isPbcor = /-image-pb\.fits$/i.test(which);
  return {
    file: which,
    subject: 'file',
    imageId: null,
    mosaicId: null,
    productId: db.products.getByPath(which)?.id ?? null,
    mjd: null,
    pbPath: pb !== which && existsSync(pb) ? pb : null,
    noisePath: existsSync(noise) ? noise : null,
    pbCorrected: isPbcor || existsSync(noise),
    calibration: {},
  };
}

/** `J hhmmss.ss+ddmmss.s` for a position. */
export function iauName(prefix: string, raDeg: number, decDeg: number): string {
  const h = raDeg / 15;
  const hh = Math.floor(h);
  const mm = Math.floor((h - hh) * 60);
  const ss = ((h - hh) * 60 - mm) * 60;
  const sign = decDeg < 0 ? '-' : '+';
  const d = Math.abs(decDeg);
  const dd = Math.floor(d);
  const dm = Math.floor((d - dd) * 60);
  const ds = ((d - dd) * 60 - dm) * 60;
  const p2 = (v: number) => String(v).padStart(2, '0');
  return `${prefix} J${p2(hh)}${p2(mm)}${ss.toFixed(2).padStart(5, '0')}${sign}${p2(dd)}${p2(dm)}${ds.toFixed(1).padStart(4, '0')}`;
}

function median(v: ArrayLike<number>): number | null {
  const s = Array.from(v).filter((x) => Number.isFinite(x) && x > 0);
  if (s.length === 0) return null;
  s.sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Measure `target` into the database; see the file comment. */
export function measureEpoch(db: Database, target: EpochTarget, opts: MeasureOptions = {}): MeasureResult {
  const file = target.file;
  if (!existsSync(file)) throw new PhotometryError(`${file}: no such file (the image to measure)`);
  const fits = readFitsImage(file);
  const data = plane(fits, file);
  const wcs = skyGridFromHeader(fits.keywords, file);
  const beam = restoringBeamFromHeader(fits.keywords);
  if (!beam)
    throw new PhotometryError(
      `${file}: header keywords BMAJ/BMIN are missing; forced photometry needs the restoring beam`,
    );
  const freqHz = frequencyFromHeader(fits.keywords);
  if (freqHz === null) throw new PhotometryError(`${file}: no FREQ axis or RESTFRQ; the frequency is needed`);
  let mjd = target.mjd;
  if (mjd === null) {
    const d = fits.keywords.get('DATE-OBS');
    const t = typeof d === 'string' ? Date.parse(d.endsWith('Z') ? d : `${d}Z`) : Number.NaN;
    if (!Number.isFinite(t)) throw new PhotometryError(`${file}: no DATE-OBS and no database time for the epoch`);
    mjd = t / 86400000 + 40587;
  }
  const pb = companion(target.pbPath, 'primary beam', wcs);
  const noise = companion(target.noisePath, 'effective-noise map', wcs);
  const pbCut = opts.pbCut ?? 0.2;
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const field = fieldCircle(wcs);

  // Reference-catalog positions in the field.
  const refs = db.sources.cone(field.raDeg, field.decDeg, field.radiusDeg, opts.catalog);
  const forced = forcedPhotometry(
    data,
    wcs,
    refs.map((s) => s.raDeg),
    refs.map((s) => s.decDeg),
    { beam, noise, pb, pbCorrected: target.pbCorrected, pbCut },
  );

  // The finder's components, corrected by the primary beam where the image is not, inside the cut.
  const found: FoundSource[] = findSources(data, wcs, { beam, noise, seedSigma: opts.seedSigma ?? 5 });
  const nx = wcs.nx;
  const comps = found
    .map((f) => {
      const i =
        Math.min(wcs.ny - 1, Math.max(0, Math.round(f.y))) * nx + Math.min(nx - 1, Math.max(0, Math.round(f.x)));
      const p = pb ? pb[i]! : 1;
      const scale = pb && !target.pbCorrected ? 1 / p : 1;
      return { f, pb: pb ? p : null, scale };
    })
    .filter((c) => !pb || c.pb! >= pbCut);

  const epochNoise = median(
    noise ?? new Float64Array(forced.noiseJy.map((v, k) => v * (forced.pbApplied ? forced.pbResponse[k]! : 1))),
  );
  const createdMjd = nowMjd();
  const result = db.transaction(() => {
    const epoch = db.photometry.replaceEpoch({
      path: file,
      subject: target.subject,
      imageId: target.imageId,
      mosaicId: target.mosaicId,
      productId: target.productId,
      mjd,
      freqHz,
      beamMajorArcsec: beam.majorArcsec,
      beamMinorArcsec: beam.minorArcsec,
      beamPaDeg: beam.paDeg,
      centerRaDeg: field.raDeg,
      centerDecDeg: field.decDeg,
      radiusDeg: field.radiusDeg,
      noiseJy: epochNoise ?? comps[0]?.f.noiseJy ?? null,
      pbCorrected: target.pbCorrected,
      pbApplied: forced.pbApplied,
      pbPath: target.pbPath,
      noisePath: target.noisePath,
      pbCut,
      catalog: opts.catalog ?? null,
      calibration: target.calibration,
      params: {
        forced: { peak: 'beam fit over the core (r^2 <= 2)', integrated: 'aperture r = 3 sigma of the beam' },
        seedSigma: opts.seedSigma ?? 5,
        association: opts.association ?? {},
        thresholds,
        version: opts.version ?? null,
      },
      createdMjd,
    });
    const rows: NewPhotMeasurement[] = [];
    const touched = new Set<number>();
    // Forced at catalog positions: each catalog source has one photometry source.
    let nForced = 0;
    for (let k = 0; k < refs.length; k++) {
      if (forced.flags[k] !== FORCED_FLAGS.ok) continue;
      const ref = refs[k]!;
      const src =
        db.photometry.sourceOfRef(ref.id) ??
        db.photometry.addSource({
          name: ref.name.toUpperCase().startsWith(ref.catalog.toUpperCase()) ? ref.name : `${ref.catalog} ${ref.name}`,
          refSourceId: ref.id,
          raDeg: ref.raDeg,
          decDeg: ref.decDeg,
          raErrArcsec: ref.raErrArcsec,
          decErrArcsec: ref.decErrArcsec,
          isNew: false,
          newSigma: null,
          updatedMjd: createdMjd,
        });
      touched.add(src.id);
      rows.push(forcedRow(forced, k, src.id, ref.raDeg, ref.decDeg));
      nForced++;
    }

    // Association of the components with the sources known in the field.
    const known = db.photometry.cone(field.raDeg, field.decDeg, field.radiusDeg + 0.01);
    const earlier = db.photometry
      .epochs({ raDeg: field.raDeg, decDeg: field.decDeg })
      .filter((e) => e.id !== epoch.id && e.mjd < mjd);
    const airy = new AiryBeam();
    const coverage = earlier.map((e) => (ra: number, dec: number) => {
      const sep = angularSeparation(
        { raRad: (e.centerRaDeg * Math.PI) / 180, decRad: (e.centerDecDeg * Math.PI) / 180 },
        { raRad: (ra * Math.PI) / 180, decRad: (dec * Math.PI) / 180 },
      );
      if (sep > (e.radiusDeg * Math.PI) / 180 || e.noiseJy === null) return Number.NaN;
      // An image's noise is flat before the primary beam; a mosaic's median is already corrected.
      const r = e.pbCorrected ? 1 : airy.response(sep, e.freqHz);
      return e.pbCut !== null && r < e.pbCut ? Number.NaN : e.noiseJy / r;
    });
    const assoc = new Associator({ ...opts.association, earlierCoverage: coverage });
    const idOf: number[] = [];
    for (const s of known) {
      idOf[
        assoc.addKnown({
          raDeg: s.raDeg,
          decDeg: s.decDeg,
          raErrArcsec: s.raErrArcsec ?? 1,
          decErrArcsec: s.decErrArcsec ?? 1,
          detections: Math.max(1, s.nDetections),
        })
      ] = s.id;
    }
    const dets: Detection[] = comps.map((c) => ({
      raDeg: c.f.raDeg,
      decDeg: c.f.decDeg,
      raErrArcsec: c.f.raErrArcsec,
      decErrArcsec: c.f.decErrArcsec,
      peakJy: c.f.peakJy * c.scale,
    }));
    const ep = assoc.addEpoch({ beamMajArcsec: beam.majorArcsec, detections: dets });
    const after = assoc.list();
    let newSources = 0;
    const created: { id: number; raDeg: number; decDeg: number }[] = [];
    for (let d = 0; d < comps.length; d++) {
      const a = ep.sourceOf[d]!;
      if (idOf[a] === undefined) {
        const s = after[a]!;
        const c = comps[d]!.f;
        let name = iauName('DSA', s.raDeg, s.decDeg);
        if (db.photometry.getSourceByName(name)) name = `${name}-${epoch.id}-${d + 1}`;
        const row = db.photometry.addSource({
          name,
          refSourceId: null,
          raDeg: c.raDeg,
          decDeg: c.decDeg,
          raErrArcsec: c.raErrArcsec,
          decErrArcsec: c.decErrArcsec,
          isNew: s.isNew,
          newSigma: s.newSigma,
          updatedMjd: createdMjd,
        });
        if (s.isNew) newSources++;
        idOf[a] = row.id;
        created.push({ id: row.id, raDeg: c.raDeg, decDeg: c.decDeg });
      }
      touched.add(idOf[a]!);
    }
    const relations: PhotRelation[] = ep.relations.map((r) => ({
      sourceId: idOf[r.sourceId]!,
      relatedId: idOf[r.relatedId]!,
      kind: r.kind,
      epochId: epoch.id,
    }));
    db.photometry.addRelations(relations);
    // Survey (non-catalog) sources' positions move with their detections.
    for (const s of after) {
      const id = idOf[s.id];
      const row = id !== undefined ? known.find((k) => k.id === id) : undefined;
      if (row && row.refSourceId === null && ep.sourceOf.includes(s.id))
        db.photometry.setPosition(id!, s.raDeg, s.decDeg, s.raErrArcsec, s.decErrArcsec);
    }
    for (let d = 0; d < comps.length; d++) {
      const { f, pb: p, scale } = comps[d]!;
      rows.push({
        kind: 'component',
        sourceId: idOf[ep.sourceOf[d]!]!,
        raDeg: f.raDeg,
        decDeg: f.decDeg,
        raErrArcsec: f.raErrArcsec,
        decErrArcsec: f.decErrArcsec,
        peakJy: f.peakJy * scale,
        peakErrJy: f.peakErrJy * scale,
        intJy: f.intFluxJy * scale,
        intErrJy: f.intFluxErrJy * scale,
        noiseJy: f.noiseJy * scale,
        snr: f.snr,
        pbResponse: p,
        majArcsec: f.majArcsec,
        minArcsec: f.minArcsec,
        paDeg: f.paDeg,
        flags: f.fit === 'gaussian' ? 0 : 1,
      });
    }
    // Known survey sources not detected this epoch: forced photometry at their positions.
    const detected = new Set(Array.from(ep.sourceOf, (a) => idOf[a]));
    const missing = known.filter((s) => s.refSourceId === null && !detected.has(s.id));
    let forcedSurvey = 0;
    if (missing.length > 0) {
      const fm = forcedPhotometry(
        data,
        wcs,
        missing.map((s) => s.raDeg),
        missing.map((s) => s.decDeg),
        { beam, noise, pb, pbCorrected: target.pbCorrected, pbCut },
      );
      for (let k = 0; k < missing.length; k++) {
        if (fm.flags[k] !== FORCED_FLAGS.ok) continue;
        const s = missing[k]!;
        rows.push(forcedRow(fm, k, s.id, s.raDeg, s.decDeg));
        touched.add(s.id);
        forcedSurvey++;
      }
    }
    db.photometry.addMeasurements(epoch.id, rows);
    // Sources first seen now: forced photometry in the earlier epochs that cover them, so their
    // light curves show what was there before (upper limits for a transient).
    if (opts.backfill !== false && created.length > 0) backfill(db, earlier, created);
    let candidates = 0;
    for (const id of touched) {
      const st = statsOf(lightCurveOf(db, id), { thresholds } satisfies LightCurveOptions, createdMjd);
      db.photometry.setStats(id, st);
      if (st.candidate) candidates++;
    }
    return {
      epochId: epoch.id,
      forced: nForced,
      components: comps.length,
      forcedSurvey,
      newSources,
      relations: relations.length,
      candidates,
    };
  });
  const { epochId, ...counts } = result;
  return { epoch: db.photometry.getEpoch(epochId)!, ...counts };
}

/** Forced photometry of `sources` in each earlier epoch whose field holds any of them (its files read again). */
function backfill(
  db: Database,
  earlier: readonly PhotEpoch[],
  sources: readonly { id: number; raDeg: number; decDeg: number }[],
): void {
  for (const e of earlier) {
    const inField = sources.filter(
      (s) =>
        angularSeparation(
          { raRad: (e.centerRaDeg * Math.PI) / 180, decRad: (e.centerDecDeg * Math.PI) / 180 },
          { raRad: (s.raDeg * Math.PI) / 180, decRad: (s.decDeg * Math.PI) / 180 },
        ) <=
        (e.radiusDeg * Math.PI) / 180,
    );
    if (inField.length === 0 || !existsSync(e.path)) continue;
    const fits = readFitsImage(e.path);
    const wcs = skyGridFromHeader(fits.keywords, e.path);
    const beam = { majorArcsec: e.beamMajorArcsec, minorArcsec: e.beamMinorArcsec, paDeg: e.beamPaDeg };
    const r = forcedPhotometry(
      plane(fits, e.path),
      wcs,
      inField.map((s) => s.raDeg),
      inField.map((s) => s.decDeg),
      {
        beam,
        noise: e.noisePath && existsSync(e.noisePath) ? companion(e.noisePath, 'effective-noise map', wcs) : null,
        pb: e.pbPath && existsSync(e.pbPath) ? companion(e.pbPath, 'primary beam', wcs) : null,
        pbCorrected: e.pbCorrected,
        pbCut: e.pbCut ?? 0.2,
      },
    );
    const rows: NewPhotMeasurement[] = [];
    for (let k = 0; k < inField.length; k++)
      if (r.flags[k] === FORCED_FLAGS.ok)
        rows.push(forcedRow(r, k, inField[k]!.id, inField[k]!.raDeg, inField[k]!.decDeg));
    if (rows.length > 0) db.photometry.addMeasurements(e.id, rows);
  }
}

function forcedRow(r: ForcedResult, k: number, sourceId: number, raDeg: number, decDeg: number): NewPhotMeasurement {
  return {
    kind: 'forced',
    sourceId,
    raDeg,
    decDeg,
    raErrArcsec: null,
    decErrArcsec: null,
    peakJy: r.peakJy[k]!,
    peakErrJy: r.peakErrJy[k]!,
    intJy: r.intJy[k]!,
    intErrJy: r.intErrJy[k]!,
    noiseJy: r.noiseJy[k]!,
    snr: r.peakJy[k]! / r.peakErrJy[k]!,
    pbResponse: Number.isFinite(r.pbResponse[k]!) ? r.pbResponse[k]! : null,
    majArcsec: null,
    minArcsec: null,
    paDeg: null,
    flags: 0,
  };
}
