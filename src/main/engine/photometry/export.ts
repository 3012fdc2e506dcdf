// Tables of sources and light curves as CSV (units in the header names) and VOTable 1.4
// (TABLEDATA, with units and UCDs, which astropy and TOPCAT read).
import type { PhotSource } from '../db/repos/photometry';
import type { LightCurveEntry } from './lightcurve';

export interface Column<T> {
  name: string;
  datatype: 'double' | 'long' | 'boolean' | 'char';
  unit?: string;
  ucd?: string;
  description: string;
  get: (row: T) => number | string | boolean | null;
}

export const SOURCE_COLUMNS: readonly Column<PhotSource>[] = [
  { name: 'name', datatype: 'char', ucd: 'meta.id;meta.main', description: 'source name', get: (s) => s.name },
  {
    name: 'ra',
    datatype: 'double',
    unit: 'deg',
    ucd: 'pos.eq.ra;meta.main',
    description: 'right ascension (J2000)',
    get: (s) => s.raDeg,
  },
  {
    name: 'dec',
    datatype: 'double',
    unit: 'deg',
    ucd: 'pos.eq.dec;meta.main',
    description: 'declination (J2000)',
    get: (s) => s.decDeg,
  },
  {
    name: 'ra_err',
    datatype: 'double',
    unit: 'arcsec',
    ucd: 'stat.error;pos.eq.ra',
    description: 'RA error (great circle)',
    get: (s) => s.raErrArcsec,
  },
  {
    name: 'dec_err',
    datatype: 'double',
    unit: 'arcsec',
    ucd: 'stat.error;pos.eq.dec',
    description: 'Dec error',
    get: (s) => s.decErrArcsec,
  },
  {
    name: 'catalog_source',
    datatype: 'boolean',
    description: 'a reference-catalog source (forced photometry)',
    get: (s) => s.refSourceId !== null,
  },
  {
    name: 'n_detections',
    datatype: 'long',
    ucd: 'meta.number',
    description: 'epochs with a detection',
    get: (s) => s.nDetections,
  },
  {
    name: 'n_forced',
    datatype: 'long',
    ucd: 'meta.number',
    description: 'epochs with a forced measurement',
    get: (s) => s.nForced,
  },
  {
    name: 'first_mjd',
    datatype: 'double',
    unit: 'd',
    ucd: 'time.start',
    description: 'first epoch (MJD UTC)',
    get: (s) => s.firstMjd,
  },
  {
    name: 'last_mjd',
    datatype: 'double',
    unit: 'd',
    ucd: 'time.end',
    description: 'last epoch (MJD UTC)',
    get: (s) => s.lastMjd,
  },
  {
    name: 'wmean_peak',
    datatype: 'double',
    unit: 'Jy/beam',
    ucd: 'phot.flux.density;stat.mean',
    description: 'weighted mean peak flux density',
    get: (s) => s.wmeanPeakJy,
  },
  {
    name: 'wmean_peak_err',
    datatype: 'double',
    unit: 'Jy/beam',
    ucd: 'stat.error;phot.flux.density',
    description: 'its error',
    get: (s) => s.wmeanPeakErrJy,
  },
  {
    name: 'wmean_int',
    datatype: 'double',
    unit: 'Jy',
    ucd: 'phot.flux.density;stat.mean',
    description: 'weighted mean integrated flux density',
    get: (s) => s.wmeanIntJy,
  },
  {
    name: 'eta_peak',
    datatype: 'double',
    ucd: 'stat.value',
    description: 'eta (reduced chi^2 about the weighted mean), peak',
    get: (s) => s.etaPeak,
  },
  { name: 'v_peak', datatype: 'double', ucd: 'stat.value', description: 'V (std / mean), peak', get: (s) => s.vPeak },
  { name: 'eta_int', datatype: 'double', ucd: 'stat.value', description: 'eta, integrated', get: (s) => s.etaInt },
  { name: 'v_int', datatype: 'double', ucd: 'stat.value', description: 'V, integrated', get: (s) => s.vInt },
  {
    name: 'vs_max',
    datatype: 'double',
    ucd: 'stat.value',
    description: 'two-epoch Vs of the most significant pair',
    get: (s) => s.vsMax,
  },
  {
    name: 'm_at_vs_max',
    datatype: 'double',
    ucd: 'stat.value',
    description: 'two-epoch modulation m of that pair',
    get: (s) => s.mAtVsMax,
  },
  {
    name: 'significant_pairs',
    datatype: 'long',
    description: 'pairs with |Vs| and |m| over the thresholds',
    get: (s) => s.significantPairs,
  },
  {
    name: 'candidate',
    datatype: 'boolean',
    description: 'variability candidate (eta/V or a Vs/m pair)',
    get: (s) => s.candidate,
  },
  {
    name: 'significance',
    datatype: 'double',
    description: '-log10 of the chi^2 tail probability of eta',
    get: (s) => s.significance,
  },
  {
    name: 'is_new',
    datatype: 'boolean',
    description: 'new: not detected where earlier epochs were deep enough',
    get: (s) => s.isNew,
  },
  {
    name: 'new_sigma',
    datatype: 'double',
    description: 'first flux over the lowest earlier noise',
    get: (s) => s.newSigma,
  },
];

export const LIGHTCURVE_COLUMNS: readonly Column<LightCurveEntry>[] = [
  { name: 'mjd', datatype: 'double', unit: 'd', ucd: 'time.epoch', description: 'epoch (MJD UTC)', get: (e) => e.mjd },
  { name: 'kind', datatype: 'char', description: 'forced or component (the finder)', get: (e) => e.kind },
  { name: 'detected', datatype: 'boolean', description: 'detected at this epoch', get: (e) => e.detected },
  {
    name: 'peak',
    datatype: 'double',
    unit: 'Jy/beam',
    ucd: 'phot.flux.density',
    description: 'peak flux density (PB-corrected)',
    get: (e) => e.peakJy,
  },
  {
    name: 'peak_err',
    datatype: 'double',
    unit: 'Jy/beam',
    ucd: 'stat.error;phot.flux.density',
    description: 'its 1-sigma error',
    get: (e) => e.peakErrJy,
  },
  {
    name: 'int',
    datatype: 'double',
    unit: 'Jy',
    ucd: 'phot.flux.density',
    description: 'integrated flux density (PB-corrected)',
    get: (e) => e.intJy,
  },
  {
    name: 'int_err',
    datatype: 'double',
    unit: 'Jy',
    ucd: 'stat.error;phot.flux.density',
    description: 'its 1-sigma error',
    get: (e) => e.intErrJy,
  },
  {
    name: 'noise',
    datatype: 'double',
    unit: 'Jy/beam',
    ucd: 'instr.det.noise',
    description: 'local noise (PB-corrected)',
    get: (e) => e.noiseJy,
  },
  {
    name: 'upper_limit',
    datatype: 'double',
    unit: 'Jy/beam',
    ucd: 'phot.flux.density;stat.max',
    description: '5-sigma upper limit where not detected',
    get: (e) => e.upperLimitJy,
  },
  {
    name: 'pb',
    datatype: 'double',
    ucd: 'instr.beam',
    description: 'primary-beam power response',
    get: (e) => e.pbResponse,
  },
  {
    name: 'image',
    datatype: 'char',
    ucd: 'meta.file',
    description: 'the image or mosaic measured',
    get: (e) => e.path,
  },
];

function csvCell(v: number | string | boolean | null): string {
  if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  if (typeof v === 'string') return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** CSV with a header row; a column with a unit is named `name [unit]`. */
export function toCsv<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const head = columns.map((c) => (c.unit ? `${c.name} [${c.unit}]` : c.name)).join(',');
  return [head, ...rows.map((r) => columns.map((c) => csvCell(c.get(r))).join(','))].join('\n') + '\n';
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A VOTable 1.4 document with one TABLEDATA table. */
export function toVoTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  meta: { name: string; description: string; params?: Record<string, string | number> },
): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '<RESOURCE type="results">',
    `<TABLE name="${xml(meta.name)}">`,
    `<DESCRIPTION>${xml(meta.description)}</DESCRIPTION>`,
  ];
  for (const [k, v] of Object.entries(meta.params ?? {})) {
    const t = typeof v === 'number' ? 'datatype="double"' : `datatype="char" arraysize="*"`;
    out.push(`<PARAM name="${xml(k)}" ${t} value="${xml(String(v))}"/>`);
  }
  for (const c of columns) {
    const attrs = [
      `name="${xml(c.name)}"`,
      `datatype="${c.datatype === 'char' ? 'char' : c.datatype}"`,
      c.datatype === 'char' ? 'arraysize="*"' : '',
      c.unit ? `unit="${xml(c.unit)}"` : '',
      c.ucd ? `ucd="${xml(c.ucd)}"` : '',
    ].filter(Boolean);
    out.push(`<FIELD ${attrs.join(' ')}><DESCRIPTION>${xml(c.description)}</DESCRIPTION>`);
    if (c.datatype === 'long') out.push('<VALUES null="-9223372036854775808"/>');
    out.push('</FIELD>');
  }
  out.push('<DATA><TABLEDATA>');
  for (const r of rows) {
    const cells = columns.map((c) => {
      const v = c.get(r);
      if (v === null || (typeof v === 'number' && !Number.isFinite(v)))
        return c.datatype === 'double'
          ? '<TD>NaN</TD>'
          : c.datatype === 'long'
            ? '<TD>-9223372036854775808</TD>'
            : '<TD/>';
      if (typeof v === 'boolean') return `<TD>${v ? 'T' : 'F'}</TD>`;
      return `<TD>${xml(String(v))}</TD>`;
    });
    out.push(`<TR>${cells.join('')}</TR>`);
  }
  out.push('</TABLEDATA></DATA>', '</TABLE>', '</RESOURCE>', '</VOTABLE>');
  return out.join('\n') + '\n';
}
