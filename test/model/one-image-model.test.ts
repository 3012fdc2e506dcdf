// One declared image model (issue 13): a grep-level guard over src/ that fails when a second SIN
// projection, a second FITS header WCS reader or a second declaration of the WCS shape appears.
// The one projection is src/shared/astro/sin.ts, the one header reader src/main/engine/fits/wcs.ts,
// the one declaration src/shared/model/sky-image.ts. Each detector is also shown to bite on a
// deliberate fixture, so the guard cannot pass by matching nothing.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx|mts|cts)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Source text without comments (so a file may explain what it does not do). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/**
 * A SIN projection implementation: pixel offsets from CRPIX turned into angles with the
 * orthographic n = sqrt(1 - l^2 - m^2) or its inverse through asin/acos, or the spherical rotation
 * about CRVAL (trigonometry of crval1/crval2).
 */
function projects(src: string): boolean {
  const c = code(src);
  const usesReference = /\bcrpix[12]\b|\bcrval[12]\b/.test(c);
  const orthographic = /Math\.sqrt\(\s*1\s*-|Math\.(asin|acos)\(/.test(c);
  const rotatesAboutReference =
    /Math\.(sin|cos)\(\s*[\w.]*crval[12]/.test(c) || /crval[12]\s*\*\s*(D2R|DEG|Math\.PI)/.test(c);
  return usesReference && (orthographic || rotatesAboutReference);
}

/** A FITS header WCS reader: a celestial or beam keyword looked up by name in a header map. */
function parsesHeader(src: string): boolean {
  return /\.get\(\s*[`'"](CTYPE|CRVAL|CRPIX|CDELT|CD[12]_[12]|PC[12]_[12]|CROTA|LONPOLE|LATPOLE|PV2_|BMAJ|BMIN|BPA|RESTFRE?Q)/.test(
    code(src),
  );
}

/** A declaration of the WCS shape: an interface or object type with crval/crpix fields, or a schema of them. */
function declaresWcs(src: string): boolean {
  const c = code(src);
  return (
    /\b(crval1|crpix1)\s*\??\s*:\s*(number|z\.|finite|DecDeg|RaDeg)/.test(c) ||
    /\bcdelt1\s*\??\s*:\s*(number|z\.)/.test(c)
  );
}

const PROJECTION = 'src/shared/astro/sin.ts';
const HEADER_READER = 'src/main/engine/fits/wcs.ts';
const DECLARATION = 'src/shared/model/sky-image.ts';

const files = sources(path.join(root, 'src')).map((f) => ({
  rel: path.relative(root, f).split(path.sep).join('/'),
  text: readFileSync(f, 'utf8'),
}));

describe('one image model in src/', () => {
  it('has exactly one SIN projection implementation (src/shared/astro/sin.ts)', () => {
    expect(files.filter((f) => projects(f.text)).map((f) => f.rel)).toEqual([PROJECTION]);
  });

  it('has exactly one FITS header WCS/beam reader (src/main/engine/fits/wcs.ts)', () => {
    expect(files.filter((f) => parsesHeader(f.text)).map((f) => f.rel)).toEqual([HEADER_READER]);
  });

  it('declares the celestial WCS once (src/shared/model/sky-image.ts)', () => {
    expect(files.filter((f) => declaresWcs(f.text)).map((f) => f.rel)).toEqual([DECLARATION]);
  });

  it('has no module left that the old copies lived in', () => {
    const rels = new Set(files.map((f) => f.rel));
    expect(['src/main/engine/qa/wcs.ts', 'src/main/engine/mosaic/wcs.ts'].filter((f) => rels.has(f))).toEqual([]);
  });
});

describe('the detectors bite', () => {
  it('finds a second projection, header reader or WCS declaration in a fixture', () => {
    expect(
      projects(
        `export function pix(w: W, x: number) { const l = w.cd[0] * (x + 1 - w.crpix1); return Math.sqrt(1 - l * l); }`,
      ),
    ).toBe(true);
    expect(projects(`const f = (w: W) => [Math.sin(w.crval1 * DEG), Math.cos(w.crval2 * DEG)];`)).toBe(true);
    expect(projects(`const dec = Math.asin(s); const ra = crval1 + d;`)).toBe(true);
    expect(parsesHeader(`const c = kw.get('CDELT1');`)).toBe(true);
    expect(parsesHeader('const r = keywords.get(`CROTA2`);')).toBe(true);
    expect(parsesHeader(`const b = img.keywords.get("BMAJ");`)).toBe(true);
    expect(declaresWcs(`export interface MyWcs { crval1: number; crval2: number }`)).toBe(true);
    expect(declaresWcs(`const S = z.object({ crpix1: z.number() });`)).toBe(true);
    expect(declaresWcs(`type G = { cdelt1: number };`)).toBe(true);
  });

  it('ignores comments and uses of the model', () => {
    expect(projects(`// Math.sqrt(1 - r2) about crval1\nconst p = pixelToWorld(w, x, y);`)).toBe(false);
    expect(parsesHeader(`/* kw.get('CDELT1') */ const g = skyGridFromHeader(kw, file);`)).toBe(false);
    expect(
      declaresWcs(`const w = celestialWcs({ crval1: 10, crval2: 20, crpix1: 1, crpix2: 1, cdelt1: -1, cdelt2: 1 });`),
    ).toBe(false);
  });
});
