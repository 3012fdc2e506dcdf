// Applies the schema migrations in order, each in its own BEGIN IMMEDIATE transaction, so two
// processes opening the same new file cannot both apply one.
import { nowMjd } from '../../../shared/model/common';
import type { Connection } from './connection';
import { DbError } from './errors';
import { MIGRATIONS, type Migration } from './schema';

export function currentVersion(conn: Connection): number {
  const has = conn.sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!has) return 0;
  const row = conn.sql.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** Migrate up to `target` (default: the latest). Returns the versions applied. */
export function migrate(conn: Connection, target?: number, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  const goal = target ?? latest;
  const applied: number[] = [];
  conn.write(() => {
    conn.sql.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_mjd REAL NOT NULL)`);
  });
  const found = conn.read(() => currentVersion(conn));
  if (found > latest) {
    throw new DbError(
      `${conn.file}: schema version ${found} is newer than this program knows (${latest}); use a newer dsa110-contimg`,
    );
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version > goal) break;
    conn.write(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      if (currentVersion(conn) >= m.version) return;
      try {
        conn.sql.exec(m.sql);
      } catch (err) {
        throw new DbError(
          `${conn.file}: migration ${m.version} (${m.name}) failed: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      conn.sql
        .prepare('INSERT INTO schema_migrations (version, name, applied_mjd) VALUES (?, ?, ?)')
        .run(m.version, m.name, nowMjd());
      applied.push(m.version);
    });
  }
  const fk = conn.sql.pragma('foreign_key_check') as unknown[];
  if (fk.length > 0)
    throw new DbError(`${conn.file}: foreign key check failed after migration: ${JSON.stringify(fk.slice(0, 5))}`);
  return applied;
}
