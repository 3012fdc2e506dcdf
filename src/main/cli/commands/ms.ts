// `dsa110 ms info PATH [--no-flags]`: what a Measurement Set holds (rows, times, spectral windows
// with frequency ranges, fields, antennas, columns, flagged fraction), read without casacore.
import { readMsSummary } from '../../engine/ms';
import { CliError } from '../errors';
import { table, utc } from './table';
import type { CliCommand } from './types';

const DAY = 86400;

export const msCommand: CliCommand = {
  name: 'ms',
  register(program, ctx) {
    const ms = program.command('ms').description('inspect Measurement Sets');
    ms.command('info')
      .description('rows, times, spectral windows, fields, antennas, columns and flagged fraction of an MS')
      .argument('<path>', 'Measurement Set directory')
      .option('--no-flags', 'skip reading FLAG (no flagged fraction; faster on large sets)')
      .action((msPath: string, o: { flags: boolean }) => {
        let s;
        try {
          s = readMsSummary(msPath, { flags: o.flags });
        } catch (e) {
          throw new CliError(`ms info: ${(e as Error).message}`);
        }
        const json = { ...s, flaggedFraction: Number.isNaN(s.flaggedFraction) ? null : s.flaggedFraction };
        ctx.result(json, () => {
          const withData = s.antennasWithData;
          const lines = [
            `${s.path}`,
            `telescope ${s.telescope || '-'}; ${s.rows} rows; ${s.ntimes} integrations of ${s.intervalS.toFixed(3)} s; ${s.baselines} baselines; correlations ${s.correlations.join(' ')}`,
            `time ${utc(s.startS / DAY)} .. ${utc(s.endS / DAY)} UTC (${(s.endS - s.startS).toFixed(1)} s)`,
            `flagged ${json.flaggedFraction === null ? '- (not read)' : `${(100 * json.flaggedFraction).toFixed(2)} %`}`,
            '',
            table(
              ['SPW', 'NAME', 'CHANNELS', 'FIRST (MHz)', 'LAST (MHz)', 'WIDTH (kHz)', 'ORDER'],
              s.spws.map((w) => [
                String(w.id),
                w.name,
                String(w.nchan),
                ((w.ascending ? w.freqMinHz : w.freqMaxHz) / 1e6).toFixed(4),
                ((w.ascending ? w.freqMaxHz : w.freqMinHz) / 1e6).toFixed(4),
                (w.chanWidthHz / 1e3).toFixed(3),
                w.ascending ? 'ascending' : 'descending',
              ]),
              new Set([0, 2, 3, 4, 5]),
            ),
            '',
            table(
              ['FIELD', 'NAME', 'RA (deg)', 'DEC (deg)'],
              s.fields.map((f) => [String(f.id), f.name, f.raDeg.toFixed(6), f.decDeg.toFixed(6)]),
              new Set([0, 2, 3]),
            ),
            '',
            `antennas: ${s.antennas.length} in the ANTENNA table, ${withData} with data (${s.antennas
              .slice(0, 3)
              .map((a) => a.name)
              .join(', ')}${s.antennas.length > 3 ? ', ...' : ''})`,
            `columns: ${s.columns.join(', ')}`,
          ];
          return lines.join('\n');
        });
      });
  },
};
