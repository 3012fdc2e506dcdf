// Repository for QA results (images and mosaics), mosaic tile validations and batch mosaic plans.
import { nowMjd } from '../../../../shared/model/common';
import {
  MosaicPlan,
  MosaicValidation,
  NewMosaicPlan,
  NewMosaicValidation,
  NewQaResult,
  PlanStatus,
  QaResult,
  type QaSubject,
} from '../../../../shared/model/qa';
import type { Connection } from '../connection';
import { fromRow, guarded, insertSql, notFound, toRow, validate, type Row, type TableSpec } from '../table';

const qaSpec: TableSpec<QaResult> = {
  table: 'qa_results',
  label: 'QA result',
  schema: QaResult,
  columns: {
    id: 'id',
    subject: 'subject',
    subjectId: 'subject_id',
    productId: 'product_id',
    tier: 'tier',
    verdict: 'verdict',
    metrics: { col: 'metrics_json', json: true },
    reasons: { col: 'reasons_json', json: true },
    createdMjd: 'created_mjd',
  },
};
const validationSpec: TableSpec<MosaicValidation> = {
  table: 'mosaic_validations',
  label: 'mosaic validation',
  schema: MosaicValidation,
  columns: {
    id: 'id',
    groupId: 'group_id',
    ok: 'ok',
    checks: { col: 'checks_json', json: true },
    createdMjd: 'created_mjd',
  },
};
const planSpec: TableSpec<MosaicPlan> = {
  table: 'mosaic_plans',
  label: 'mosaic plan',
  schema: MosaicPlan,
  columns: {
    id: 'id',
    name: 'name',
    params: { col: 'params_json', json: true },
    plan: { col: 'plan_json', json: true },
    status: 'status',
    jobId: 'job_id',
    mosaicId: 'mosaic_id',
    createdMjd: 'created_mjd',
    updatedMjd: 'updated_mjd',
  },
};

/** SQLite stores booleans as 0/1. */
const boolRow = (r: Row): Row => ({ ...r, ok: r.ok === 1 || r.ok === true });

export class QaRepo {
  constructor(private readonly conn: Connection) {}

  insertResult(input: NewQaResult): QaResult {
    const q = validate(this.conn, NewQaResult, 'QA result', input);
    return this.conn.write(() => {
      const row = toRow(qaSpec, { ...q, createdMjd: nowMjd() });
      const r = guarded(this.conn, qaSpec.table, qaSpec.label, row, () =>
        this.conn.stmt(insertSql(qaSpec.table, row)).run(row),
      );
      return this.requireResult(Number(r.lastInsertRowid));
    });
  }

  requireResult(id: number): QaResult {
    const row = this.conn.stmt('SELECT * FROM qa_results WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound(this.conn, qaSpec.label, `id=${id}`);
    return fromRow(this.conn, qaSpec, row);
  }

  /** The newest result for an image or mosaic. */
  latestFor(subject: QaSubject, subjectId: number): QaResult | undefined {
    const row = this.conn
      .stmt('SELECT * FROM qa_results WHERE subject = ? AND subject_id = ? ORDER BY id DESC LIMIT 1')
      .get(subject, subjectId) as Row | undefined;
    return row ? fromRow(this.conn, qaSpec, row) : undefined;
  }

  /** The newest result recorded for a product. */
  latestForProduct(productId: string): QaResult | undefined {
    const row = this.conn
      .stmt('SELECT * FROM qa_results WHERE product_id = ? ORDER BY id DESC LIMIT 1')
      .get(productId) as Row | undefined;
    return row ? fromRow(this.conn, qaSpec, row) : undefined;
  }

  /** Every result for an image or mosaic, oldest first (QA may be re-run). */
  history(subject: QaSubject, subjectId: number): QaResult[] {
    const rows = this.conn
      .stmt('SELECT * FROM qa_results WHERE subject = ? AND subject_id = ? ORDER BY id')
      .all(subject, subjectId) as Row[];
    return rows.map((r) => fromRow(this.conn, qaSpec, r));
  }

  insertValidation(input: NewMosaicValidation): MosaicValidation {
    const v = validate(this.conn, NewMosaicValidation, 'mosaic validation', input);
    return this.conn.write(() => {
      const row = { ...toRow(validationSpec, { ...v, createdMjd: nowMjd() }), ok: v.ok ? 1 : 0 };
      const r = guarded(this.conn, validationSpec.table, validationSpec.label, row, () =>
        this.conn.stmt(insertSql(validationSpec.table, row)).run(row),
      );
      const got = this.conn.stmt('SELECT * FROM mosaic_validations WHERE id = ?').get(Number(r.lastInsertRowid)) as Row;
      return fromRow(this.conn, validationSpec, boolRow(got));
    });
  }

  /** The newest validation of a mosaic group's tiles. */
  latestValidation(groupId: number): MosaicValidation | undefined {
    const row = this.conn
      .stmt('SELECT * FROM mosaic_validations WHERE group_id = ? ORDER BY id DESC LIMIT 1')
      .get(groupId) as Row | undefined;
    return row ? fromRow(this.conn, validationSpec, boolRow(row)) : undefined;
  }

  insertPlan(input: NewMosaicPlan): MosaicPlan {
    const p = validate(this.conn, NewMosaicPlan, 'mosaic plan', input);
    return this.conn.write(() => {
      const now = nowMjd();
      const row = toRow(planSpec, { status: 'planned', ...p, createdMjd: now, updatedMjd: now });
      guarded(this.conn, planSpec.table, planSpec.label, row, () =>
        this.conn.stmt(insertSql(planSpec.table, row)).run(row),
      );
      return this.requirePlan(p.name);
    });
  }

  getPlan(name: string): MosaicPlan | undefined {
    const row = this.conn.stmt('SELECT * FROM mosaic_plans WHERE name = ?').get(name) as Row | undefined;
    return row ? fromRow(this.conn, planSpec, row) : undefined;
  }

  requirePlan(name: string): MosaicPlan {
    const p = this.getPlan(name);
    if (!p) throw notFound(this.conn, planSpec.label, `name=${name}`);
    return p;
  }

  /** The plan a job builds, if any. */
  planOfJob(jobId: string): MosaicPlan | undefined {
    const row = this.conn.stmt('SELECT * FROM mosaic_plans WHERE job_id = ?').get(jobId) as Row | undefined;
    return row ? fromRow(this.conn, planSpec, row) : undefined;
  }

  listPlans(): MosaicPlan[] {
    const rows = this.conn.stmt('SELECT * FROM mosaic_plans ORDER BY created_mjd, id').all() as Row[];
    return rows.map((r) => fromRow(this.conn, planSpec, r));
  }

  updatePlan(
    name: string,
    patch: { status?: PlanStatus; jobId?: string | null; mosaicId?: number | null; plan?: MosaicPlan['plan'] },
  ): MosaicPlan {
    return this.conn.write(() => {
      const cur = this.requirePlan(name);
      const next = validate(this.conn, MosaicPlan, `update of mosaic plan ${name}`, {
        ...cur,
        ...patch,
        updatedMjd: nowMjd(),
      });
      const row = toRow(planSpec, {
        status: next.status,
        jobId: next.jobId,
        mosaicId: next.mosaicId,
        plan: next.plan,
        updatedMjd: next.updatedMjd,
      });
      const sets = Object.keys(row)
        .map((c) => `${c} = @${c}`)
        .join(', ');
      guarded(this.conn, planSpec.table, planSpec.label, row, () =>
        this.conn.stmt(`UPDATE mosaic_plans SET ${sets} WHERE name = @name`).run({ ...row, name }),
      );
      return this.requirePlan(name);
    });
  }
}
