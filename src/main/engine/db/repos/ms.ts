// Repository for measurement sets.
import { nowMjd } from '../../../../shared/model/common';
import { MeasurementSet, MsStatus, NewMeasurementSet } from '../../../../shared/model/ms';
import type { Connection } from '../connection';
import { selectPage, Where, type Page, type PageInput } from '../page';
import { fromRow, guarded, insertSql, notFound, toRow, updateSql, validate, type Row, type TableSpec } from '../table';

const spec: TableSpec<MeasurementSet> = {
  table: 'measurement_sets',
  label: 'measurement set',
  schema: MeasurementSet,
  columns: {
    id: 'id',
    path: 'path',
    groupId: 'group_id',
    startMjd: 'start_mjd',
    endMjd: 'end_mjd',
    midMjd: 'mid_mjd',
    decDeg: 'dec_deg',
    phaseCenterRaDeg: 'phase_center_ra_deg',
    phaseCenterDecDeg: 'phase_center_dec_deg',
    nAntennas: 'n_antennas',
    nSpws: 'n_spws',
    nRows: 'n_rows',
    status: 'status',
    stage: 'stage',
    flaggedFraction: 'flagged_fraction',
    createdMjd: 'created_mjd',
    updatedMjd: 'updated_mjd',
  },
};

/** Fields that may change after the MS is registered. */
export const MsPatch = NewMeasurementSet.omit({ path: true }).partial();
export type MsPatch = Partial<Omit<NewMeasurementSet, 'path'>>;

export interface MsQuery {
  status?: MsStatus;
  /** mid_mjd >= fromMjd */
  fromMjd?: number;
  /** mid_mjd < toMjd */
  toMjd?: number;
  /** With decTolDeg: pointing declination within the tolerance. */
  decDeg?: number;
  decTolDeg?: number;
  groupId?: string;
  limit?: number;
}

export class MsRepo {
  constructor(private readonly conn: Connection) {}

  insert(input: NewMeasurementSet): MeasurementSet {
    const ms = validate(this.conn, NewMeasurementSet, 'measurement set', input);
    return this.conn.write(() => {
      const now = nowMjd();
      const row = toRow(spec, { status: 'converting', ...ms, createdMjd: now, updatedMjd: now });
      const r = guarded(this.conn, spec.table, spec.label, row, () =>
        this.conn.stmt(insertSql(spec.table, row)).run(row),
      );
      return this.require(Number(r.lastInsertRowid));
    });
  }

  update(id: number, patch: MsPatch): MeasurementSet {
    const p = validate(this.conn, MsPatch, `update of measurement set ${id}`, patch);
    return this.conn.write(() => {
      const row = { ...toRow(spec, { ...p, updatedMjd: nowMjd() }), id };
      const r = guarded(this.conn, spec.table, spec.label, row, () =>
        this.conn.stmt(updateSql(spec.table, row, ['id'])).run(row),
      );
      if (r.changes === 0) throw notFound(this.conn, spec.label, `id=${id}`);
      return this.require(id);
    });
  }

  get(id: number): MeasurementSet | undefined {
    const row = this.conn.stmt('SELECT * FROM measurement_sets WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(this.conn, spec, row) : undefined;
  }

  require(id: number): MeasurementSet {
    const ms = this.get(id);
    if (!ms) throw notFound(this.conn, spec.label, `id=${id}`);
    return ms;
  }

  getByPath(path: string): MeasurementSet | undefined {
    const row = this.conn.stmt('SELECT * FROM measurement_sets WHERE path = ?').get(path) as Row | undefined;
    return row ? fromRow(this.conn, spec, row) : undefined;
  }

  /** Measurement sets in time order (mid MJD). */
  list(q: MsQuery = {}): MeasurementSet[] {
    const rows = this.conn
      .stmt(
        `SELECT * FROM measurement_sets
      WHERE (@status IS NULL OR status = @status) AND (@from IS NULL OR mid_mjd >= @from) AND (@to IS NULL OR mid_mjd < @to)
        AND (@dec IS NULL OR ABS(dec_deg - @dec) <= @tol) AND (@group IS NULL OR group_id = @group)
      ORDER BY mid_mjd LIMIT @limit`,
      )
      .all({
        status: q.status ?? null,
        from: q.fromMjd ?? null,
        to: q.toMjd ?? null,
        dec: q.decDeg ?? null,
        tol: q.decTolDeg ?? 0.1,
        group: q.groupId ?? null,
        limit: q.limit ?? -1,
      }) as Row[];
    return rows.map((r) => fromRow(this.conn, spec, r));
  }
  /** A page of measurement sets, newest (mid time) first; mid time in [startMjd, endMjd]. */
  page(
    q: PageInput & {
      statuses?: readonly MsStatus[];
      groupId?: string;
      decMinDeg?: number;
      decMaxDeg?: number;
      startMjd?: number;
      endMjd?: number;
    } = {},
  ): Page<MeasurementSet> {
    const w = new Where()
      .in('status', q.statuses, 'statuses')
      .eq('group_id', q.groupId, 'groupId')
      .cmp('dec_deg', '>=', q.decMinDeg, 'decMin')
      .cmp('dec_deg', '<=', q.decMaxDeg, 'decMax')
      .cmp('mid_mjd', '>=', q.startMjd, 'startMjd')
      .cmp('mid_mjd', '<=', q.endMjd, 'endMjd');
    const p = selectPage(
      this.conn,
      'SELECT * FROM measurement_sets',
      'measurement_sets',
      w,
      'mid_mjd DESC, id DESC',
      q,
    );
    return { ...p, items: p.items.map((r) => fromRow(this.conn, spec, r)) };
  }
}
