// Association of detections across epochs into sources, in the manner of the VAST pipeline's
// de Ruiter association (Murphy et al. 2021, section 3.3): a detection is a candidate for a source
// when their de Ruiter radius
//   r = sqrt( (d_alpha cos(mean dec))^2 / (s_a1^2 + s_a2^2) + d_delta^2 / (s_d1^2 + s_d2^2) )
// is within `deRuiterLimit` (5.68) and their separation within `beamwidthFactor` x half the beam's
// major axis (1.5). Candidates are taken best (smallest r) first, one detection per source per
// epoch; what that leaves is recorded, never dropped silently:
//  - one-to-many: a source with several candidate detections keeps the best; each other one starts
//    a new source, related to it;
//  - many-to-one: a detection that several sources could claim joins the best; the others are
//    related to it.
// A detection matching no source starts one, flagged *new* when an earlier epoch covered its
// position deeply enough to have seen it: flux over the lowest earlier noise >= newSourceSigma.

export interface Detection {
  raDeg: number;
  decDeg: number;
  /** 1-sigma, arcsec (RA as a great-circle offset). */
  raErrArcsec: number;
  decErrArcsec: number;
  /** Peak flux, Jy/beam, after the primary beam (compared with the earlier noise for new sources). */
  peakJy: number;
}

export interface Epoch {
  /** Restoring-beam major axis FWHM, arcsec. */
  beamMajArcsec: number;
  detections: readonly Detection[];
  /** The noise (Jy/beam, after the primary beam) at a position, NaN where the epoch has no data. */
  noiseAt?: (raDeg: number, decDeg: number) => number;
}

export interface AssociationOptions {
  deRuiterLimit?: number;
  beamwidthFactor?: number;
  /** Added in quadrature to every position error (astrometric systematics between epochs), arcsec. */
  systematicArcsec?: number;
  newSourceSigma?: number;
  /** Noise of epochs measured before the first one given here (for new-source flags when resuming). */
  earlierCoverage?: ((raDeg: number, decDeg: number) => number)[];
}

export type RelationKind = 'one-to-many' | 'many-to-one';

export interface Relation {
  kind: RelationKind;
  /** The source that kept the detection, and the one related to it. */
  sourceId: number;
  relatedId: number;
  epoch: number;
}

export interface AssociatedSource {
  id: number;
  raDeg: number;
  decDeg: number;
  raErrArcsec: number;
  decErrArcsec: number;
  firstEpoch: number;
  detections: number;
  isNew: boolean;
  /** Its first flux over the lowest earlier noise at its position (NaN: no earlier coverage). */
  newSigma: number;
}

const D2R = Math.PI / 180;

/** A source's position as inverse-variance sums of offsets (arcsec) from its first detection. */
class SourceState {
  swx = 0;
  swy = 0;
  sx = 0;
  sy = 0;
  n = 0;
  isNew = false;
  newSigma = Number.NaN;
  constructor(
    readonly id: number,
    readonly ra0: number,
    readonly dec0: number,
    readonly firstEpoch: number,
  ) {}
  add(d: Detection, sys: number): void {
    let dra = d.raDeg - this.ra0;
    if (dra > 180) dra -= 360;
    if (dra < -180) dra += 360;
    const ox = dra * Math.cos(this.dec0 * D2R) * 3600;
    const oy = (d.decDeg - this.dec0) * 3600;
    const wx = 1 / (d.raErrArcsec ** 2 + sys * sys);
    const wy = 1 / (d.decErrArcsec ** 2 + sys * sys);
    this.swx += wx;
    this.swy += wy;
    this.sx += wx * ox;
    this.sy += wy * oy;
    this.n++;
  }
  get decDeg(): number {
    return this.dec0 + this.sy / this.swy / 3600;
  }
  get raDeg(): number {
    const ra = this.ra0 + this.sx / this.swx / 3600 / Math.cos(this.dec0 * D2R);
    return ((ra % 360) + 360) % 360;
  }
  /** The error of the mean position (without the systematic term). */
  errs(sys: number): [number, number] {
    return [
      Math.sqrt(Math.max(0, 1 / this.swx - (sys * sys) / this.n)),
      Math.sqrt(Math.max(0, 1 / this.swy - (sys * sys) / this.n)),
    ];
  }
}

export interface EpochResult {
  /** The source each detection joined (by index of the epoch's detections). */
  sourceOf: Int32Array;
  relations: Relation[];
  newSources: number[];
}

/** The de Ruiter radius between two positions with 1-sigma errors (arcsec). */
export function deRuiter(
  ra1: number,
  dec1: number,
  sa1: number,
  sd1: number,
  ra2: number,
  dec2: number,
  sa2: number,
  sd2: number,
): number {
  let dra = ra1 - ra2;
  if (dra > 180) dra -= 360;
  if (dra < -180) dra += 360;
  const da = dra * Math.cos(((dec1 + dec2) / 2) * D2R) * 3600;
  const dd = (dec1 - dec2) * 3600;
  return Math.sqrt((da * da) / (sa1 * sa1 + sa2 * sa2) + (dd * dd) / (sd1 * sd1 + sd2 * sd2));
}

/** Associates epochs in time order; keeps every source's running position. */
export class Associator {
  private readonly sources: SourceState[] = [];
  private readonly coverage: ((ra: number, dec: number) => number)[] = [];
  private readonly limit: number;
  private readonly bwFactor: number;
  private readonly sys: number;
  private readonly newSigma: number;

  constructor(opts: AssociationOptions = {}) {
    this.limit = opts.deRuiterLimit ?? 5.68;
    this.bwFactor = opts.beamwidthFactor ?? 1.5;
    this.sys = opts.systematicArcsec ?? 0.5;
    this.newSigma = opts.newSourceSigma ?? 5;
    this.coverage.push(...(opts.earlierCoverage ?? []));
    this.firstEpoch = this.coverage.length;
  }

  private readonly firstEpoch: number;

  /**
   * A source known from earlier epochs (its mean position and errors, arcsec, from `detections`
   * detections); returns its id in this associator.
   */
  addKnown(s: {
    raDeg: number;
    decDeg: number;
    raErrArcsec: number;
    decErrArcsec: number;
    detections: number;
  }): number {
    const st = new SourceState(this.sources.length, s.raDeg, s.decDeg, -1);
    const n = Math.max(1, s.detections);
    const sys2 = (this.sys * this.sys) / n;
    st.swx = 1 / (s.raErrArcsec ** 2 + sys2);
    st.swy = 1 / (s.decErrArcsec ** 2 + sys2);
    st.n = n;
    this.sources.push(st);
    return st.id;
  }

  /** Epochs associated by this associator. */
  get epochs(): number {
    return this.coverage.length - this.firstEpoch;
  }

  /** Associate the detections of the next epoch. */
  addEpoch(epoch: Epoch): EpochResult {
    const e = this.coverage.length;
    const dets = epoch.detections;
    const sys = this.sys;
    const radiusDeg = (this.bwFactor * epoch.beamMajArcsec) / 2 / 3600;
    // Sources sorted by declination, for a strip search.
    const order = Int32Array.from(this.sources.keys());
    const decs = new Float64Array(this.sources.length);
    const ras = new Float64Array(this.sources.length);
    // The sources' position variances (arcsec^2), systematic term included.
    const sa2 = new Float64Array(this.sources.length);
    const sd2 = new Float64Array(this.sources.length);
    for (const s of this.sources) {
      decs[s.id] = s.decDeg;
      ras[s.id] = s.raDeg;
      sa2[s.id] = 1 / s.swx;
      sd2[s.id] = 1 / s.swy;
    }
    const radius2 = (radiusDeg * 3600) ** 2;
    const limit2 = this.limit * this.limit;
    order.sort((a, b) => decs[a]! - decs[b]!);
    const sortedDec = Float64Array.from(order, (k) => decs[k]!);
    const cand: { s: number; d: number; r: number }[] = [];
    for (let d = 0; d < dets.length; d++) {
      const m = dets[d]!;
      const ma = Math.sqrt(m.raErrArcsec ** 2 + sys * sys);
      const md = Math.sqrt(m.decErrArcsec ** 2 + sys * sys);
      let lo = 0;
      let hi = sortedDec.length;
      const from = m.decDeg - radiusDeg;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sortedDec[mid]! < from) lo = mid + 1;
        else hi = mid;
      }
      const cosd = Math.cos(m.decDeg * D2R);
      for (let k = lo; k < sortedDec.length && sortedDec[k]! <= m.decDeg + radiusDeg; k++) {
        const s = order[k]!;
        let dra = ras[s]! - m.raDeg;
        if (dra > 180) dra -= 360;
        if (dra < -180) dra += 360;
        // Small angles: offsets in the tangent plane (arcsec), as the de Ruiter radius uses them.
        const da = dra * cosd * 3600;
        const dd = (decs[s]! - m.decDeg) * 3600;
        if (da * da + dd * dd > radius2) continue;
        const r2 = (da * da) / (sa2[s]! + ma * ma) + (dd * dd) / (sd2[s]! + md * md);
        if (r2 <= limit2) cand.push({ s, d, r: Math.sqrt(r2) });
      }
    }
    cand.sort((a, b) => a.r - b.r);
    const sourceOf = new Int32Array(dets.length).fill(-1);
    const taken = new Set<number>();
    const relations: Relation[] = [];
    const lostDetections: { d: number; best: number }[] = [];
    const seenDet = new Set<number>();
    for (const c of cand) {
      if (sourceOf[c.d]! >= 0) {
        // many-to-one: this source also wanted the detection; record it once.
        if (!taken.has(c.s))
          relations.push({ kind: 'many-to-one', sourceId: sourceOf[c.d]!, relatedId: c.s, epoch: e });
        continue;
      }
      if (taken.has(c.s)) {
        if (!seenDet.has(c.d)) lostDetections.push({ d: c.d, best: c.s });
        seenDet.add(c.d);
        continue;
      }
      sourceOf[c.d] = c.s;
      taken.add(c.s);
    }
    for (let d = 0; d < dets.length; d++) if (sourceOf[d]! >= 0) this.sources[sourceOf[d]!]!.add(dets[d]!, sys);
    const newSources: number[] = [];
    const oneToMany = new Map<number, number>();
    for (const l of lostDetections) if (sourceOf[l.d]! < 0) oneToMany.set(l.d, l.best);
    for (let d = 0; d < dets.length; d++) {
      if (sourceOf[d]! >= 0) continue;
      const m = dets[d]!;
      const s = new SourceState(this.sources.length, m.raDeg, m.decDeg, e);
      s.add(m, sys);
      this.sources.push(s);
      sourceOf[d] = s.id;
      const parent = oneToMany.get(d);
      if (parent !== undefined) {
        relations.push({ kind: 'one-to-many', sourceId: parent, relatedId: s.id, epoch: e });
        continue;
      }
      let minNoise = Number.POSITIVE_INFINITY;
      for (const at of this.coverage) {
        const nz = at(m.raDeg, m.decDeg);
        if (nz > 0 && nz < minNoise) minNoise = nz;
      }
      if (Number.isFinite(minNoise)) {
        s.newSigma = m.peakJy / minNoise;
        s.isNew = s.newSigma >= this.newSigma;
        if (s.isNew) newSources.push(s.id);
      }
    }
    this.coverage.push(epoch.noiseAt ?? (() => Number.NaN));
    return { sourceOf, relations, newSources };
  }

  /** The sources so far, with their inverse-variance mean positions. */
  list(): AssociatedSource[] {
    return this.sources.map((s) => {
      const [ea, ed] = s.errs(this.sys);
      return {
        id: s.id,
        raDeg: s.raDeg,
        decDeg: s.decDeg,
        raErrArcsec: ea,
        decErrArcsec: ed,
        firstEpoch: s.firstEpoch,
        detections: s.n,
        isNew: s.isNew,
        newSigma: s.newSigma,
      };
    });
  }
}
