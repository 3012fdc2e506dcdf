// Parser for the VLA calibrator manual's text list (vlacalibrators.txt): J2000 positions,
// position accuracy codes, and per-band fluxes with the uv-range limits of each entry.

export interface VlaBandFlux {
  /** Band label as written, e.g. "20cm", "0.7cm". */
  band: string;
  /** VLA band letter (P, L, C, X, U, K, Q). */
  letter: string;
  /** Calibrator quality per array configuration A, B, C, D (P good, S ok, W weak, C confused, X unusable). */
  quality: { A: string; B: string; C: string; D: string };
  /** Flux density in Jy, or null when the list gives none. */
  fluxJy: number | null;
  /** Shortest usable baseline in kilo-wavelengths, when limited. */
  uvMinKlambda: number | null;
  /** Longest usable baseline in kilo-wavelengths, when limited. */
  uvMaxKlambda: number | null;
}

export interface VlaCalibrator {
  /** IAU name from the J2000 line, e.g. "0834+555". */
  name: string;
  /** J2000 right ascension and declination in degrees. */
  raDeg: number;
  decDeg: number;
  /** Position accuracy code: A (< 0.002"), B (0.002-0.01"), C (0.01-0.15"), T (> 0.15"). */
  positionCode: string;
  /** Alternative name (e.g. 3C286) when the list gives one. */
  altName: string | null;
  /** B1950 name when present. */
  b1950Name: string | null;
  bands: VlaBandFlux[];
}

export class VlaCalibratorParseError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    message: string,
  ) {
    super(`${source}:${line}: ${message}`);
    this.name = 'VlaCalibratorParseError';
  }
}

const POSITION_LINE =
  /^\s*(\S+)\s+(J2000|B1950)\s+([A-Z])\s+(\d{1,2})h(\d{1,2})m([\d.]+)s\s+([+-]?)(\d{1,3})d(\d{1,2})'([\d.]+)"\s*(.*)$/;
// Quality codes (one letter per configuration) are absent on a few lines of the list.
const BAND_LINE = /^\s*([\d.]+cm)\s+([A-Z])(?:\s+([A-Z?])\s+([A-Z?])\s+([A-Z?])\s+([A-Z?])(?=\s|$))?(.*)$/;

/** Parse sexagesimal RA (h, m, s) to degrees. */
export function hmsToDeg(h: number, m: number, s: number): number {
  return 15 * (h + m / 60 + s / 3600);
}

/** Parse sexagesimal Dec with an explicit sign to degrees. */
export function dmsToDeg(sign: string, d: number, m: number, s: number): number {
  const v = d + m / 60 + s / 3600;
  return sign === '-' ? -v : v;
}

/**
 * The list is fixed-width, but some band lines are written three columns narrower
 * ("20cm L" instead of "20cm    L"); the UVMIN and UVMAX columns are therefore told apart
 * by their distance from the end of the flux value rather than by absolute column.
 */
function parseBandTail(tail: string): { fluxJy: number | null; uvMin: number | null; uvMax: number | null } {
  const tokens = [...tail.matchAll(/\S+/g)];
  let fluxJy: number | null = null;
  let uvMin: number | null = null;
  let uvMax: number | null = null;
  let fluxEnd = -1;
  for (const t of tokens) {
    const text = t[0];
    const end = (t.index ?? 0) + text.length;
    const value = Number(text);
    if (!Number.isFinite(value)) continue; // "visplot" and similar annotations
    if (fluxEnd < 0) {
      fluxJy = value;
      fluxEnd = end;
    } else if (end - fluxEnd <= 19 && uvMin === null && uvMax === null) {
      uvMin = value;
    } else {
      uvMax = value;
    }
  }
  return { fluxJy, uvMin, uvMax };
}

/** Parse the whole text of a VLA calibrator list. `source` names the file in errors. */
export function parseVlaCalibrators(text: string, source = 'vlacalibrators.txt'): VlaCalibrator[] {
  const lines = text.split(/\r?\n/);
  const out: VlaCalibrator[] = [];
  let current: VlaCalibrator | null = null;
  let sawHeader = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || /^[-=]+\s*$/.test(line.trim())) continue;
    if (/^\s*IAU NAME/.test(line) || /^\s*BAND\s+A B C D/.test(line)) {
      sawHeader = true;
      continue;
    }
    const pos = POSITION_LINE.exec(line);
    if (pos) {
      const [, name, equinox, code, h, m, s, sign, dd, dm, ds, rest] = pos;
      if (equinox === 'J2000') {
        current = {
          name: name ?? '',
          raDeg: hmsToDeg(Number(h), Number(m), Number(s)),
          decDeg: dmsToDeg(sign ?? '+', Number(dd), Number(dm), Number(ds)),
          positionCode: code ?? '',
          altName: null,
          b1950Name: null,
          bands: [],
        };
        // The remainder holds the position reference (e.g. "Aug01") then an optional alternative name.
        const extra = (rest ?? '')
          .trim()
          .split(/\s+/)
          .filter((t) => t.length > 0);
        const alt = extra.find(
          (t) => !/^[A-Z][a-z]{2}\d{2}$/.test(t) && !/^(JVAS|CJ\d?|VLBA|VLA|NVSS|GSFC|VERA)$/.test(t),
        );
        current.altName = alt ?? null;
        out.push(current);
      } else if (current) {
        current.b1950Name = name ?? null;
      }
      continue;
    }
    const band = BAND_LINE.exec(line);
    if (band) {
      if (!current) throw new VlaCalibratorParseError(source, i + 1, 'band line before any J2000 position line');
      const [, label, letter, qa, qb, qc, qd, tail] = band;
      const { fluxJy, uvMin, uvMax } = parseBandTail(tail ?? '');
      current.bands.push({
        band: label ?? '',
        letter: letter ?? '',
        quality: { A: qa ?? '', B: qb ?? '', C: qc ?? '', D: qd ?? '' },
        fluxJy,
        uvMinKlambda: uvMin,
        uvMaxKlambda: uvMax,
      });
      continue;
    }
    throw new VlaCalibratorParseError(
      source,
      i + 1,
      `unrecognised line (expected a J2000/B1950 position line or a band line): "${line.trim()}"`,
    );
  }
  if (!sawHeader || out.length === 0) {
    throw new VlaCalibratorParseError(
      source,
      1,
      'no calibrator entries found; expected the VLA calibrator list format (an "IAU NAME EQUINOX" header and J2000 position lines)',
    );
  }
  return out;
}

/** The flux of one band (e.g. "20cm"), or null. */
export function bandFlux(cal: VlaCalibrator, band: string): number | null {
  return cal.bands.find((b) => b.band === band)?.fluxJy ?? null;
}

/** Centre frequencies (GHz) of the VLA bands as labelled in the list. */
export const VLA_BAND_GHZ: Readonly<Record<string, number>> = {
  '90cm': 0.33,
  '20cm': 1.4,
  '6cm': 4.86,
  '3.7cm': 8.46,
  '2cm': 14.94,
  '1.3cm': 22.46,
  '0.7cm': 43.34,
};

/**
 * Spectral index between 20 cm and 6 cm fluxes (S ~ nu^alpha), or the fallback when either
 * is missing: the operational pipeline assumes -0.7 for calibrators without one.
 */
export function spectralIndex20to6(cal: VlaCalibrator, fallback = -0.7): { alpha: number; measured: boolean } {
  const s20 = bandFlux(cal, '20cm');
  const s6 = bandFlux(cal, '6cm');
  if (s20 === null || s6 === null || s20 <= 0 || s6 <= 0) return { alpha: fallback, measured: false };
  return {
    alpha: Math.log(s6 / s20) / Math.log((VLA_BAND_GHZ['6cm'] ?? 4.86) / (VLA_BAND_GHZ['20cm'] ?? 1.4)),
    measured: true,
  };
}
