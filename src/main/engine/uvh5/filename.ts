// Correlator file names: `YYYY-MM-DDTHH:MM:SS_sbNN.hdf5`, the wall-clock time the file was
// opened and the subband (sb00 = highest frequency).
import { basename } from 'node:path';
import { Uvh5Error } from './errors';
import { MJD_OFFSET } from './model';

export interface CorrelatorFileName {
  /** `YYYY-MM-DDTHH:MM:SS` as in the name (UTC); also the group id. */
  timestamp: string;
  /** The same instant as a JS Date (UTC). */
  date: Date;
  /** The same instant, MJD (UTC). */
  mjd: number;
  /** 0..15 */
  subband: number;
}

export const SUBBAND_COUNT = 16;
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})_sb(\d{2})\.hdf5$/;

/** Parse a correlator file name (a bare name or a path). */
export function parseCorrelatorFileName(pathOrName: string): CorrelatorFileName {
  const name = basename(pathOrName);
  const fail = (why: string): never => {
    throw new Uvh5Error(
      pathOrName,
      'file name',
      `${why}; expected YYYY-MM-DDTHH:MM:SS_sbNN.hdf5 with NN in 00..${SUBBAND_COUNT - 1}`,
    );
  };
  if (/_incomplete\.hdf5$/.test(name)) fail('an _incomplete file is still being written');
  const m = PATTERN.exec(name);
  if (!m) return fail(`'${name}' does not match`);
  const [y, mo, d, h, mi, s, sb] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(ms);
  // Date.UTC rolls over out-of-range fields (Feb 30 -> Mar 2); a round trip catches them.
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    date.getUTCSeconds() !== s
  ) {
    fail(`'${name}' is not a valid UTC date and time`);
  }
  if (sb >= SUBBAND_COUNT) fail(`subband ${sb} is out of range`);
  return { timestamp: name.slice(0, 19), date, mjd: ms / 86400000 + 2440587.5 - MJD_OFFSET, subband: sb };
}

/** The file name the correlator gives a subband file. */
export function correlatorFileName(timestamp: string, subband: number): string {
  const name = `${timestamp}_sb${String(subband).padStart(2, '0')}.hdf5`;
  parseCorrelatorFileName(name);
  return name;
}
