// Paged, filtered listings ("newest first" pages with a total), as the API's list requests need.
import type { Connection } from './connection';
import type { Row } from './table';

export interface PageInput {
  /** Default 100. */
  limit?: number;
  /** Default 0. */
  offset?: number;
}

/** A page of a list; `total` counts every row matching the filter, not just this page. */
export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

/** WHERE clauses with named parameters; IN-lists go through json_each so the SQL text stays fixed. */
export class Where {
  readonly clauses: string[] = [];
  readonly params: Record<string, unknown> = {};

  /** `col = value` when value is given. */
  eq(col: string, value: unknown, name = col): this {
    if (value !== undefined && value !== null) {
      this.clauses.push(`${col} = @${name}`);
      this.params[name] = value;
    }
    return this;
  }

  /** `col op value` when value is given. */
  cmp(col: string, op: '>=' | '<=' | '<' | '>', value: number | undefined, name: string): this {
    if (value !== undefined) {
      this.clauses.push(`${col} ${op} @${name}`);
      this.params[name] = value;
    }
    return this;
  }

  /** `col IN (values)` when a list is given (an empty list matches nothing). */
  in(col: string, values: readonly (string | number)[] | undefined, name: string): this {
    if (values !== undefined) {
      this.clauses.push(`${col} IN (SELECT value FROM json_each(@${name}))`);
      this.params[name] = JSON.stringify(values);
    }
    return this;
  }

  sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** Run `select` (e.g. `SELECT * FROM t AS x`) with the filter, order and page; count the total. */
export function selectPage(
  conn: Connection,
  select: string,
  from: string,
  where: Where,
  orderBy: string,
  input: PageInput,
): Page<Row> {
  const limit = Math.max(1, Math.floor(input.limit ?? 100));
  const offset = Math.max(0, Math.floor(input.offset ?? 0));
  return conn.read(() => {
    const total = (conn.stmt(`SELECT COUNT(*) AS n FROM ${from} ${where.sql()}`).get(where.params) as { n: number }).n;
    const items = conn
      .stmt(`${select} ${where.sql()} ORDER BY ${orderBy} LIMIT @_limit OFFSET @_offset`)
      .all({ ...where.params, _limit: limit, _offset: offset }) as Row[];
    return { items, total, offset, limit };
  });
}
