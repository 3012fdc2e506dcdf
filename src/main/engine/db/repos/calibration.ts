// Repository for calibrators and calibration tables (with lookup by validity window).
import { nowMjd } from '../../../../shared/model/common';
import { CalTable, CalTableKind, CalTableStatus, Calibrator, NewCalTable } from '../../../../shared/model/calibration';
import type { JsonObject } from '../../../../shared/model/common';
import { CalibratorNameError, resolveCalibratorName } from '../../../../shared/catalog/calibrator-names';
import type { Connection } from '../connection';
import { fromRow, guarded, insertSql, notFound, toRow, validate, type Row, type TableSpec } from '../table';

const calSpec: TableSpec<Calibrator> = {
  table: 'calibrators',
  label: 'calibrator',
  schema: Calibrator,
  columns: {
    name: 'name',
    raDeg: 'ra_deg',
    decDeg: 'dec_deg',
    flux1400Jy: 'flux_1400_jy',
    spectralIndex: 'spectral_index',
    catalog: 'catalog',
    positionCode: 'position_code',
    uvMinKlambda: 'uv_min_klambda',
    uvMaxKlambda: 'uv_max_klambda',
    altName: 'alt_name',
    b1950Name: 'b1950_name',
  },
};
const tableSpec: TableSpec<CalTable> = {
  table: 'caltables',
  label: 'calibration table',
  schema: CalTable,
  columns: {
    id: 'id',
    path: 'path',
    kind: 'kind',
    calibrator: 'calibrator',
    msId: 'ms_id',
    refAnt: 'ref_ant',
    solveMjd: 'solve_mjd',
    validStartMjd: 'valid_start_mjd',
    validEndMjd: 'valid_end_mjd',
    params: { col: 'params_json', json: true },
    qa: { col: 'qa_json', json: true },
    status: 'status',
    createdMjd: 'created_mjd',
  },
};

export interface CalibratorQuery {
  decMinDeg?: number;
  decMaxDeg?: number;
  minFlux1400Jy?: number;
}

export class CalibrationRepo {
  constructor(private readonly conn: Connection) {}

  /** Insert or replace a calibrator by name (catalog reloads overwrite). */
  upsertCalibrator(input: Calibrator): Calibrator {
    const c = validate(this.conn, Calibrator, 'calibrator', input);
    const row = toRow(calSpec, c);
    return this.conn.write(() => {
      guarded(this.conn, calSpec.table, calSpec.label, row, () =>
        this.conn.stmt(insertSql(calSpec.table, row, 'OR REPLACE')).run(row),
      );
      return this.requireCalibrator(c.name);
    });
  }

  getCalibrator(name: string): Calibrator | undefined {
    const row = this.conn.stmt('SELECT * FROM calibrators WHERE name = ?').get(name) as Row | undefined;
    return row ? fromRow(this.conn, calSpec, row) : undefined;
  }

  /**
   * The calibrator a user's name denotes: its J2000 name with or without the J prefix, the
   * B1950 name with or without B, or its alternate name (3C286), case-insensitively (see
   * shared/catalog/calibrator-names). Undefined when none; CalibratorNameError listing the
   * candidates when several match.
   */
  findCalibrator(name: string): Calibrator | undefined {
    const entries = this.conn.stmt('SELECT name, alt_name, b1950_name FROM calibrators ORDER BY name').all() as {
      name: string;
      alt_name: string | null;
      b1950_name: string | null;
    }[];
    const r = resolveCalibratorName(
      name,
      entries.map((e) => ({ name: e.name, altName: e.alt_name, b1950Name: e.b1950_name })),
    );
    if (r.status === 'ambiguous')
      throw new CalibratorNameError(name, r.candidates, `the calibrator catalog of ${this.conn.file}`);
    return r.status === 'found' ? this.getCalibrator(r.entry.name) : undefined;
  }

  /** Does any entry carry an alternate or B1950 name? */
  hasOtherNames(): boolean {
    return (
      this.conn.stmt('SELECT 1 FROM calibrators WHERE alt_name IS NOT NULL OR b1950_name IS NOT NULL LIMIT 1').get() !==
      undefined
    );
  }

  /** Fills in missing alternate and B1950 names of existing entries (by name); returns how many rows changed. */
  fillCalibratorNames(names: readonly { name: string; altName?: string | null; b1950Name?: string | null }[]): number {
    const stmt = this.conn
      .stmt(`UPDATE calibrators SET alt_name = COALESCE(alt_name, @alt), b1950_name = COALESCE(b1950_name, @b1950)
      WHERE name = @name AND ((alt_name IS NULL AND @alt IS NOT NULL) OR (b1950_name IS NULL AND @b1950 IS NOT NULL))`);
    return this.conn.write(() =>
      names.reduce(
        (n, c) => n + stmt.run({ name: c.name, alt: c.altName ?? null, b1950: c.b1950Name ?? null }).changes,
        0,
      ),
    );
  }

  requireCalibrator(name: string): Calibrator {
    const c = this.getCalibrator(name);
    if (!c) throw notFound(this.conn, calSpec.label, `name=${name}`);
    return c;
  }

  /** Calibrators in a declination band, brightest first. */
  listCalibrators(q: CalibratorQuery = {}): Calibrator[] {
    const rows = this.conn
      .stmt(
        `SELECT * FROM calibrators
      WHERE (@dmin IS NULL OR dec_deg >= @dmin) AND (@dmax IS NULL OR dec_deg <= @dmax) AND (@smin IS NULL OR flux_1400_jy >= @smin)
      ORDER BY flux_1400_jy DESC, name`,
      )
      .all({ dmin: q.decMinDeg ?? null, dmax: q.decMaxDeg ?? null, smin: q.minFlux1400Jy ?? null }) as Row[];
    return rows.map((r) => fromRow(this.conn, calSpec, r));
  }

  insertTable(input: NewCalTable): CalTable {
    const t = validate(this.conn, NewCalTable, 'calibration table', input);
    return this.conn.write(() => {
      const row = toRow(tableSpec, { status: 'solving', params: {}, qa: {}, ...t, createdMjd: nowMjd() });
      const r = guarded(this.conn, tableSpec.table, tableSpec.label, row, () =>
        this.conn.stmt(insertSql(tableSpec.table, row)).run(row),
      );
      return this.requireTable(Number(r.lastInsertRowid));
    });
  }

  getTable(id: number): CalTable | undefined {
    const row = this.conn.stmt('SELECT * FROM caltables WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(this.conn, tableSpec, row) : undefined;
  }

  requireTable(id: number): CalTable {
    const t = this.getTable(id);
    if (!t) throw notFound(this.conn, tableSpec.label, `id=${id}`);
    return t;
  }

  getTableByPath(path: string): CalTable | undefined {
    const row = this.conn.stmt('SELECT * FROM caltables WHERE path = ?').get(path) as Row | undefined;
    return row ? fromRow(this.conn, tableSpec, row) : undefined;
  }

  /** Set a table's status, optionally replacing its QA metrics. */
  setTableStatus(id: number, status: CalTableStatus, qa?: JsonObject): CalTable {
    const s = validate(this.conn, CalTableStatus, `status of calibration table ${id}`, status);
    return this.conn.write(() => {
      const r = this.conn
        .stmt('UPDATE caltables SET status = @s, qa_json = COALESCE(@qa, qa_json) WHERE id = @id')
        .run({ s, qa: qa === undefined ? null : JSON.stringify(qa), id });
      if (r.changes === 0) throw notFound(this.conn, tableSpec.label, `id=${id}`);
      return this.requireTable(id);
    });
  }

  /**
   * `valid` tables of a kind whose validity window contains `mjd` (before or after the solve
   * time), nearest solve time first.
   */
  findValid(kind: CalTableKind, mjd: number): CalTable[] {
    const rows = this.conn
      .stmt(
        `SELECT * FROM caltables
      WHERE kind = @kind AND status = 'valid' AND valid_start_mjd <= @mjd AND valid_end_mjd >= @mjd
      ORDER BY ABS(solve_mjd - @mjd), id DESC`,
      )
      .all({ kind, mjd }) as Row[];
    return rows.map((r) => fromRow(this.conn, tableSpec, r));
  }

  listTables(q: { msId?: number; kind?: CalTableKind; status?: CalTableStatus } = {}): CalTable[] {
    const rows = this.conn
      .stmt(
        `SELECT * FROM caltables
      WHERE (@ms IS NULL OR ms_id = @ms) AND (@kind IS NULL OR kind = @kind) AND (@status IS NULL OR status = @status)
      ORDER BY solve_mjd, id`,
      )
      .all({ ms: q.msId ?? null, kind: q.kind ?? null, status: q.status ?? null }) as Row[];
    return rows.map((r) => fromRow(this.conn, tableSpec, r));
  }
}
