// `dsa110 db status`: the workspace's state database: file, size, schema version, rows per table.
// `dsa110 db backup [FILE]`: a consistent online copy of it.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { databaseStatus } from '../../engine/api';
import { backupDir } from '../../engine/db';
import { CliError } from '../errors';
import { withEngine } from './engine-session';
import { table } from './table';
import type { CliCommand } from './types';

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const dbCommand: CliCommand = {
  name: 'db',
  register(program, ctx) {
    const db = program.command('db').description('the state database of the workspace');
    db.command('status')
      .description(
        'database file, schema version and the number of rows in every table (creates and migrates it if needed)',
      )
      .action(async () => {
        // Opening the engine migrates the file, so the version shown is the one in use from now on.
        const status = await withEngine(ctx, (engine) => databaseStatus(engine.paths.database));
        ctx.result(status, () => {
          const current =
            status.schemaVersion === status.latestVersion ? 'current' : `this program knows ${status.latestVersion}`;
          const rows = Object.entries(status.tables).map(([name, n]) => [`  ${name}`, String(n)]);
          return [
            `database  ${status.file} (${mib(status.sizeBytes)})`,
            `schema    version ${status.schemaVersion} (${current})`,
            '',
            table(['  TABLE', 'ROWS'], rows, new Set([1])),
          ].join('\n');
        });
      });
    db.command('backup')
      .description('a consistent copy of the live database (SQLite online backup: other processes may keep working)')
      .argument('[file]', 'where to write it (default <workspace>/backups/dsa110-<UTC time>.sqlite)')
      .action(async (file?: string) => {
        const r = await withEngine(ctx, async (engine) => {
          const stamp = new Date()
            .toISOString()
            .replace(/[-:]/g, '')
            .replace(/\.\d+Z$/, 'Z');
          const dest = path.resolve(file ?? path.join(backupDir(engine.paths.database), `dsa110-${stamp}.sqlite`));
          if (existsSync(dest)) throw new CliError(`db backup: ${dest} already exists; name another file`);
          mkdirSync(path.dirname(dest), { recursive: true });
          await engine.db.backup(dest);
          // The copy must open and pass SQLite's check, or it is no backup.
          const check = new BetterSqlite3(dest, { readonly: true });
          try {
            const bad = (check.pragma('quick_check') as { quick_check: string }[]).filter(
              (x) => x.quick_check !== 'ok',
            );
            if (bad.length > 0)
              throw new CliError(
                `db backup: the copy ${dest} fails SQLite's check: ${bad.map((x) => x.quick_check).join('; ')}`,
              );
          } finally {
            check.close();
          }
          return { database: engine.paths.database, backup: dest, sizeBytes: statSync(dest).size };
        });
        ctx.result(r, () => `backed up ${r.database} to ${r.backup} (${mib(r.sizeBytes)})`);
      });
  },
};
