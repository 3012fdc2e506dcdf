// The mosaic grid: a SIN projection about the centre of the inputs, the inputs' pixel size, and
// the bounding box of the union of their footprints. SIN about the strip's centre suits DSA-110's
// strips (~3.5 deg x ~13 deg at one declination): the radial scale is cos(theta), so 6.5 deg from
// the centre pixels are 0.64 % smaller radially (a beam's peak in Jy/beam is unchanged), it is
// the projection the images themselves use (no second convention), and any FITS reader handles
// it. Beyond MAX_RADIUS_DEG (cos = 0.94) the distortion would matter: such mosaics are refused.
import type { Vec3 } from '../../../shared/astro/frames';
import { angleBetween, axisScalesDeg, pixelToVec, vecToPixel, vecToRadec } from '../../../shared/astro/sin';
import { celestialWcs, type CelestialWcs } from '../../../shared/model/sky-image';

/** Largest angle from the mosaic centre to any input pixel the SIN grid accepts (degrees). */
export const MAX_RADIUS_DEG = 20;

export interface GridInput {
  wcs: CelestialWcs;
  nx: number;
  ny: number;
}

export interface MosaicGrid {
  nx: number;
  ny: number;
  wcs: CelestialWcs;
  cellArcsec: number;
  projection: 'SIN';
}

/** Pixel box [x0, x1) x [y0, y1) on a grid. */
export interface PixelBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Points along the border of an nx x ny image (pixel edges at -0.5 and n - 0.5), `per` per side. */
export function borderPoints(nx: number, ny: number, per = 32): Array<[number, number]> {
  const pts: Array<[number, number]> = [];
  for (let k = 0; k <= per; k++) {
    const fx = -0.5 + (k / per) * nx;
    const fy = -0.5 + (k / per) * ny;
    pts.push([fx, -0.5], [fx, ny - 0.5], [-0.5, fy], [nx - 0.5, fy]);
  }
  return pts;
}

function centreVec(g: GridInput): Vec3 {
  const v = pixelToVec(g.wcs, (g.nx - 1) / 2, (g.ny - 1) / 2);
  if (!v) throw new Error('mosaic grid: an input image centre lies beyond its own projection horizon (bad WCS)');
  return v;
}

/** The grid that covers every input: centre = normalised mean of the input centres, cell = the finest input cell. */
export function mosaicGrid(
  inputs: readonly GridInput[],
  opts: { cellArcsec?: number; maxRadiusDeg?: number } = {},
): MosaicGrid {
  if (inputs.length === 0) throw new Error('mosaic grid: no input images');
  const sum: Vec3 = [0, 0, 0];
  for (const g of inputs) {
    const v = centreVec(g);
    for (let k = 0; k < 3; k++) sum[k] = sum[k]! + v[k]!;
  }
  const norm = Math.hypot(...sum);
  if (norm < 1e-9)
    throw new Error(
      'mosaic grid: the input centres cancel out (images spread around the sky); no single projection centre',
    );
  const centre: Vec3 = [sum[0] / norm, sum[1] / norm, sum[2] / norm];
  const { raDeg, decDeg } = vecToRadec(centre);
  const cellDeg =
    opts.cellArcsec !== undefined
      ? opts.cellArcsec / 3600
      : Math.min(...inputs.map((g) => Math.min(...axisScalesDeg(g.wcs))));
  const maxRadius = opts.maxRadiusDeg ?? MAX_RADIUS_DEG;
  const probe = celestialWcs({
    crval1: raDeg,
    crval2: decDeg,
    crpix1: 1,
    crpix2: 1,
    cdelt1: -cellDeg,
    cdelt2: cellDeg,
  });
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const g of inputs) {
    for (const [x, y] of borderPoints(g.nx, g.ny)) {
      const v = pixelToVec(g.wcs, x, y);
      if (!v) throw new Error('mosaic grid: an input image extends beyond its own projection horizon (bad WCS)');
      const r = (angleBetween(v, centre) * 180) / Math.PI;
      if (r > maxRadius) {
        throw new Error(
          `mosaic grid: the inputs reach ${r.toFixed(1)} deg from the mosaic centre (RA ${raDeg.toFixed(3)}, Dec ${decDeg.toFixed(3)}); ` +
            `the SIN mosaic grid is limited to ${maxRadius} deg (split the mosaic into shorter ones)`,
        );
      }
      const p = vecToPixel(probe, v)!;
      xmin = Math.min(xmin, p.x);
      xmax = Math.max(xmax, p.x);
      ymin = Math.min(ymin, p.y);
      ymax = Math.max(ymax, p.y);
    }
  }
  // Every pixel whose centre lies inside the union's bounding box (edges at +-0.5 of a centre).
  const x0 = Math.floor(xmin + 0.5);
  const y0 = Math.floor(ymin + 0.5);
  const nx = Math.ceil(xmax - 0.5) - x0 + 1;
  const ny = Math.ceil(ymax - 0.5) - y0 + 1;
  return {
    nx,
    ny,
    cellArcsec: cellDeg * 3600,
    projection: 'SIN',
    wcs: celestialWcs({
      crval1: raDeg,
      crval2: decDeg,
      crpix1: 1 - x0,
      crpix2: 1 - y0,
      cdelt1: -cellDeg,
      cdelt2: cellDeg,
    }),
  };
}

/** The box of grid pixels an input can cover (its border mapped onto the grid, one pixel of margin), clipped; null if none. */
export function footprint(grid: MosaicGrid, g: GridInput): PixelBox | null {
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const [x, y] of borderPoints(g.nx, g.ny)) {
    const v = pixelToVec(g.wcs, x, y);
    const p = v ? vecToPixel(grid.wcs, v) : null;
    if (!p) continue;
    xmin = Math.min(xmin, p.x);
    xmax = Math.max(xmax, p.x);
    ymin = Math.min(ymin, p.y);
    ymax = Math.max(ymax, p.y);
  }
  if (!Number.isFinite(xmin)) return null;
  const box = {
    x0: Math.max(0, Math.floor(xmin) - 1),
    x1: Math.min(grid.nx, Math.ceil(xmax) + 2),
    y0: Math.max(0, Math.floor(ymin) - 1),
    y1: Math.min(grid.ny, Math.ceil(ymax) + 2),
  };
  return box.x0 < box.x1 && box.y0 < box.y1 ? box : null;
}

/** The input rows a grid region needs: its border mapped into the input, widened by `margin` rows, clipped; null if none. */
export function inputRowsFor(
  grid: MosaicGrid,
  region: PixelBox,
  g: GridInput,
  margin: number,
): { row0: number; nrows: number } | null {
  let ymin = Infinity;
  let ymax = -Infinity;
  const w = region.x1 - region.x0;
  const h = region.y1 - region.y0;
  for (const [x, y] of borderPoints(w, h, 64)) {
    const v = pixelToVec(grid.wcs, region.x0 + x, region.y0 + y);
    const p = v ? vecToPixel(g.wcs, v) : null;
    if (!p) continue;
    ymin = Math.min(ymin, p.y);
    ymax = Math.max(ymax, p.y);
  }
  if (!Number.isFinite(ymin)) return null;
  const row0 = Math.max(0, Math.floor(ymin) - margin);
  const row1 = Math.min(g.ny, Math.ceil(ymax) + margin + 1);
  return row1 > row0 ? { row0, nrows: row1 - row0 } : null;
}
