// Repository for the products registry: registration, lifecycle transitions, audit trail.
import { nowMjd } from '../../../../shared/model/common';
import {
  NewProduct,
  PRODUCT_TRANSITIONS,
  Product,
  ProductEvent,
  ProductKind,
  ProductStatus,
  canTransition,
} from '../../../../shared/model/products';
import type { Connection } from '../connection';
import { DbError } from '../errors';
import { selectPage, Where, type Page, type PageInput } from '../page';
import { fromRow, guarded, insertSql, notFound, toRow, validate, type Row, type TableSpec } from '../table';

const spec: TableSpec<Product> = {
  table: 'products',
  label: 'product',
  schema: Product,
  columns: {
    id: 'id',
    kind: 'kind',
    path: 'path',
    sha256: 'sha256',
    sizeBytes: 'size_bytes',
    metadata: { col: 'metadata_json', json: true },
    status: 'status',
    reviewer: 'reviewer',
    comment: 'comment',
    createdMjd: 'created_mjd',
    updatedMjd: 'updated_mjd',
    publishedPath: 'published_path',
  },
};
const eventSpec: TableSpec<ProductEvent> = {
  table: 'product_events',
  label: 'product event',
  schema: ProductEvent,
  columns: {
    id: 'id',
    productId: 'product_id',
    actor: 'actor',
    atMjd: 'at_mjd',
    fromStatus: 'from_status',
    toStatus: 'to_status',
    note: 'note',
  },
};

export interface TransitionOptions {
  /** Who makes the change (user name, or `pipeline` for automatic QA). */
  actor: string;
  note?: string;
  /** Required when moving to `published`. */
  publishedPath?: string;
}

export class ProductsRepo {
  constructor(private readonly conn: Connection) {}

  /** Register a new product in `staging`, with a creation event in its audit trail. */
  register(input: NewProduct, actor: string): Product {
    const p = validate(this.conn, NewProduct, 'product', input);
    return this.conn.write(() => {
      const now = nowMjd();
      const row = toRow(spec, { metadata: {}, ...p, status: 'staging', createdMjd: now, updatedMjd: now });
      guarded(this.conn, spec.table, spec.label, row, () => this.conn.stmt(insertSql(spec.table, row)).run(row));
      this.addEvent(p.id, actor, now, null, 'staging', null);
      return this.require(p.id);
    });
  }

  /**
   * Move a product along its lifecycle (see PRODUCT_TRANSITIONS). Approve/reject record the
   * actor as reviewer and the note as comment. Throws naming the allowed next states.
   */
  transition(id: string, to: ProductStatus, opts: TransitionOptions): Product {
    const target = validate(this.conn, ProductStatus, `target status of product ${id}`, to);
    if (!opts.actor.trim())
      throw new DbError(
        `${this.conn.file}: product ${id}: a transition needs an actor (a non-blank user name, or pipeline)`,
      );
    if (target === 'rejected' && !opts.note?.trim()) {
      throw new DbError(`${this.conn.file}: product ${id}: a rejection needs a comment (note) saying why`);
    }
    return this.conn.write(() => {
      const p = this.require(id);
      if (!canTransition(p.status, target)) {
        const allowed = PRODUCT_TRANSITIONS[p.status];
        throw new DbError(
          `${this.conn.file}: product ${id} is ${p.status}; cannot move to ${target} (allowed: ${allowed.length ? allowed.join(', ') : 'none, it is final'})`,
        );
      }
      if (target === 'published' && !opts.publishedPath) {
        throw new DbError(
          `${this.conn.file}: product ${id}: publishing needs publishedPath (where the file was published)`,
        );
      }
      const review = target === 'approved' || target === 'rejected';
      const now = nowMjd();
      const row = {
        id,
        status: target,
        now,
        reviewer: review ? opts.actor : p.reviewer,
        comment: review ? (opts.note ?? null) : p.comment,
        published: target === 'published' ? (opts.publishedPath ?? null) : p.publishedPath,
      };
      guarded(this.conn, spec.table, spec.label, row, () =>
        this.conn
          .stmt(
            `UPDATE products SET status = @status, updated_mjd = @now,
        reviewer = @reviewer, comment = @comment, published_path = @published WHERE id = @id`,
          )
          .run(row),
      );
      this.addEvent(id, opts.actor, now, p.status, target, opts.note ?? null);
      return this.require(id);
    });
  }

  /** Replace the metadata (e.g. QA results) of a product. */
  setMetadata(id: string, metadata: Product['metadata']): Product {
    const m = validate(this.conn, Product.shape.metadata, `metadata of product ${id}`, metadata);
    return this.conn.write(() => {
      const r = this.conn
        .stmt('UPDATE products SET metadata_json = ?, updated_mjd = ? WHERE id = ?')
        .run(JSON.stringify(m), nowMjd(), id);
      if (r.changes === 0) throw notFound(this.conn, spec.label, `id=${id}`);
      return this.require(id);
    });
  }

  get(id: string): Product | undefined {
    const row = this.conn.stmt('SELECT * FROM products WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(this.conn, spec, row) : undefined;
  }

  require(id: string): Product {
    const p = this.get(id);
    if (!p) throw notFound(this.conn, spec.label, `id=${id}`);
    return p;
  }

  getByPath(path: string): Product | undefined {
    const row = this.conn.stmt('SELECT * FROM products WHERE path = ?').get(path) as Row | undefined;
    return row ? fromRow(this.conn, spec, row) : undefined;
  }

  /** Products, most recently updated first. */
  list(q: { status?: ProductStatus; kind?: ProductKind; limit?: number } = {}): Product[] {
    const rows = this.conn
      .stmt(
        `SELECT * FROM products WHERE (@status IS NULL OR status = @status) AND (@kind IS NULL OR kind = @kind)
      ORDER BY updated_mjd DESC, id LIMIT @limit`,
      )
      .all({ status: q.status ?? null, kind: q.kind ?? null, limit: q.limit ?? -1 }) as Row[];
    return rows.map((r) => fromRow(this.conn, spec, r));
  }

  /** A page of products, newest (creation) first. */
  page(q: PageInput & { statuses?: readonly ProductStatus[]; kinds?: readonly ProductKind[] } = {}): Page<Product> {
    const w = new Where().in('status', q.statuses, 'statuses').in('kind', q.kinds, 'kinds');
    const p = selectPage(this.conn, 'SELECT * FROM products', 'products', w, 'created_mjd DESC, id DESC', q);
    return { ...p, items: p.items.map((r) => fromRow(this.conn, spec, r)) };
  }

  /** The audit trail of a product, oldest first. */
  /** Ids of the products a job registered (their metadata records the job id). */
  idsOfJob(jobId: string): string[] {
    const rows = this.conn
      .stmt("SELECT id FROM products WHERE json_extract(metadata_json, '$.jobId') = ? ORDER BY created_mjd, id")
      .all(jobId) as { id: string }[];
    return rows.map((r) => r.id);
  }

  events(id: string): ProductEvent[] {
    const rows = this.conn.stmt('SELECT * FROM product_events WHERE product_id = ? ORDER BY id').all(id) as Row[];
    return rows.map((r) => fromRow(this.conn, eventSpec, r));
  }

  private addEvent(
    productId: string,
    actor: string,
    at: number,
    from: ProductStatus | null,
    to: ProductStatus,
    note: string | null,
  ): void {
    const row = { product_id: productId, actor, at_mjd: at, from_status: from, to_status: to, note };
    guarded(this.conn, eventSpec.table, eventSpec.label, row, () =>
      this.conn.stmt(insertSql(eventSpec.table, row)).run(row),
    );
  }
}
