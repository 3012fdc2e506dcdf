// `dsa110 simulate`: DSA-110 correlator files (16 UVH5 subbands per ~309 s chunk) for a
// point-source sky with the instrument's corruptions, plus a truth file for the tests.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { NativePool } from '../../engine/native/pool';
import { simulate } from '../../engine/sim/simulate';
import { parseSourcesFile } from '../../engine/sim/sources-file';
import { finiteNumber, positiveInt, utc } from './table';
import type { CliCommand } from './types';
import { UsageError } from '../errors';

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
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got "${value}".`);
  return n;
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
      .option('--channels-per-subband <k>', 'channels per subband: a divisor of 48 (8 for the demo, 48 full size)', positiveInt, 8)
      .option('--sources <file>', 'CSV or JSON sky (name, ra_deg, dec_deg, flux_jy[, spectral_index]) instead of calibrators + random population')
      .option('--min-flux <jy>', 'faintest source of the random population, Jy at 1.4 GHz', finiteNumber, 0.02)
      .option('--no-gains', 'no antenna gains')
      .option('--no-bandpass', 'no bandpass shapes')
      .option('--no-noise', 'no thermal noise')
      .option('--dead <n>', 'dead antennas (no signal, not flagged)', nonNegativeInt, 3)
      .option('--flagged-fraction <f>', 'fraction of channels flagged by the correlator', finiteNumber, 0.02)
      .option('--rfi', 'add narrow-band and bursty RFI', false)
      .option('--sefd <jy>', 'system equivalent flux density per polarisation, Jy (default from Tsys 25 K, 70 % efficiency)', finiteNumber)
      .option('--beam <model>', 'primary-beam model of the simulated sky (airy | dsa110-cal)', 'airy')
      .option('--smearing', 'apply channel-width (bandwidth) smearing', false)
      .action(async (o: Options) => {
        if (![1, 2, 3, 4, 6, 8, 12, 16, 24, 48].includes(o.channelsPerSubband)) {
          throw new UsageError(`simulate: --channels-per-subband must divide 48 (1, 2, 3, 4, 6, 8, 12, 16, 24, 48), got ${o.channelsPerSubband}`);
        }
        if (o.minutes <= 0) throw new UsageError(`simulate: --minutes must be positive, got ${o.minutes}`);
        const sources = o.sources ? parseSourcesFile(readFileSync(o.sources, 'utf8'), o.sources) : undefined;
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
          ctx.result(
            { outDir: r.outDir, truthFile: r.truthFile, sources: r.sources.length, chunks: r.chunks },
            () =>
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
