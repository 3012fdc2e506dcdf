// `dsa110 db status`: the workspace's state database: file, size, schema version, rows per table.
import { databaseStatus } from '../../engine/api';
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
    db
      .command('status')
      .description('database file, schema version and the number of rows in every table (creates and migrates it if needed)')
      .action(async () => {
        // Opening the engine migrates the file, so the version shown is the one in use from now on.
        const status = await withEngine(ctx, (engine) => databaseStatus(engine.paths.database));
        ctx.result(status, () => {
          const current = status.schemaVersion === status.latestVersion ? 'current' : `this program knows ${status.latestVersion}`;
          const rows = Object.entries(status.tables).map(([name, n]) => [`  ${name}`, String(n)]);
          return [
            `database  ${status.file} (${mib(status.sizeBytes)})`,
            `schema    version ${status.schemaVersion} (${current})`,
            '',
            table(['  TABLE', 'ROWS'], rows, new Set([1])),
          ].join('\n');
        });
      });
  },
};
