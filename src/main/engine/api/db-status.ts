// What the state database holds: its file, schema version and the row count of every table,
// read through a separate read-only connection so the report never writes.
import { statSync } from 'node:fs';
import { Connection, currentVersion, LATEST_VERSION } from '../db';

export interface DatabaseStatus {
  file: string;
  sizeBytes: number;
  /** Schema version found in the file. */
  schemaVersion: number;
  /** The newest schema version this program knows. */
  latestVersion: number;
  /** Table name -> rows, in name order. */
  tables: Record<string, number>;
}

export function databaseStatus(file: string): DatabaseStatus {
  const conn = new Connection(file, { readonly: true });
  try {
    return conn.read(() => {
      const names = conn.sql
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as { name: string }[];
      const tables: Record<string, number> = {};
      // Table names come from sqlite_master itself; quoting keeps any name a single identifier.
      for (const { name } of names)
        tables[name] = (
          conn.sql.prepare(`SELECT COUNT(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as { n: number }
        ).n;
      // WAL: the main file alone understates the size until a checkpoint.
      const size = [file, `${file}-wal`].reduce((s, f) => {
        try {
          return s + statSync(f).size;
        } catch {
          return s;
        }
      }, 0);
      return { file, sizeBytes: size, schemaVersion: currentVersion(conn), latestVersion: LATEST_VERSION, tables };
    });
  } finally {
    conn.close();
  }
}
