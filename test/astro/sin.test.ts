// The one SIN projection (src/shared/astro/sin.ts) against Paper II's spherical-trigonometry
// formulas written out independently here, its documented off-projection result (null), and
// its geometry: CRVAL at CRPIX, east left for CDELT1 < 0, LONPOLE turning the axes.
import { describe, expect, it } from 'vitest';
import { localJacobian, pixelScaleArcsec, pixelToWorld, sinFrame, worldToPixel } from '../../src/shared/astro/sin';
import { celestialWcs, CelestialWcs } from '../../src/shared/model/sky-image';

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

/** Paper II: CD -> (x, y); SIN (phi, theta); spherical rotation (eq. 2) with the pole at (crval1, crval2), phi_p = LONPOLE. */
function paperII(w: CelestialWcs, px: number, py: number): { raDeg: number; decDeg: number } | null {
  const dx = px + 1 - w.crpix1;
  const dy = py + 1 - w.crpix2;
  const x = (w.cd[0] * dx + w.cd[1] * dy) * D2R;
  const y = (w.cd[2] * dx + w.cd[3] * dy) * D2R;
  const r2 = x * x + y * y;
  if (r2 > 1) return null;
  const phi = Math.atan2(x, -y);
  const theta = Math.acos(Math.sqrt(r2));
  const dp = w.crval2 * D2R;
  const dphi = phi - w.lonpole * D2R;
  const dec = Math.asin(Math.sin(theta) * Math.sin(dp) + Math.cos(theta) * Math.cos(dp) * Math.cos(dphi));
  const dra = Math.atan2(
    -Math.cos(theta) * Math.sin(dphi),
    Math.sin(theta) * Math.cos(dp) - Math.cos(theta) * Math.sin(dp) * Math.cos(dphi),
  );
  return { raDeg: (((w.crval1 + dra * R2D) % 360) + 360) % 360, decDeg: dec * R2D };
}

const WCSES: CelestialWcs[] = [
  celestialWcs({ crval1: 128.7, crval2: 54.57, crpix1: 1025, crpix2: 1025, cdelt1: -6 / 3600, cdelt2: 6 / 3600 }),
  celestialWcs({ crval1: 0.3, crval2: -16.3, crpix1: 501, crpix2: 301, cdelt1: -20 / 3600, cdelt2: 20 / 3600 }),
  { crval1: 201.4, crval2: -43, crpix1: 400.5, crpix2: 351.25, cd: [-7e-3, -4e-3, -4e-3, 7e-3], lonpole: 180 },
  { crval1: 310, crval2: 40.7, crpix1: 300, crpix2: 300, cd: [-5e-3, 1e-3, 8e-4, 5.2e-3], lonpole: 160 },
  { crval1: 45, crval2: 10, crpix1: 100, crpix2: 120, cd: [-0.01, 0, 0, 0.01], lonpole: 245 },
];

describe('SIN projection', () => {
  it('matches the spherical-trigonometry formulas of Paper II to 1e-9 pixel, every CD and LONPOLE', () => {
    for (const w of WCSES) {
      const scale = Math.sqrt(Math.abs(w.cd[0] * w.cd[3] - w.cd[1] * w.cd[2]));
      for (let k = 0; k < 200; k++) {
        const x = (k * 37.7) % 2000;
        const y = (k * 13.3) % 1500;
        const ours = pixelToWorld(w, x, y);
        const ref = paperII(w, x, y);
        expect(ours === null).toBe(ref === null);
        if (!ours || !ref) continue;
        let dra = ours.raDeg - ref.raDeg;
        if (dra > 180) dra -= 360;
        if (dra < -180) dra += 360;
        expect(Math.abs(dra * Math.cos(ref.decDeg * D2R)) / scale).toBeLessThan(1e-9);
        expect(Math.abs(ours.decDeg - ref.decDeg) / scale).toBeLessThan(1e-9);
        const back = worldToPixel(w, ref.raDeg, ref.decDeg)!;
        expect(Math.abs(back.x - x)).toBeLessThan(1e-7);
        expect(Math.abs(back.y - y)).toBeLessThan(1e-7);
      }
    }
  });

  it('puts CRVAL at CRPIX, east to the left for CDELT1 < 0, and the pixel scale right', () => {
    const w = WCSES[0]!;
    const c = pixelToWorld(w, w.crpix1 - 1, w.crpix2 - 1)!;
    expect(c.raDeg).toBeCloseTo(w.crval1, 10);
    expect(c.decDeg).toBeCloseTo(w.crval2, 10);
    const j = localJacobian(w, w.crpix1 - 1, w.crpix2 - 1)!;
    expect(j[0]).toBeCloseTo(-6, 6);
    expect(j[3]).toBeCloseTo(6, 6);
    expect(Math.abs(j[1]) + Math.abs(j[2])).toBeLessThan(1e-6);
    expect(pixelScaleArcsec(w)).toBeCloseTo(6, 12);
  });

  it('LONPOLE 180 is the (east, north) frame; LONPOLE 180 + a turns the axes by a', () => {
    const w = WCSES[0]!;
    const f = sinFrame(w);
    const g = sinFrame({ ...w, lonpole: 210 });
    const a = 30 * D2R;
    for (let k = 0; k < 3; k++) {
      expect(g.ex[k]!).toBeCloseTo(Math.cos(a) * f.ex[k]! - Math.sin(a) * f.ey[k]!, 14);
      expect(g.ey[k]!).toBeCloseTo(Math.sin(a) * f.ex[k]! + Math.cos(a) * f.ey[k]!, 14);
      expect(g.en[k]).toBe(f.en[k]);
    }
  });

  it('returns null (never NaN) off the projection: beyond the unit disk, and on the far hemisphere', () => {
    const w = celestialWcs({ crval1: 100, crval2: 30, crpix1: 1, crpix2: 1, cdelt1: -1, cdelt2: 1 });
    // Pixels of 1 deg: 60 px is x = 60 deg = 1.047 rad > 1; (45, 45) px is r = 1.11 rad; (40, 40) px r = 0.99.
    expect(pixelToWorld(w, 60, 0)).toBeNull();
    expect(pixelToWorld(w, 45, 45)).toBeNull();
    expect(pixelToWorld(w, 40, 40)).not.toBeNull();
    expect(pixelToWorld(w, 40, 0)).not.toBeNull();
    expect(worldToPixel(w, 280, -30)).toBeNull();
    expect(worldToPixel(w, 100, -61)).toBeNull();
    expect(worldToPixel(w, 100, -59)).not.toBeNull();
    expect(localJacobian(w, 60, 0)).toBeNull();
  });

  it('validates the declared WCS: a singular CD or a Dec beyond the pole is refused, naming the field', () => {
    expect(CelestialWcs.safeParse(WCSES[3]).success).toBe(true);
    const singular = CelestialWcs.safeParse({ ...WCSES[3], cd: [1, 2, 2, 4] });
    expect(singular.success).toBe(false);
    expect(singular.error?.issues[0]?.path).toEqual(['cd']);
    const dec = CelestialWcs.safeParse({ ...WCSES[3], crval2: 95 });
    expect(dec.error?.issues[0]?.path).toEqual(['crval2']);
  });
});
