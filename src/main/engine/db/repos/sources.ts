// Repository for catalog sources (with a cone search) and their photometry.
import { NewPhotometry, NewSource, Photometry, Source } from '../../../../shared/model/sources';
import type { Connection } from '../connection';
import { fromRow, guarded, insertSql, notFound, toRow, validate, type Row, type TableSpec } from '../table';

const sourceSpec: TableSpec<Source> = {
  table: 'sources',
  label: 'source',
  schema: Source,
  columns: {
    id: 'id',
    name: 'name',
    catalog: 'catalog',
    raDeg: 'ra_deg',
    decDeg: 'dec_deg',
    raErrArcsec: 'ra_err_arcsec',
    decErrArcsec: 'dec_err_arcsec',
    fluxJy: 'flux_jy',
    fluxErrJy: 'flux_err_jy',
  },
};
const photSpec: TableSpec<Photometry> = {
  table: 'photometry',
  label: 'photometry measurement',
  schema: Photometry,
  columns: {
    id: 'id',
    sourceId: 'source_id',
    productId: 'product_id',
    mjd: 'mjd',
    fluxJy: 'flux_jy',
    fluxErrJy: 'flux_err_jy',
    measure: 'measure',
  },
};

const DEG = Math.PI / 180;

/** Great-circle separation in degrees (haversine, accurate at small separations). */
export function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const s =
    Math.sin(((dec2 - dec1) * DEG) / 2) ** 2 +
    Math.cos(dec1 * DEG) * Math.cos(dec2 * DEG) * Math.sin(((ra2 - ra1) * DEG) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(s)))) / DEG;
}

export class SourcesRepo {
  constructor(private readonly conn: Connection) {}

  /** Insert a source, or update it when (catalog, name) exists; returns it. */
  upsertSource(input: NewSource): Source {
    const s = validate(this.conn, NewSource, 'source', input);
    return this.conn.write(() => {
      const row = toRow(sourceSpec, s);
      const sets = Object.keys(row)
        .filter((c) => c !== 'catalog' && c !== 'name')
        .map((c) => `${c} = excluded.${c}`);
      guarded(this.conn, sourceSpec.table, sourceSpec.label, row, () =>
        this.conn
          .stmt(`${insertSql(sourceSpec.table, row)} ON CONFLICT (catalog, name) DO UPDATE SET ${sets.join(', ')}`)
          .run(row),
      );
      const found = this.findByName(s.catalog, s.name);
      if (!found) throw notFound(this.conn, sourceSpec.label, `catalog=${s.catalog} name=${s.name}`);
      return found;
    });
  }

  getSource(id: number): Source | undefined {
    const row = this.conn.stmt('SELECT * FROM sources WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(this.conn, sourceSpec, row) : undefined;
  }

  requireSource(id: number): Source {
    const s = this.getSource(id);
    if (!s) throw notFound(this.conn, sourceSpec.label, `id=${id}`);
    return s;
  }

  findByName(catalog: string, name: string): Source | undefined {
    const row = this.conn.stmt('SELECT * FROM sources WHERE catalog = ? AND name = ?').get(catalog, name) as
      | Row
      | undefined;
    return row ? fromRow(this.conn, sourceSpec, row) : undefined;
  }

  /** Sources within `radiusDeg` of a position (optionally of one catalog), nearest first. */
  cone(raDeg: number, decDeg: number, radiusDeg: number, catalog?: string): (Source & { separationDeg: number })[] {
    // The index narrows by declination; RA is filtered exactly in JS (it wraps at 0/360 and
    // its scale shrinks with cos(dec), so a box in RA would be wrong near the poles).
    // With a catalog, the (catalog, dec, ra) index also bounds RA by the cap's exact RA extent.
    const rows =
      catalog !== undefined
        ? this.capRows(catalog, raDeg, decDeg, radiusDeg)
        : (this.conn
            .stmt(`SELECT * FROM sources WHERE dec_deg BETWEEN @lo AND @hi`)
            .all({ lo: decDeg - radiusDeg, hi: decDeg + radiusDeg }) as Row[]);
    return rows
      .map((r) => fromRow(this.conn, sourceSpec, r))
      .map((s) => ({ ...s, separationDeg: separationDeg(raDeg, decDeg, s.raDeg, s.decDeg) }))
      .filter((s) => s.separationDeg <= radiusDeg)
      .sort((a, b) => a.separationDeg - b.separationDeg);
  }

  /** Rows of one catalog in the RA/Dec box that bounds a spherical cap (index range scans). */
  private capRows(catalog: string, raDeg: number, decDeg: number, radiusDeg: number): Row[] {
    const lo = decDeg - radiusDeg;
    const hi = decDeg + radiusDeg;
    const sql =
      'SELECT * FROM sources WHERE catalog = @cat AND dec_deg BETWEEN @lo AND @hi AND ra_deg BETWEEN @ra0 AND @ra1';
    if (hi >= 90 || lo <= -90 || radiusDeg >= 90)
      return this.conn.stmt(sql).all({ cat: catalog, lo, hi, ra0: 0, ra1: 360 }) as Row[];
    // The largest RA offset on a cap of radius r centred at dec: asin(sin r / cos dec).
    const half = (Math.asin(Math.min(1, Math.sin(radiusDeg * DEG) / Math.cos(decDeg * DEG))) / DEG) * 1.000001;
    const ra = ((raDeg % 360) + 360) % 360;
    const ranges: [number, number][] =
      ra - half < 0
        ? [
            [0, ra + half],
            [ra - half + 360, 360],
          ]
        : ra + half >= 360
          ? [
              [ra - half, 360],
              [0, ra + half - 360],
            ]
          : [[ra - half, ra + half]];
    return ranges.flatMap(([ra0, ra1]) => this.conn.stmt(sql).all({ cat: catalog, lo, hi, ra0, ra1 }) as Row[]);
  }

  /**
   * Insert or update many sources of catalogs in one transaction (re-importing a catalog
   * updates its rows by (catalog, name)); returns how many were new and how many updated.
   */
  upsertMany(inputs: readonly NewSource[]): { inserted: number; updated: number } {
    return this.conn.write(() => {
      let inserted = 0;
      let updated = 0;
      const exists = this.conn.stmt('SELECT 1 FROM sources WHERE catalog = ? AND name = ?');
      for (const input of inputs) {
        const s = validate(this.conn, NewSource, 'source', input);
        const row = toRow(sourceSpec, { raErrArcsec: null, decErrArcsec: null, fluxJy: null, fluxErrJy: null, ...s });
        const sets = Object.keys(row)
          .filter((c) => c !== 'catalog' && c !== 'name')
          .map((c) => `${c} = excluded.${c}`);
        if (exists.get(s.catalog, s.name)) updated++;
        else inserted++;
        guarded(this.conn, sourceSpec.table, sourceSpec.label, row, () =>
          this.conn
            .stmt(`${insertSql(sourceSpec.table, row)} ON CONFLICT (catalog, name) DO UPDATE SET ${sets.join(', ')}`)
            .run(row),
        );
      }
      return { inserted, updated };
    });
  }

  /** The catalogs held, with their source counts and declination ranges. */
  catalogs(): { catalog: string; count: number; minDecDeg: number; maxDecDeg: number }[] {
    const rows = this.conn
      .stmt(
        `SELECT catalog, COUNT(*) AS n, MIN(dec_deg) AS lo, MAX(dec_deg) AS hi FROM sources GROUP BY catalog ORDER BY catalog`,
      )
      .all() as { catalog: string; n: number; lo: number; hi: number }[];
    return rows.map((r) => ({ catalog: r.catalog, count: r.n, minDecDeg: r.lo, maxDecDeg: r.hi }));
  }

  addPhotometry(input: NewPhotometry): Photometry {
    const p = validate(this.conn, NewPhotometry, 'photometry measurement', input);
    return this.conn.write(() => {
      const row = toRow(photSpec, p);
      const r = guarded(this.conn, photSpec.table, photSpec.label, row, () =>
        this.conn.stmt(insertSql(photSpec.table, row)).run(row),
      );
      const got = this.conn.stmt('SELECT * FROM photometry WHERE id = ?').get(Number(r.lastInsertRowid)) as Row;
      return fromRow(this.conn, photSpec, got);
    });
  }

  /** A source's light curve, in time order. */
  photometryOf(sourceId: number): Photometry[] {
    const rows = this.conn.stmt('SELECT * FROM photometry WHERE source_id = ? ORDER BY mjd, id').all(sourceId) as Row[];
    return rows.map((r) => fromRow(this.conn, photSpec, r));
  }

  photometryOfProduct(productId: string): Photometry[] {
    const rows = this.conn
      .stmt('SELECT * FROM photometry WHERE product_id = ? ORDER BY source_id, id')
      .all(productId) as Row[];
    return rows.map((r) => fromRow(this.conn, photSpec, r));
  }
}
