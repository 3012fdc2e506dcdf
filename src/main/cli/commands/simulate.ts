// `dsa110 simulate`: DSA-110 correlator files (16 UVH5 subbands per ~309 s chunk) for a
// point-source sky with the instrument's corruptions, plus a truth file for the tests.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { NativePool } from '../../engine/native/pool';
import { simulate, TRUTH_FILE } from '../../engine/sim/simulate';
import { parseIsoUtc } from '../../../shared/astro';
import { BEAM_MODEL_NAMES, STATION_COUNT } from '../../../shared/instrument';
import { parseSourcesFile } from '../../engine/sim/sources-file';
import { finiteNumber, positiveInt, utc } from './table';
import type { CliCommand } from './types';
import { CliError, UsageError } from '../errors';

interface Options {
  out: string;
  start: string;
  minutes: number;
  dec: number;
  seed: number;
  antennas: number;
  channelsPerSubband: number;
  sources?: string;
  minFlux: number;
  gains: boolean;
  bandpass: boolean;
  noise: boolean;
  dead: number;
  flaggedFraction: number;
  rfi: boolean;
  sefd?: number;
  beam: string;
  smearing: boolean;
  overwrite: boolean;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got "${value}".`);
  return n;
}

/** Every argument checked before anything is written, each named with what was expected. */
function validate(o: Options): void {
  try {
    parseIsoUtc(o.start);
  } catch (e) {
    throw new UsageError(`simulate: --start ${JSON.stringify(o.start)}: ${(e as Error).message}`);
  }
  if (o.minutes > 24 * 60) throw new UsageError(`simulate: --minutes must be at most 1440 (one day), got ${o.minutes}`);
  if (!(o.dec > -50 && o.dec <= 90))
    throw new UsageError(
      `simulate: --dec must be a declination DSA-110 can point at (above -50, at most 90 deg), got ${o.dec}`,
    );
  if (o.antennas < 2 || o.antennas > STATION_COUNT)
    throw new UsageError(`simulate: --antennas must be from 2 to ${STATION_COUNT}, got ${o.antennas}`);
  if (o.dead >= o.antennas)
    throw new UsageError(`simulate: --dead (${o.dead}) must be fewer than --antennas (${o.antennas})`);
  if (!(o.flaggedFraction >= 0 && o.flaggedFraction < 1))
    throw new UsageError(`simulate: --flagged-fraction must be in [0, 1), got ${o.flaggedFraction}`);
  if (!(o.minFlux > 0))
    throw new UsageError(`simulate: --min-flux must be a positive flux density in Jy, got ${o.minFlux}`);
  if (o.sefd !== undefined && !(o.sefd > 0))
    throw new UsageError(`simulate: --sefd must be positive (Jy), got ${o.sefd}`);
  if (!(BEAM_MODEL_NAMES as readonly string[]).includes(o.beam))
    throw new UsageError(
      `simulate: --beam must be one of ${BEAM_MODEL_NAMES.join(', ')}, got ${JSON.stringify(o.beam)}`,
    );
}

/** Files of an earlier simulation in `dir` (its truth file and correlator files). */
function existingOutputs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) throw new UsageError(`simulate: --out ${dir} is a file; expected a directory`);
  return readdirSync(dir)
    .filter((n) => n === TRUTH_FILE || /_sb\d{2}\.hdf5$/.test(n))
    .sort();
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  register(program, ctx) {
    program
      .command('simulate')
      .description('write simulated DSA-110 correlator files (16 UVH5 subbands per 5-minute chunk) and a truth file')
      .requiredOption('--out <dir>', 'output directory')
      .requiredOption('--start <iso>', 'start of the first chunk, ISO 8601 UTC (e.g. 2026-01-15T03:00:00)')
      .requiredOption('--minutes <n>', 'minutes of data (rounded up to whole ~309 s chunks)', finiteNumber)
      .requiredOption('--dec <deg>', 'pointing declination, degrees', finiteNumber)
      .option('--seed <n>', 'random seed (sky, gains, noise)', nonNegativeInt, 1)
      .option('--antennas <n>', 'active antennas, spread over the 117 stations', positiveInt, 96)
      .option(
        '--channels-per-subband <k>',
        'channels per subband: a divisor of 48 (8 for the demo, 48 full size)',
        positiveInt,
        8,
      )
      .option(
        '--sources <file>',
        'CSV or JSON sky (name, ra_deg, dec_deg, flux_jy[, spectral_index]) instead of calibrators + random population',
      )
      .option('--min-flux <jy>', 'faintest source of the random population, Jy at 1.4 GHz', finiteNumber, 0.02)
      .option('--no-gains', 'no antenna gains')
      .option('--no-bandpass', 'no bandpass shapes')
      .option('--no-noise', 'no thermal noise')
      .option('--dead <n>', 'dead antennas (no signal, not flagged)', nonNegativeInt, 3)
      .option('--flagged-fraction <f>', 'fraction of channels flagged by the correlator', finiteNumber, 0.02)
      .option('--rfi', 'add narrow-band and bursty RFI', false)
      .option(
        '--sefd <jy>',
        'system equivalent flux density per polarisation, Jy (default from Tsys 25 K, 70 % efficiency)',
        finiteNumber,
      )
      .option('--beam <model>', 'primary-beam model of the simulated sky (airy | dsa110-cal)', 'airy')
      .option('--smearing', 'apply channel-width (bandwidth) smearing', false)
      .option('--overwrite', 'replace the files of an earlier simulation in --out (refused without it)', false)
      .action(async (o: Options) => {
        if (![1, 2, 3, 4, 6, 8, 12, 16, 24, 48].includes(o.channelsPerSubband)) {
          throw new UsageError(
            `simulate: --channels-per-subband must divide 48 (1, 2, 3, 4, 6, 8, 12, 16, 24, 48), got ${o.channelsPerSubband}`,
          );
        }
        if (o.minutes <= 0) throw new UsageError(`simulate: --minutes must be positive, got ${o.minutes}`);
        validate(o);
        const existing = existingOutputs(o.out);
        if (existing.length > 0 && !o.overwrite) {
          throw new CliError(
            `simulate: ${o.out} already holds simulated output (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? `, ... ${existing.length} in all` : ''}); nothing was written. Use --overwrite to replace it, or choose another --out`,
          );
        }
        let sources: ReturnType<typeof parseSourcesFile> | undefined;
        if (o.sources) {
          let text: string;
          try {
            if (statSync(o.sources).isDirectory()) throw new Error('is a directory; expected a CSV or JSON sky file');
            text = readFileSync(o.sources, 'utf8');
          } catch (e) {
            throw new UsageError(
              `simulate: --sources ${o.sources}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
            );
          }
          sources = parseSourcesFile(text, o.sources);
        }
        const threads = ctx.config().config.threads;
        const pool = new NativePool({ workers: threads });
        const progress = ctx.progress('simulate');
        try {
          const r = await simulate(
            {
              outDir: o.out,
              start: o.start,
              minutes: o.minutes,
              decDeg: o.dec,
              seed: o.seed,
              antennas: o.antennas,
              channelsPerSubband: o.channelsPerSubband,
              ...(sources ? { sources } : {}),
              minFluxJy: o.minFlux,
              corruptions: {
                gains: o.gains,
                bandpass: o.bandpass,
                noise: o.noise,
                deadAntennas: o.dead,
                flaggedChannelFraction: o.flaggedFraction,
                rfi: o.rfi,
                ...(o.sefd !== undefined ? { sefdJy: o.sefd } : {}),
              },
              beam: o.beam,
              smearing: o.smearing,
              threads,
              onProgress: (done, total, file) => progress.update(done / total, file),
            },
            pool,
          );
          progress.done(`${r.chunks.length * 16} files`);
          ctx.result({ outDir: r.outDir, truthFile: r.truthFile, sources: r.sources.length, chunks: r.chunks }, () =>
            [
              `wrote ${r.chunks.length} chunk(s) of 16 subband files to ${r.outDir}`,
              ...r.chunks.map((c) => `  ${c.groupId}  ${utc(c.startMjd)} .. ${utc(c.endMjd)}`),
              `sky: ${r.sources.length} sources; truth: ${r.truthFile}`,
            ].join('\n'),
          );
        } catch (e) {
          progress.fail();
          throw e;
        } finally {
          await pool.close();
        }
      });
  },
};
