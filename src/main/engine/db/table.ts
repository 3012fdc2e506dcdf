// Declarative mapping between a model type (camelCase, JSON values) and its table's row
// (snake_case, JSON text), with validation on the way in and out and clear constraint errors.
import type { z } from 'zod';
import type { Connection } from './connection';
import { DbConstraintError, DbNotFoundError, DbValidationError } from './errors';

export type Row = Record<string, unknown>;
type Column = string | { col: string; json: true };

export interface TableSpec<T extends object> {
  table: string;
  /** What one row is, for messages ("measurement set"). */
  label: string;
  /** Model field -> column. Fields computed by a query carry their alias here too. */
  columns: { [K in keyof T]-?: Column };
  schema: z.ZodType<T>;
}

function colName(c: Column): string {
  return typeof c === 'string' ? c : c.col;
}

export function fromRow<T extends object>(conn: Connection, spec: TableSpec<T>, row: Row): T {
  const obj: Record<string, unknown> = {};
  for (const [field, c] of Object.entries(spec.columns) as [string, Column][]) {
    const v = row[colName(c)];
    obj[field] = typeof c !== 'string' && typeof v === 'string' ? JSON.parse(v) : v;
  }
  const r = spec.schema.safeParse(obj);
  if (!r.success) throw new DbValidationError(conn.file, `${spec.label} read from table ${spec.table}`, r.error);
  return r.data;
}

/** Row values (named parameters) for the model fields present in `values`. */
export function toRow<T extends object>(spec: TableSpec<T>, values: Partial<T>): Row {
  const row: Row = {};
  for (const [field, v] of Object.entries(values)) {
    const c = (spec.columns as Record<string, Column | undefined>)[field];
    if (c === undefined || v === undefined) continue;
    row[colName(c)] = typeof c !== 'string' ? (v === null ? null : JSON.stringify(v)) : v;
  }
  return row;
}

/** Validate caller input against a schema; the error names the file, the entity and the fields. */
export function validate<S extends z.ZodType>(conn: Connection, schema: S, what: string, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new DbValidationError(conn.file, what, r.error);
  return r.data;
}

/** Run a statement, turning SQLite constraint failures into errors that explain themselves. */
export function guarded<R>(conn: Connection, table: string, label: string, values: Row, fn: () => R): R {
  try {
    return fn();
  } catch (err) {
    throw explainConstraint(conn, table, label, values, err);
  }
}

function explainConstraint(conn: Connection, table: string, label: string, values: Row, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_CONSTRAINT')) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const where = `${conn.file}: cannot write ${label} to ${table}`;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const cols = msg
      .replace(/^.*constraint failed: /, '')
      .split(',')
      .map((s) => s.trim().replace(/^\w+\./, ''));
    const shown = cols.map((c) => `${c}=${JSON.stringify(values[c])}`).join(', ');
    return new DbConstraintError(
      `${where}: a row with ${shown} already exists (${cols.join(', ')} must be unique)`,
      code,
      err,
    );
  }
  if (code === 'SQLITE_CONSTRAINT_CHECK') {
    const expr = msg.replace(/^.*constraint failed: /, '');
    const offending = Object.keys(values).filter((c) => new RegExp(`\\b${c}\\b`).test(expr));
    const shown = offending.map((c) => `${c}=${JSON.stringify(values[c])}`).join(', ');
    return new DbConstraintError(`${where}: ${shown || 'a value'} violates CHECK (${expr})`, code, err);
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    // SQLite does not say which key failed; find the reference that does not resolve.
    const fks = conn.sql.pragma(`foreign_key_list(${table})`) as { table: string; from: string; to: string | null }[];
    const missing = fks.filter((fk) => {
      const v = values[fk.from];
      if (v === null || v === undefined) return false;
      const to = fk.to ?? 'rowid';
      return conn.sql.prepare(`SELECT 1 FROM ${fk.table} WHERE ${to} = ?`).get(v) === undefined;
    });
    const detail = missing.length
      ? missing
          .map(
            (fk) =>
              `${fk.from}=${JSON.stringify(values[fk.from])} does not reference an existing ${fk.table}.${fk.to ?? 'rowid'}`,
          )
          .join('; ')
      : 'a referenced row is missing, or rows still reference this one';
    return new DbConstraintError(`${where}: foreign key failed: ${detail}`, code, err);
  }
  if (code === 'SQLITE_CONSTRAINT_NOTNULL') {
    return new DbConstraintError(`${where}: ${msg.replace(/^.*constraint failed: /, '')} is required`, code, err);
  }
  return new DbConstraintError(`${where}: ${msg}`, code, err);
}

/** Build `INSERT INTO t (a, b) VALUES (@a, @b)` for the given row. */
export function insertSql(table: string, row: Row, conflict = ''): string {
  const cols = Object.keys(row);
  return `INSERT ${conflict} INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`;
}

/** Build `UPDATE t SET a = @a WHERE key = @key` for the given row (key columns excluded from SET). */
export function updateSql(table: string, row: Row, keys: string[]): string {
  const sets = Object.keys(row)
    .filter((c) => !keys.includes(c))
    .map((c) => `${c} = @${c}`);
  return `UPDATE ${table} SET ${sets.join(', ')} WHERE ${keys.map((k) => `${k} = @${k}`).join(' AND ')}`;
}

export function notFound(conn: Connection, label: string, key: string): DbNotFoundError {
  return new DbNotFoundError(conn.file, label, key);
}
