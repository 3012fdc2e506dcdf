// Repository for the science products (migration 9): measured epochs, their measurements
// (forced and finder components), the sources they are associated into, and the relations.
import type { Connection } from '../connection';
import { separationDeg } from './sources';

export interface PhotEpoch {
  id: number;
  path: string;
  subject: 'image' | 'mosaic' | 'file';
  imageId: number | null;
  mosaicId: number | null;
  productId: string | null;
  mjd: number;
  freqHz: number;
  beamMajorArcsec: number;
  beamMinorArcsec: number;
  beamPaDeg: number;
  centerRaDeg: number;
  centerDecDeg: number;
  radiusDeg: number;
  noiseJy: number | null;
  pbCorrected: boolean;
  pbApplied: boolean;
  pbPath: string | null;
  noisePath: string | null;
  pbCut: number | null;
  catalog: string | null;
  calibration: Record<string, unknown>;
  params: Record<string, unknown>;
  nForced: number;
  nComponents: number;
  createdMjd: number;
}
export type NewPhotEpoch = Omit<PhotEpoch, 'id' | 'nForced' | 'nComponents'>;

export interface PhotMeasurement {
  id: number;
  epochId: number;
  kind: 'forced' | 'component';
  sourceId: number | null;
  raDeg: number;
  decDeg: number;
  raErrArcsec: number | null;
  decErrArcsec: number | null;
  peakJy: number;
  peakErrJy: number;
  intJy: number;
  intErrJy: number;
  noiseJy: number;
  snr: number;
  pbResponse: number | null;
  majArcsec: number | null;
  minArcsec: number | null;
  paDeg: number | null;
  flags: number;
}
export type NewPhotMeasurement = Omit<PhotMeasurement, 'id' | 'epochId'>;

/** A light-curve point: a measurement with its epoch's time and image. */
export type LightCurvePoint = PhotMeasurement & { mjd: number; path: string; pbCorrected: boolean };

export interface PhotSource {
  id: number;
  name: string;
  refSourceId: number | null;
  raDeg: number;
  decDeg: number;
  raErrArcsec: number | null;
  decErrArcsec: number | null;
  nDetections: number;
  nForced: number;
  firstMjd: number | null;
  lastMjd: number | null;
  isNew: boolean;
  newSigma: number | null;
  wmeanPeakJy: number | null;
  wmeanPeakErrJy: number | null;
  wmeanIntJy: number | null;
  etaPeak: number | null;
  vPeak: number | null;
  etaInt: number | null;
  vInt: number | null;
  vsMax: number | null;
  mAtVsMax: number | null;
  significantPairs: number;
  candidate: boolean;
  significance: number | null;
  updatedMjd: number;
}
export type NewPhotSource = Pick<
  PhotSource,
  'name' | 'refSourceId' | 'raDeg' | 'decDeg' | 'raErrArcsec' | 'decErrArcsec' | 'isNew' | 'newSigma' | 'updatedMjd'
>;
export type PhotSourceStats = Omit<
  PhotSource,
  'id' | 'name' | 'refSourceId' | 'isNew' | 'newSigma' | 'raDeg' | 'decDeg' | 'raErrArcsec' | 'decErrArcsec'
>;

export interface SourceQuery {
  /** Substring of the name (case-insensitive). */
  name?: string;
  cone?: { raDeg: number; decDeg: number; radiusDeg: number };
  minEta?: number;
  minV?: number;
  /** On the weighted mean peak flux, Jy. */
  minFluxJy?: number;
  maxFluxJy?: number;
  candidatesOnly?: boolean;
  newOnly?: boolean;
  limit?: number;
}

export interface PhotRelation {
  sourceId: number;
  relatedId: number;
  kind: 'one-to-many' | 'many-to-one';
  epochId: number;
}

type R = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function epochOf(r: R): PhotEpoch {
  return {
    id: r.id as number,
    path: r.path as string,
    subject: r.subject as PhotEpoch['subject'],
    imageId: num(r.image_id),
    mosaicId: num(r.mosaic_id),
    productId: (r.product_id as string | null) ?? null,
    mjd: r.mjd as number,
    freqHz: r.freq_hz as number,
    beamMajorArcsec: r.beam_major_arcsec as number,
    beamMinorArcsec: r.beam_minor_arcsec as number,
    beamPaDeg: r.beam_pa_deg as number,
    centerRaDeg: r.center_ra_deg as number,
    centerDecDeg: r.center_dec_deg as number,
    radiusDeg: r.radius_deg as number,
    noiseJy: num(r.noise_jy),
    pbCorrected: r.pb_corrected === 1,
    pbApplied: r.pb_applied === 1,
    pbPath: (r.pb_path as string | null) ?? null,
    noisePath: (r.noise_path as string | null) ?? null,
    pbCut: num(r.pb_cut),
    catalog: (r.catalog as string | null) ?? null,
    calibration: JSON.parse(r.calibration_json as string) as Record<string, unknown>,
    params: JSON.parse(r.params_json as string) as Record<string, unknown>,
    nForced: r.n_forced as number,
    nComponents: r.n_components as number,
    createdMjd: r.created_mjd as number,
  };
}

function measurementOf(r: R): PhotMeasurement {
  return {
    id: r.id as number,
    epochId: r.epoch_id as number,
    kind: r.kind as PhotMeasurement['kind'],
    sourceId: num(r.source_id),
    raDeg: r.ra_deg as number,
    decDeg: r.dec_deg as number,
    raErrArcsec: num(r.ra_err_arcsec),
    decErrArcsec: num(r.dec_err_arcsec),
    peakJy: r.peak_jy as number,
    peakErrJy: r.peak_err_jy as number,
    intJy: r.int_jy as number,
    intErrJy: r.int_err_jy as number,
    noiseJy: r.noise_jy as number,
    snr: r.snr as number,
    pbResponse: num(r.pb_response),
    majArcsec: num(r.maj_arcsec),
    minArcsec: num(r.min_arcsec),
    paDeg: num(r.pa_deg),
    flags: r.flags as number,
  };
}

function sourceOf(r: R): PhotSource {
  return {
    id: r.id as number,
    name: r.name as string,
    refSourceId: num(r.ref_source_id),
    raDeg: r.ra_deg as number,
    decDeg: r.dec_deg as number,
    raErrArcsec: num(r.ra_err_arcsec),
    decErrArcsec: num(r.dec_err_arcsec),
    nDetections: r.n_detections as number,
    nForced: r.n_forced as number,
    firstMjd: num(r.first_mjd),
    lastMjd: num(r.last_mjd),
    isNew: r.is_new === 1,
    newSigma: num(r.new_sigma),
    wmeanPeakJy: num(r.wmean_peak_jy),
    wmeanPeakErrJy: num(r.wmean_peak_err_jy),
    wmeanIntJy: num(r.wmean_int_jy),
    etaPeak: num(r.eta_peak),
    vPeak: num(r.v_peak),
    etaInt: num(r.eta_int),
    vInt: num(r.v_int),
    vsMax: num(r.vs_max),
    mAtVsMax: num(r.m_at_vs_max),
    significantPairs: r.significant_pairs as number,
    candidate: r.candidate === 1,
    significance: num(r.significance),
    updatedMjd: r.updated_mjd as number,
  };
}

/** NaN and infinities are stored as NULL (SQLite has no NaN). */
const finite = (v: number | null | undefined): number | null =>
  v !== null && v !== undefined && Number.isFinite(v) ? v : null;

export class PhotometryRepo {
  constructor(private readonly conn: Connection) {}

  /** Record an epoch; measuring the same file again replaces its epoch and measurements. */
  replaceEpoch(e: NewPhotEpoch): PhotEpoch {
    return this.conn.write(() => {
      this.conn.stmt('DELETE FROM phot_epochs WHERE path = ?').run(e.path);
      const r = this.conn
        .stmt(
          `INSERT INTO phot_epochs (path, subject, image_id, mosaic_id, product_id, mjd, freq_hz, beam_major_arcsec,
             beam_minor_arcsec, beam_pa_deg, center_ra_deg, center_dec_deg, radius_deg, noise_jy, pb_corrected,
             pb_applied, pb_path, noise_path, pb_cut, catalog, calibration_json, params_json, created_mjd)
           VALUES (@path, @subject, @imageId, @mosaicId, @productId, @mjd, @freqHz, @beamMajorArcsec, @beamMinorArcsec,
             @beamPaDeg, @centerRaDeg, @centerDecDeg, @radiusDeg, @noiseJy, @pbCorrected, @pbApplied, @pbPath,
             @noisePath, @pbCut, @catalog, @calibration, @params, @createdMjd)`,
        )
        .run({
          ...e,
          noiseJy: finite(e.noiseJy),
          pbCorrected: e.pbCorrected ? 1 : 0,
          pbApplied: e.pbApplied ? 1 : 0,
          calibration: JSON.stringify(e.calibration),
          params: JSON.stringify(e.params),
        });
      return this.requireEpoch(Number(r.lastInsertRowid));
    });
  }

  getEpoch(id: number): PhotEpoch | undefined {
    const r = this.conn.stmt('SELECT * FROM phot_epochs WHERE id = ?').get(id) as R | undefined;
    return r ? epochOf(r) : undefined;
  }

  getEpochByPath(path: string): PhotEpoch | undefined {
    const r = this.conn.stmt('SELECT * FROM phot_epochs WHERE path = ?').get(path) as R | undefined;
    return r ? epochOf(r) : undefined;
  }

  private requireEpoch(id: number): PhotEpoch {
    const e = this.getEpoch(id);
    if (!e) throw new Error(`${this.conn.file}: no photometry epoch with id ${id}`);
    return e;
  }

  /** Epochs, in time order (optionally only those whose field contains a position). */
  epochs(at?: { raDeg: number; decDeg: number }): PhotEpoch[] {
    const rows = (this.conn.stmt('SELECT * FROM phot_epochs ORDER BY mjd, id').all() as R[]).map(epochOf);
    return at
      ? rows.filter((e) => separationDeg(e.centerRaDeg, e.centerDecDeg, at.raDeg, at.decDeg) <= e.radiusDeg)
      : rows;
  }

  /** Insert an epoch's measurements in one transaction; returns their ids in order. */
  addMeasurements(epochId: number, rows: readonly NewPhotMeasurement[]): number[] {
    return this.conn.write(() => {
      const ins = this.conn.stmt(
        `INSERT INTO phot_measurements (epoch_id, kind, source_id, ra_deg, dec_deg, ra_err_arcsec, dec_err_arcsec,
           peak_jy, peak_err_jy, int_jy, int_err_jy, noise_jy, snr, pb_response, maj_arcsec, min_arcsec, pa_deg, flags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const ids: number[] = [];
      for (const m of rows) {
        const r = ins.run(
          epochId,
          m.kind,
          m.sourceId,
          m.raDeg,
          m.decDeg,
          finite(m.raErrArcsec),
          finite(m.decErrArcsec),
          m.peakJy,
          m.peakErrJy,
          m.intJy,
          m.intErrJy,
          m.noiseJy,
          m.snr,
          finite(m.pbResponse),
          finite(m.majArcsec),
          finite(m.minArcsec),
          finite(m.paDeg),
          m.flags,
        );
        ids.push(Number(r.lastInsertRowid));
      }
      const kind = (k: string) => rows.filter((m) => m.kind === k).length;
      this.conn
        .stmt('UPDATE phot_epochs SET n_forced = n_forced + ?, n_components = n_components + ? WHERE id = ?')
        .run(kind('forced'), kind('component'), epochId);
      return ids;
    });
  }

  measurementsOfEpoch(epochId: number): PhotMeasurement[] {
    return (this.conn.stmt('SELECT * FROM phot_measurements WHERE epoch_id = ? ORDER BY id').all(epochId) as R[]).map(
      measurementOf,
    );
  }

  /** A source's measurements with their epochs' times, in time order. */
  lightCurve(sourceId: number): LightCurvePoint[] {
    const rows = this.conn
      .stmt(
        `SELECT m.*, e.mjd AS e_mjd, e.path AS e_path, e.pb_corrected AS e_pbc FROM phot_measurements m
         JOIN phot_epochs e ON e.id = m.epoch_id WHERE m.source_id = ? ORDER BY e.mjd, m.kind, m.id`,
      )
      .all(sourceId) as R[];
    return rows.map((r) => ({
      ...measurementOf(r),
      mjd: r.e_mjd as number,
      path: r.e_path as string,
      pbCorrected: r.e_pbc === 1,
    }));
  }

  addSource(s: NewPhotSource): PhotSource {
    return this.conn.write(() => {
      const r = this.conn
        .stmt(
          `INSERT INTO phot_sources (name, ref_source_id, ra_deg, dec_deg, ra_err_arcsec, dec_err_arcsec, is_new,
             new_sigma, updated_mjd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          s.name,
          s.refSourceId,
          s.raDeg,
          s.decDeg,
          finite(s.raErrArcsec),
          finite(s.decErrArcsec),
          s.isNew ? 1 : 0,
          finite(s.newSigma),
          s.updatedMjd,
        );
      return this.requireSource(Number(r.lastInsertRowid));
    });
  }

  getSource(id: number): PhotSource | undefined {
    const r = this.conn.stmt('SELECT * FROM phot_sources WHERE id = ?').get(id) as R | undefined;
    return r ? sourceOf(r) : undefined;
  }

  requireSource(id: number): PhotSource {
    const s = this.getSource(id);
    if (!s) throw new Error(`${this.conn.file}: no photometry source with id ${id}`);
    return s;
  }

  getSourceByName(name: string): PhotSource | undefined {
    const r = this.conn.stmt('SELECT * FROM phot_sources WHERE name = ? COLLATE NOCASE').get(name) as R | undefined;
    return r ? sourceOf(r) : undefined;
  }

  sourceOfRef(refSourceId: number): PhotSource | undefined {
    const r = this.conn.stmt('SELECT * FROM phot_sources WHERE ref_source_id = ?').get(refSourceId) as R | undefined;
    return r ? sourceOf(r) : undefined;
  }

  /** Sources within a radius, nearest first. */
  cone(raDeg: number, decDeg: number, radiusDeg: number): (PhotSource & { separationDeg: number })[] {
    const rows = this.conn
      .stmt('SELECT * FROM phot_sources WHERE dec_deg BETWEEN ? AND ?')
      .all(decDeg - radiusDeg, decDeg + radiusDeg) as R[];
    return rows
      .map((r) => ({
        ...sourceOf(r),
        separationDeg: separationDeg(raDeg, decDeg, r.ra_deg as number, r.dec_deg as number),
      }))
      .filter((s) => s.separationDeg <= radiusDeg)
      .sort((a, b) => a.separationDeg - b.separationDeg);
  }

  setPosition(id: number, raDeg: number, decDeg: number, raErr: number, decErr: number): void {
    this.conn
      .stmt('UPDATE phot_sources SET ra_deg = ?, dec_deg = ?, ra_err_arcsec = ?, dec_err_arcsec = ? WHERE id = ?')
      .run(raDeg, decDeg, finite(raErr), finite(decErr), id);
  }

  setStats(id: number, s: PhotSourceStats): void {
    this.conn
      .stmt(
        `UPDATE phot_sources SET n_detections = @nDetections, n_forced = @nForced, first_mjd = @firstMjd,
           last_mjd = @lastMjd, wmean_peak_jy = @wmeanPeakJy, wmean_peak_err_jy = @wmeanPeakErrJy,
           wmean_int_jy = @wmeanIntJy, eta_peak = @etaPeak, v_peak = @vPeak, eta_int = @etaInt, v_int = @vInt,
           vs_max = @vsMax, m_at_vs_max = @mAtVsMax, significant_pairs = @significantPairs,
           candidate = @candidate, significance = @significance, updated_mjd = @updatedMjd WHERE id = @id`,
      )
      .run({
        id,
        nDetections: s.nDetections,
        nForced: s.nForced,
        firstMjd: finite(s.firstMjd),
        lastMjd: finite(s.lastMjd),
        wmeanPeakJy: finite(s.wmeanPeakJy),
        wmeanPeakErrJy: finite(s.wmeanPeakErrJy),
        wmeanIntJy: finite(s.wmeanIntJy),
        etaPeak: finite(s.etaPeak),
        vPeak: finite(s.vPeak),
        etaInt: finite(s.etaInt),
        vInt: finite(s.vInt),
        vsMax: finite(s.vsMax),
        mAtVsMax: finite(s.mAtVsMax),
        significantPairs: s.significantPairs,
        candidate: s.candidate ? 1 : 0,
        significance: finite(s.significance),
        updatedMjd: s.updatedMjd,
      });
  }

  addRelations(rel: readonly PhotRelation[]): void {
    if (rel.length === 0) return;
    this.conn.write(() => {
      const ins = this.conn.stmt(
        'INSERT OR IGNORE INTO phot_relations (source_id, related_id, kind, epoch_id) VALUES (?, ?, ?, ?)',
      );
      for (const r of rel) ins.run(r.sourceId, r.relatedId, r.kind, r.epochId);
    });
  }

  relationsOf(sourceId: number): PhotRelation[] {
    const rows = this.conn
      .stmt('SELECT * FROM phot_relations WHERE source_id = ? OR related_id = ? ORDER BY epoch_id')
      .all(sourceId, sourceId) as R[];
    return rows.map((r) => ({
      sourceId: r.source_id as number,
      relatedId: r.related_id as number,
      kind: r.kind as PhotRelation['kind'],
      epochId: r.epoch_id as number,
    }));
  }

  /** Sources matching the filters; candidates by significance first, then the brightest. */
  search(q: SourceQuery = {}): PhotSource[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.name) {
      where.push('name LIKE ? COLLATE NOCASE');
      args.push(`%${q.name}%`);
    }
    if (q.cone) {
      where.push('dec_deg BETWEEN ? AND ?');
      args.push(q.cone.decDeg - q.cone.radiusDeg, q.cone.decDeg + q.cone.radiusDeg);
    }
    if (q.minEta !== undefined) {
      where.push('eta_peak >= ?');
      args.push(q.minEta);
    }
    if (q.minV !== undefined) {
      where.push('ABS(v_peak) >= ?');
      args.push(q.minV);
    }
    if (q.minFluxJy !== undefined) {
      where.push('wmean_peak_jy >= ?');
      args.push(q.minFluxJy);
    }
    if (q.maxFluxJy !== undefined) {
      where.push('wmean_peak_jy <= ?');
      args.push(q.maxFluxJy);
    }
    if (q.candidatesOnly) where.push('candidate = 1');
    if (q.newOnly) where.push('is_new = 1');
    const sql = `SELECT * FROM phot_sources ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY candidate DESC, significance DESC, wmean_peak_jy DESC, id`;
    let rows = (this.conn.sql.prepare(sql).all(...args) as R[]).map(sourceOf);
    if (q.cone) {
      const c = q.cone;
      rows = rows.filter((s) => separationDeg(c.raDeg, c.decDeg, s.raDeg, s.decDeg) <= c.radiusDeg);
    }
    return q.limit !== undefined ? rows.slice(0, q.limit) : rows;
  }
}
