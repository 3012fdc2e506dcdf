// `dsa110 convert --input-dir DIR --output-dir DIR [--start ISO] [--end ISO] [--group ID]
// [--allow-incomplete] [--overwrite]`: indexes the input directory, then converts each selected
// 16-subband group into <output-dir>/<group>.ms (kept when already converted).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseIsoUtc } from '../../../shared/astro';
import { CONVERT_KIND, GroupConflictError, IncompleteGroupError, convertGroup } from '../../engine/convert';
import type { ConvertGroupResult } from '../../engine/convert';
import { indexDirectory } from '../../engine/ingest/indexer';
import { parseCorrelatorFileName } from '../../engine/uvh5';
import { CliError, UsageError } from '../errors';
import { interruptSignal, throwIfInterrupted } from '../signals';
import { withEngine } from './engine-session';
import { runJobHere } from './run-job';
import { table, utc } from './table';
import type { CliCommand } from './types';

interface Options {
  inputDir: string;
  outputDir: string;
  start?: string;
  end?: string;
  group?: string;
  allowIncomplete: boolean;
  overwrite: boolean;
  job: boolean;
}

interface Outcome {
  /** Files that could not be read, with the reason (a corrupt or truncated subband). */
  unreadable: { path: string; error: string }[];
  /** Copies of files already registered elsewhere (same content), not converted again. */
  duplicates: { path: string; sameAs: string }[];
  converted: ConvertGroupResult[];
  refused: { groupId: string; missingSubbands: number[]; error: string }[];
  failed: { groupId: string; error: string }[];
}

function isoOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  try {
    return parseIsoUtc(v);
  } catch (e) {
    throw new UsageError(`convert: ${name}: ${(e as Error).message}`);
  }
}

export const convertCommand: CliCommand = {
  name: 'convert',
  register(program, ctx) {
    program
      .command('convert')
      .description('convert 16-subband UVH5 groups into Measurement Sets (16 ascending SPWs, one J2000 phase centre)')
      .requiredOption('--input-dir <dir>', 'directory holding YYYY-MM-DDTHH:MM:SS_sbNN.hdf5 files (indexed first)')
      .requiredOption('--output-dir <dir>', 'where <group>.ms is written')
      .option('--start <iso>', 'only groups starting at or after this time (ISO 8601 UTC)')
      .option('--end <iso>', 'only groups starting before this time (ISO 8601 UTC)')
      .option('--group <id>', 'only this group (YYYY-MM-DDTHH:MM:SS)')
      .option('--allow-incomplete', 'convert groups with missing subbands (only the subbands present)', false)
      .option('--overwrite', 'convert again even when the MS exists and is complete', false)
      .option('--no-job', 'convert here without recording jobs (no resume)')
      .action(async (o: Options) => {
        const fromMjd = isoOption('--start', o.start);
        const toMjd = isoOption('--end', o.end);
        const inputDir = path.resolve(o.inputDir);
        if (existsSync(o.outputDir) && !statSync(o.outputDir).isDirectory())
          throw new UsageError(
            `convert: --output-dir ${o.outputDir} is a file; expected a directory (it is created when missing)`,
          );
        const progress = ctx.progress('convert');
        const out: Outcome = await withEngine(ctx, async (engine) => {
          const idx = await indexDirectory(engine.db, inputDir, {
            toleranceS: engine.config.ingest.groupToleranceS,
            expectedSubbands: engine.config.ingest.expectedSubbands,
          });
          const groups = idx.groups.filter(
            (g) =>
              (o.group === undefined || g.id === o.group) &&
              (fromMjd === undefined || g.startMjd >= fromMjd) &&
              (toMjd === undefined || g.startMjd < toMjd),
          );
          if (o.group !== undefined && groups.length === 0)
            throw new CliError(
              `convert: no group ${o.group} among the files of ${inputDir} (groups: ${idx.groups.map((g) => g.id).join(', ') || 'none'})`,
            );
          const res: Outcome = {
            unreadable: idx.failed,
            duplicates: idx.duplicates.map((d) => ({ path: d.path, sameAs: d.sameAs })),
            converted: [],
            refused: [],
            failed: [],
          };
          // A subband missing because its file is unreadable is a failure of its group, named with the reason.
          const unreadableNear = (g: { id: string; startMjd: number }, missing: number[]) =>
            idx.failed.filter((f) => {
              try {
                const p = parseCorrelatorFileName(f.path);
                // Its name is all an unreadable file has: compared with the group's name (its first file's).
                const named = parseCorrelatorFileName(`${g.id.slice(0, 19)}_sb00.hdf5`).mjd;
                return (
                  missing.includes(p.subband) &&
                  Math.min(Math.abs(p.mjd - g.startMjd), Math.abs(p.mjd - named)) * 86400 <=
                    engine.config.ingest.groupToleranceS
                );
              } catch {
                return false;
              }
            });
          if (o.job) {
            // Every group a `convert` job (resumable, its parameters and log kept); an incomplete
            // group is refused before any job is made for it.
            progress.done();
            const expected = engine.config.ingest.expectedSubbands;
            for (const g of groups) {
              throwIfInterrupted(`convert (before group ${g.id})`);
              const conflicts = engine.db.ingest.conflicts(g.id);
              if (conflicts.length > 0) {
                res.failed.push({
                  groupId: g.id,
                  error: new GroupConflictError(g.id, conflicts).message.replace(/^group \S+ /, ''),
                });
                continue;
              }
              const present = engine.db.ingest.filesOfGroup(g.id).map((f) => parseCorrelatorFileName(f.path).subband);
              const missing = Array.from({ length: expected }, (_, k) => k).filter((sb) => !present.includes(sb));
              if (missing.length > 0 && !o.allowIncomplete) {
                // A subband missing because its file is unreadable fails the group, named with the reason.
                const bad = unreadableNear(g, missing);
                if (bad.length > 0)
                  res.failed.push({
                    groupId: g.id,
                    error: `${bad.map((b) => `cannot read ${b.error.startsWith(b.path) ? b.error : `${b.path}: ${b.error}`}`).join('; ')}`,
                  });
                else
                  res.refused.push({
                    groupId: g.id,
                    missingSubbands: missing,
                    error: new IncompleteGroupError(g.id, missing, present).message,
                  });
                continue;
              }
              const params = {
                groupId: g.id,
                outputDir: path.resolve(o.outputDir),
                allowIncomplete: o.allowIncomplete,
                overwrite: o.overwrite,
                expectedSubbands: expected,
              };
              try {
                const run = await runJobHere(ctx, engine, CONVERT_KIND, params, {
                  label: `convert ${g.id}`,
                  request: { type: 'convert', params },
                });
                res.converted.push(run.outputs.get('convert') as unknown as ConvertGroupResult);
              } catch (e) {
                throwIfInterrupted(`convert of group ${g.id}`);
                res.failed.push({ groupId: g.id, error: (e as Error).message });
              }
            }
            return res;
          }
          for (const [i, g] of groups.entries()) {
            throwIfInterrupted(`convert (before group ${g.id})`);
            try {
              const r = await convertGroup(engine.db, g.id, o.outputDir, {
                allowIncomplete: o.allowIncomplete,
                overwrite: o.overwrite,
                expectedSubbands: engine.config.ingest.expectedSubbands,
                cliCommand: process.argv.slice(1).join(' '),
                application: 'dsa110-contimg convert',
                onProgress: (f, m) => progress.update((i + f) / groups.length, `${g.id}: ${m}`),
                signal: interruptSignal(),
              });
              res.converted.push(r);
            } catch (e) {
              throwIfInterrupted(`convert of group ${g.id}`);
              const bad = e instanceof IncompleteGroupError ? unreadableNear(g, e.missing) : [];
              if (bad.length > 0)
                res.failed.push({
                  groupId: g.id,
                  error: `${bad.map((b) => `cannot read ${b.error.startsWith(b.path) ? b.error : `${b.path}: ${b.error}`}`).join('; ')}`,
                });
              else if (e instanceof IncompleteGroupError)
                res.refused.push({ groupId: g.id, missingSubbands: e.missing, error: e.message });
              else if (e instanceof GroupConflictError)
                res.failed.push({ groupId: g.id, error: e.message.replace(/^group \S+ /, '') });
              else res.failed.push({ groupId: g.id, error: (e as Error).message });
            }
          }
          return res;
        });
        progress.done();
        ctx.result(out, () => {
          const lines: string[] = [];
          if (out.converted.length > 0) {
            lines.push(
              table(
                ['GROUP', 'MS', 'ROWS', 'SPWS', 'FLAGGED', 'PHASE CENTRE (J2000 deg)', 'START (UTC)', ''],
                out.converted.map((r) => [
                  r.groupId,
                  r.path,
                  String(r.rows),
                  String(r.spws),
                  `${(100 * r.flaggedFraction).toFixed(1)} %`,
                  `${r.phaseCentreRaDeg.toFixed(4)} ${r.phaseCentreDecDeg >= 0 ? '+' : ''}${r.phaseCentreDecDeg.toFixed(4)}`,
                  utc(r.startMjd),
                  r.skipped ? 'kept (already converted)' : 'written',
                ]),
                new Set([2, 3]),
              ),
            );
          } else {
            lines.push('no group converted');
          }
          for (const r of out.converted) for (const w of r.warnings) lines.push(`warning: ${w}`);
          for (const r of out.refused) lines.push(`refused: ${r.error}`);
          for (const u of out.unreadable) lines.push(`unreadable: ${u.path}: ${u.error}`);
          for (const d of out.duplicates)
            lines.push(`duplicate: ${d.path} is the same file as ${d.sameAs} (not converted again)`);
          for (const f of out.failed) lines.push(`failed: ${f.groupId}: ${f.error}`);
          return lines.join('\n');
        });
        if (out.failed.length > 0)
          throw new CliError(
            `convert: ${out.failed.length} group(s) failed: ${out.failed.map((f) => `${f.groupId}: ${f.error}`).join('; ')}`,
          );
        if (out.unreadable.length > 0)
          throw new CliError(
            `convert: ${out.unreadable.length} file(s) could not be read: ${out.unreadable.map((u) => (u.error.startsWith(u.path) ? u.error : `${u.path}: ${u.error}`)).join('; ')}`,
          );
        if (o.group !== undefined && out.refused.length > 0) throw new CliError(`convert: ${out.refused[0]!.error}`);
      });
  },
};
