// One SQLite file opened with the pragmas this app relies on, and the write helper that runs
// every mutation as a BEGIN IMMEDIATE transaction retried with backoff on SQLITE_BUSY.
import BetterSqlite3 from 'better-sqlite3';
import { DbBusyError } from './errors';

export interface ConnectionOptions {
  /** SQLite's own wait for a lock before reporting SQLITE_BUSY (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** Our retry budget on top of busy_timeout: total wall time before giving up (ms). Default 60000. */
  retryBudgetMs?: number;
  readonly?: boolean;
}

export interface ConnectionStats {
  /** How many times a write transaction was retried after SQLITE_BUSY. */
  busyRetries: number;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Synchronous sleep: better-sqlite3 is synchronous, so the retry loop must be too. */
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_BUSY' ||
    (typeof code === 'string' && code.startsWith('SQLITE_BUSY_')) ||
    code === 'SQLITE_LOCKED' ||
    (typeof code === 'string' && code.startsWith('SQLITE_LOCKED_'))
  );
}

export class Connection {
  readonly sql: BetterSqlite3.Database;
  readonly file: string;
  readonly stats: ConnectionStats = { busyRetries: 0 };
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private readonly retryBudgetMs: number;

  constructor(file: string, options: ConnectionOptions = {}) {
    this.file = file;
    this.retryBudgetMs = options.retryBudgetMs ?? 60_000;
    this.sql = new BetterSqlite3(file, { readonly: options.readonly ?? false });
    this.sql.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (!options.readonly) {
      // Switching to WAL needs a write lock; another process may be doing the same right now.
      this.retrying(() => {
        const mode = this.sql.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal')
          throw new Error(
            `${file}: journal_mode is '${String(mode)}', expected 'wal' (is the file on a filesystem without shared memory?)`,
          );
      });
      this.sql.pragma('synchronous = NORMAL');
    }
    this.sql.pragma('foreign_keys = ON');
  }

  /** A prepared statement, cached by its SQL text. */
  stmt(sqlText: string): BetterSqlite3.Statement {
    let s = this.statements.get(sqlText);
    if (!s) {
      s = this.sql.prepare(sqlText);
      this.statements.set(sqlText, s);
    }
    return s;
  }

  /**
   * Run `fn` in a BEGIN IMMEDIATE transaction (the write lock is taken up front, so a
   * reader never has to upgrade mid-transaction). On SQLITE_BUSY the whole transaction is
   * rolled back and retried with exponential backoff and jitter, so `fn` must only have
   * effects inside the database. Nested calls become savepoints of the outer transaction.
   */
  write<T>(fn: () => T): T {
    if (this.sql.inTransaction) return this.sql.transaction(fn)();
    return this.retrying(() => this.sql.transaction(fn).immediate());
  }

  /** Run `fn` in a read transaction: a consistent snapshot across several queries. */
  read<T>(fn: () => T): T {
    if (this.sql.inTransaction) return fn();
    return this.retrying(() => this.sql.transaction(fn).deferred());
  }

  private retrying<T>(fn: () => T): T {
    const start = Date.now();
    let delay = 2;
    for (let attempt = 1; ; attempt++) {
      try {
        return fn();
      } catch (err) {
        if (!isBusy(err)) throw err;
        const waited = Date.now() - start;
        if (waited >= this.retryBudgetMs) throw new DbBusyError(this.file, attempt, waited, err);
        this.stats.busyRetries++;
        sleepSync(Math.min(delay * (0.5 + Math.random()), this.retryBudgetMs - waited));
        delay = Math.min(delay * 2, 250);
      }
    }
  }

  close(): void {
    this.statements.clear();
    if (this.sql.open) this.sql.close();
  }
}
