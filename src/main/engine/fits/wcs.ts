// The one reader of an image header's description: the celestial SIN WCS (with the image size),
// the restoring beam and the spectral/Stokes axes, into the declared model of
// src/shared/model/sky-image.ts. Every image the engine reads (imaging products, mosaic inputs,
// primary beams, QA subjects, WSClean's images) goes through here.
//
// Accepted (FITS WCS Paper I, Greisen & Calabretta 2002, section 2.1; Paper II section 6.1.1):
//  - CTYPE1 = 'RA---SIN', CTYPE2 = 'DEC--SIN' (case and trailing blanks ignored);
//  - the linear step in any one of three forms:
//      CDi_j (missing elements 0);
//      CDELTi with PCi_j (missing PC elements from the unit matrix);
//      CDELTi with the AIPS rotation CROTA2 (Paper II, eq. 189), CROTA1 absent or equal;
//  - LONPOLE (default 180, 0 for a reference point at the north pole); LATPOLE is ignored
//    because a zenithal projection puts the reference point at the native pole, where it has
//    no effect;
//  - RADESYS FK5 or ICRS (or absent), EQUINOX 2000 (or absent); CUNIT1/2 'deg' (or absent).
// Rejected, each with an error naming the file, the keyword and what was expected:
//  - another projection or celestial system, or swapped axes (CTYPE1/2);
//  - PV2_1/PV2_2 other than 0 (slant orthographic, e.g. NCP);
//  - ambiguous linear steps: CD together with PC or a non-zero CROTA2, PC together with a
//    non-zero CROTA2, CROTA1 other than CROTA2;
//  - a singular step matrix, CDELTi = 0, a missing or non-finite number, |CRVAL2| > 90,
//    another RADESYS/EQUINOX (FK4, B1950, apparent places), CUNIT other than degrees;
//  - fewer than two axes, or NAXIS1/NAXIS2 not positive integers.
// Alternate descriptions (keywords with a letter suffix, e.g. CTYPE1A) are not read.
import {
  defaultLonpole,
  type CdMatrix,
  type RestoringBeam,
  type SkyGrid,
  type StokesCode,
} from '../../../shared/model/sky-image';
import type { FitsValue } from './header';

const D2R = Math.PI / 180;

type Keywords = ReadonlyMap<string, FitsValue>;

function num(kw: Keywords, key: string, file: string): number | undefined {
  const v = kw.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`${file}: header keyword ${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function need(kw: Keywords, key: string, file: string, why: string): number {
  const v = num(kw, key, file);
  if (v === undefined) throw new Error(`${file}: header keyword ${key} is missing (needed for ${why})`);
  return v;
}

function str(kw: Keywords, key: string): string | undefined {
  const v = kw.get(key);
  return v === undefined ? undefined : String(v).trim().toUpperCase();
}

/** The CD matrix from whichever of the CD, PC or CROTA2 forms the header uses (see the file comment). */
function linearStep(kw: Keywords, file: string): CdMatrix {
  const has = (prefix: string) => ['1_1', '1_2', '2_1', '2_2'].some((s) => kw.has(`${prefix}${s}`));
  const crota2 = num(kw, 'CROTA2', file);
  const crota1 = num(kw, 'CROTA1', file);
  if (crota1 !== undefined && crota1 !== 0 && crota1 !== crota2) {
    throw new Error(
      `${file}: CROTA1 = ${crota1} differs from CROTA2 = ${String(crota2)}: a skewed AIPS rotation is not supported (expected CROTA1 absent, 0 or equal to CROTA2)`,
    );
  }
  const rotated = crota2 !== undefined && crota2 !== 0;
  if (has('CD')) {
    if (has('PC'))
      throw new Error(
        `${file}: the header has both CDi_j and PCi_j keywords; expected one form of the linear transformation`,
      );
    if (rotated)
      throw new Error(
        `${file}: the header has both CDi_j and CROTA2 = ${crota2}; expected one form of the linear transformation`,
      );
    return [
      num(kw, 'CD1_1', file) ?? 0,
      num(kw, 'CD1_2', file) ?? 0,
      num(kw, 'CD2_1', file) ?? 0,
      num(kw, 'CD2_2', file) ?? 0,
    ];
  }
  const c1 = need(kw, 'CDELT1', file, 'the celestial WCS');
  const c2 = need(kw, 'CDELT2', file, 'the celestial WCS');
  if (c1 === 0 || c2 === 0)
    throw new Error(`${file}: CDELT1/CDELT2 must be nonzero (degrees per pixel), got ${c1}/${c2}`);
  if (has('PC')) {
    if (rotated)
      throw new Error(
        `${file}: the header has both PCi_j and CROTA2 = ${crota2}; expected one form of the linear transformation`,
      );
    const pc = [
      num(kw, 'PC1_1', file) ?? 1,
      num(kw, 'PC1_2', file) ?? 0,
      num(kw, 'PC2_1', file) ?? 0,
      num(kw, 'PC2_2', file) ?? 1,
    ] as const;
    return [c1 * pc[0], c1 * pc[1], c2 * pc[2], c2 * pc[3]];
  }
  if (!rotated) return [c1, 0, 0, c2];
  // The AIPS convention (Paper II, eq. 189): PC = [[cos, -sin c2/c1], [sin c1/c2, cos]].
  const r = crota2 * D2R;
  return [c1 * Math.cos(r), -Math.sin(r) * c2, Math.sin(r) * c1, c2 * Math.cos(r)];
}

/**
 * The celestial SIN WCS and size of an image header (keywords of readFitsImage or
 * FitsRowReader), or an error naming the file, the keyword and what was expected.
 */
export function skyGridFromHeader(kw: Keywords, file: string): SkyGrid {
  const t1 = str(kw, 'CTYPE1') ?? '';
  const t2 = str(kw, 'CTYPE2') ?? '';
  if (t1 !== 'RA---SIN' || t2 !== 'DEC--SIN') {
    throw new Error(
      `${file}: CTYPE1/CTYPE2 are ${JSON.stringify(t1)}/${JSON.stringify(t2)}; expected RA---SIN/DEC--SIN`,
    );
  }
  for (const k of ['PV2_1', 'PV2_2']) {
    const v = num(kw, k, file);
    if (v !== undefined && v !== 0)
      throw new Error(`${file}: ${k} = ${v}: the slant (NCP-like) SIN projection is not supported; expected 0`);
  }
  const radesys = str(kw, 'RADESYS') ?? str(kw, 'RADECSYS');
  if (radesys !== undefined && radesys !== 'FK5' && radesys !== 'ICRS')
    throw new Error(`${file}: RADESYS = '${radesys}' is not supported; expected FK5 or ICRS (J2000)`);
  const equinox = num(kw, 'EQUINOX', file);
  if (equinox !== undefined && equinox !== 2000)
    throw new Error(`${file}: EQUINOX = ${equinox} is not supported; expected 2000`);
  for (const k of ['CUNIT1', 'CUNIT2']) {
    const u = str(kw, k);
    if (u !== undefined && u !== '' && u !== 'DEG')
      throw new Error(`${file}: ${k} = '${u}' is not supported; expected 'deg'`);
  }
  const naxis = need(kw, 'NAXIS', file, 'the image size');
  if (naxis < 2) throw new Error(`${file}: NAXIS = ${naxis}; expected an image (at least 2 axes)`);
  const size = (k: string) => {
    const v = need(kw, k, file, 'the image size');
    if (!Number.isInteger(v) || v < 1) throw new Error(`${file}: ${k} = ${v}; expected a positive integer`);
    return v;
  };
  const cd = linearStep(kw, file);
  if (cd[0] * cd[3] - cd[1] * cd[2] === 0)
    throw new Error(`${file}: the pixel-to-world matrix (CDELT/PC/CD) is singular`);
  const crval2 = need(kw, 'CRVAL2', file, 'the celestial WCS');
  if (Math.abs(crval2) > 90) throw new Error(`${file}: CRVAL2 (Dec) = ${crval2} is outside [-90, 90]`);
  return {
    nx: size('NAXIS1'),
    ny: size('NAXIS2'),
    crpix1: need(kw, 'CRPIX1', file, 'the celestial WCS'),
    crpix2: need(kw, 'CRPIX2', file, 'the celestial WCS'),
    crval1: need(kw, 'CRVAL1', file, 'the celestial WCS'),
    crval2,
    cd,
    lonpole: num(kw, 'LONPOLE', file) ?? defaultLonpole(crval2),
  };
}

/** The restoring beam of BMAJ, BMIN (degrees) and BPA, or null when the header has none (or a non-positive one). */
export function restoringBeamFromHeader(kw: Keywords): RestoringBeam | null {
  const maj = kw.get('BMAJ');
  const min = kw.get('BMIN');
  const pa = kw.get('BPA');
  if (typeof maj !== 'number' || typeof min !== 'number' || !(maj > 0) || !(min > 0)) return null;
  return {
    majorArcsec: maj * 3600,
    minorArcsec: min * 3600,
    paDeg: typeof pa === 'number' && Number.isFinite(pa) ? pa : 0,
  };
}

/** The reference frequency (Hz) of the FREQ axis (axis 3 or 4), else RESTFRQ/RESTFREQ; null when none. */
export function frequencyFromHeader(kw: Keywords): number | null {
  for (let k = 3; k <= 4; k++) {
    const t = kw.get(`CTYPE${k}`);
    const v = kw.get(`CRVAL${k}`);
    if (typeof t === 'string' && t.trim().toUpperCase().startsWith('FREQ') && typeof v === 'number' && v > 0) return v;
  }
  const r = kw.get('RESTFRQ') ?? kw.get('RESTFREQ');
  return typeof r === 'number' && r > 0 ? r : null;
}

/** The width (Hz, CDELTn) of the FREQ axis (axis 3 or 4), or null when the header has none. */
export function bandwidthFromHeader(kw: Keywords): number | null {
  for (let k = 3; k <= 4; k++) {
    const t = kw.get(`CTYPE${k}`);
    const v = kw.get(`CDELT${k}`);
    if (
      typeof t === 'string' &&
      t.trim().toUpperCase().startsWith('FREQ') &&
      typeof v === 'number' &&
      Number.isFinite(v)
    )
      return v;
  }
  return null;
}

/** The STOKES axis code (axis 3 or 4), or null when the header has no STOKES axis. */
export function stokesFromHeader(kw: Keywords): StokesCode | null {
  for (let k = 3; k <= 4; k++) {
    const t = kw.get(`CTYPE${k}`);
    const v = kw.get(`CRVAL${k}`);
    if (
      typeof t === 'string' &&
      t.trim().toUpperCase() === 'STOKES' &&
      typeof v === 'number' &&
      Number.isInteger(v) &&
      v !== 0 &&
      v >= -8 &&
      v <= 4
    )
      return v;
  }
  return null;
}
