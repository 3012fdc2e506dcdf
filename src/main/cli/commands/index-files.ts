// `dsa110 index --input-dir DIR`: registers correlator UVH5 files in the workspace database
// (group, subband, times, declination, size) from their metadata, without reading visibilities.
import { indexDirectory } from '../../engine/ingest/indexer';
import { withEngine } from './engine-session';
import { finiteNumber, table, utc } from './table';
import type { CliCommand } from './types';
import { CliError } from '../errors';

interface Options {
  inputDir: string;
  tolerance?: number;
}

export const indexCommand: CliCommand = {
  name: 'index',
  register(program, ctx) {
    program
      .command('index')
      .description('register correlator UVH5 files in the database, grouped into 16-subband observations')
      .requiredOption('--input-dir <dir>', 'directory holding YYYY-MM-DDTHH:MM:SS_sbNN.hdf5 files')
      .option(
        '--tolerance <s>',
        "largest offset of a file's timestamp from its group's first file, seconds (default: ingest.groupToleranceS, 60)",
        finiteNumber,
      )
      .action(async (o: Options) => {
        const progress = ctx.progress('index');
        const r = await withEngine(ctx, (engine) =>
          indexDirectory(engine.db, o.inputDir, {
            toleranceS: o.tolerance ?? engine.config.ingest.groupToleranceS,
            expectedSubbands: engine.config.ingest.expectedSubbands,
            onProgress: (done, total) => progress.update(total ? done / total : 1, `${done}/${total} files`),
          }),
        );
        progress.done();
        ctx.result(r, () => {
          const lines = [
            `scanned ${r.scanned} files: ${r.registered} registered, ${r.unchanged} already known, ${r.duplicates.length} duplicate(s), ${r.conflicts.length} conflict(s), ${r.failed.length} failed, ${r.ignored.length} ignored`,
          ];
          if (r.groups.length > 0) {
            lines.push(
              table(
                ['GROUP', 'SUBBANDS', 'STATE', 'DEC (deg)', 'START (UTC)'],
                r.groups.map((g) => [
                  g.id,
                  `${g.presentSubbands}/${g.expectedSubbands}`,
                  g.state,
                  g.decDeg === null ? '-' : g.decDeg.toFixed(3),
                  utc(g.startMjd),
                ]),
                new Set([1, 3]),
              ),
            );
          }
          for (const d of r.duplicates)
            lines.push(
              `duplicate: ${d.path} is the same file as ${d.sameAs} (group ${d.groupId}); not registered again`,
            );
          for (const m of r.moved) lines.push(`moved: ${m.from} is now at ${m.to}`);
          for (const c of r.conflicts)
            lines.push(
              `conflict: ${c.path} and ${c.registeredPath} are different files claiming sb${String(c.subband).padStart(2, '0')} of group ${c.groupId}; the group is not converted until one of them is removed (then index again)`,
            );
          for (const f of r.failed) lines.push(`failed: ${f.path}: ${f.error}`);
          for (const f of r.ignored) lines.push(`ignored: ${f.path}: ${f.error}`);
          return lines.join('\n');
        });
        if (r.failed.length > 0)
          throw new CliError(
            `index: ${r.failed.length} file(s) could not be read: ${r.failed.map((f) => (f.error.startsWith(f.path) ? f.error : `${f.path}: ${f.error}`)).join('; ')}`,
          );
        if (r.conflicts.length > 0)
          throw new CliError(
            `index: ${r.conflicts.length} conflict(s): ${r.conflicts.map((c) => `${c.path} vs ${c.registeredPath} (sb${String(c.subband).padStart(2, '0')} of ${c.groupId})`).join('; ')}`,
          );
      });
  },
};
