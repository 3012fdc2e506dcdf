// `dsa110 doctor [--fix]`: checks that the state database and the workspace's files agree and
// names each problem with its fix; `--fix` repairs what can be repaired without losing data
// (orphans are moved to <workspace>/quarantine/<time>/, never deleted). Exit 1 while problems remain.
import { runDoctor } from '../../engine/doctor/doctor';
import { CliError } from '../errors';
import { withEngine } from './engine-session';
import type { CliCommand } from './types';

interface Options {
  fix: boolean;
  checksums: boolean;
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  register(program, ctx) {
    program
      .command('doctor')
      .description(
        'check that the database and the files agree (rows, files, orphans, partial outputs, calibration overlaps, stale locks); --fix repairs',
      )
      .option(
        '--fix',
        'repair what can be repaired: orphans and stale partials moved to <workspace>/quarantine (never deleted), stale rows and locks cleared',
        false,
      )
      .option('--no-checksums', 'skip re-reading the products to verify their sha256')
      .action(async (o: Options) => {
        const report = await withEngine(ctx, (engine) =>
          runDoctor(engine.db, engine.paths, { fix: o.fix, verifyChecksums: o.checksums }),
        );
        const open = report.problems.filter((p) => !p.fixed || p.fixed.startsWith('not repaired'));
        ctx.result({ ...report, remaining: open.length }, () => {
          const lines = [
            `checked ${report.checked.rows} database rows and ${report.checked.files} files of ${report.workspace}`,
          ];
          if (report.problems.length === 0) lines.push('no problems found');
          for (const p of report.problems) {
            lines.push(`${p.kind}: ${p.subject}: ${p.message}`);
            lines.push(
              p.fixed
                ? `  fixed: ${p.fixed}`
                : `  fix: ${p.fix}${p.fixable && !o.fix ? ' (dsa110 doctor --fix does this)' : ''}`,
            );
          }
          if (report.quarantine) lines.push(`quarantined files are in ${report.quarantine}`);
          return lines.join('\n');
        });
        if (open.length > 0)
          throw new CliError(`doctor: ${open.length} problem(s) ${o.fix ? 'remain' : 'found'} (listed above)`);
      });
  },
};
