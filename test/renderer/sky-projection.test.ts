// The sky view draws image footprints in the right place: the corners of an image's footprint
// (its pixel grid through its own FITS WCS, the shared SIN code) agree with an independent
// evaluation of the FITS SIN projection (Calabretta & Greisen 2002, eqs. 2 and 54 spelled out
// with trigonometry, no shared code), and the sky view's projection puts them where the image's
// own tangent plane does.
import { describe, expect, it } from 'vitest';
import {
  driftOutline,
  imageCorners,
  imageOutline,
  meridianRaDeg,
  project,
  skyProjection,
  unproject,
} from '../../src/renderer/features/sky/projection';
import type { ImageRowGeometry } from '../../src/shared/model/sky-image';

const D = Math.PI / 180;

/** FITS SIN pixel -> world, written out from the paper (LONPOLE 180, reference point off the pole). */
function referenceSin(img: ImageRowGeometry, px: number, py: number): [number, number] {
  const cell = img.cellArcsec / 3600;
  const crpix1 = Math.floor(img.widthPx / 2) + 1;
  const crpix2 = Math.floor(img.heightPx / 2) + 1;
  // Intermediate world coordinates (degrees), FITS pixel = index + 1.
  const x = -cell * (px + 1 - crpix1);
  const y = cell * (py + 1 - crpix2);
  // SIN: native spherical (phi, theta).
  const r = Math.hypot(x, y) * D; // R_theta in radians
  const phi = Math.atan2(x, -y);
  const theta = Math.acos(r);
  // Native -> celestial (eq. 2) with (alpha_p, delta_p) = (crval1, crval2), phi_p = 180 deg.
  const ap = img.centerRaDeg * D;
  const dp = img.centerDecDeg * D;
  const phiP = Math.PI;
  const sd = Math.sin(theta) * Math.sin(dp) + Math.cos(theta) * Math.cos(dp) * Math.cos(phi - phiP);
  const dec = Math.asin(sd);
  const ra =
    ap +
    Math.atan2(
      -Math.cos(theta) * Math.sin(phi - phiP),
      Math.sin(theta) * Math.cos(dp) - Math.cos(theta) * Math.sin(dp) * Math.cos(phi - phiP),
    );
  return [(((ra / D) % 360) + 360) % 360, dec / D];
}

const IMAGES: ImageRowGeometry[] = [
  // A 5-minute DSA-110 image at the 0834+555 strip, and a wide one near the pole and one at RA ~ 0.
  {
    centerRaDeg: 128.73,
    centerDecDeg: 55.57,
    widthPx: 512,
    heightPx: 512,
    cellArcsec: 6,
    beamMajorArcsec: null,
    beamMinorArcsec: null,
    beamPaDeg: null,
  },
  {
    centerRaDeg: 201.4,
    centerDecDeg: 81.2,
    widthPx: 2048,
    heightPx: 1500,
    cellArcsec: 10,
    beamMajorArcsec: null,
    beamMinorArcsec: null,
    beamPaDeg: null,
  },
  {
    centerRaDeg: 0.3,
    centerDecDeg: -12.5,
    widthPx: 1001,
    heightPx: 999,
    cellArcsec: 3,
    beamMajorArcsec: null,
    beamMinorArcsec: null,
    beamPaDeg: null,
  },
];

function sepArcsec(a: [number, number], b: [number, number]): number {
  const ca = [Math.cos(a[1] * D) * Math.cos(a[0] * D), Math.cos(a[1] * D) * Math.sin(a[0] * D), Math.sin(a[1] * D)];
  const cb = [Math.cos(b[1] * D) * Math.cos(b[0] * D), Math.cos(b[1] * D) * Math.sin(b[0] * D), Math.sin(b[1] * D)];
  const dot = ca[0]! * cb[0]! + ca[1]! * cb[1]! + ca[2]! * cb[2]!;
  const cross = Math.hypot(
    ca[1]! * cb[2]! - ca[2]! * cb[1]!,
    ca[2]! * cb[0]! - ca[0]! * cb[2]!,
    ca[0]! * cb[1]! - ca[1]! * cb[0]!,
  );
  return (Math.atan2(cross, dot) / D) * 3600;
}

describe('sky view footprints', () => {
  it.each(IMAGES)('image corners agree with the FITS SIN formulas (centre %o)', (img) => {
    const corners = imageCorners(img);
    const pix: [number, number][] = [
      [0, 0],
      [img.widthPx - 1, 0],
      [img.widthPx - 1, img.heightPx - 1],
      [0, img.heightPx - 1],
    ];
    pix.forEach(([x, y], i) => {
      // 1 micro-arcsecond: both are double-precision evaluations of the same formulas.
      expect(sepArcsec(corners[i]!, referenceSin(img, x, y))).toBeLessThan(1e-6);
    });
    // East is to the left: pixel 0 has the larger RA (unwrapped about the centre).
    const dra = (c: [number, number]) => ((((c[0] - img.centerRaDeg) % 360) + 540) % 360) - 180;
    expect(dra(corners[0]!)).toBeGreaterThan(dra(corners[1]!));
  });

  it('the sky projection about the image centre puts the corners on the image tangent plane (degrees)', () => {
    for (const img of IMAGES) {
      const p = skyProjection(img.centerRaDeg, img.centerDecDeg);
      const cell = img.cellArcsec / 3600;
      const cx = Math.floor(img.widthPx / 2);
      const cy = Math.floor(img.heightPx / 2);
      const corners = imageCorners(img);
      const pix: [number, number][] = [
        [0, 0],
        [img.widthPx - 1, 0],
        [img.widthPx - 1, img.heightPx - 1],
        [0, img.heightPx - 1],
      ];
      pix.forEach(([x, y], i) => {
        const q = project(p, corners[i]![0], corners[i]![1]);
        if (!q) throw new Error('corner off the projection');
        // Same SIN plane: x is the image's pixel offset times the cell (east left), y likewise.
        expect(q[0]).toBeCloseTo((x - cx) * cell, 9);
        expect(q[1]).toBeCloseTo((y - cy) * cell, 9);
        const back = unproject(p, q[0], q[1]);
        if (!back) throw new Error('corner off the disk');
        expect(sepArcsec([back.raDeg, back.decDeg], corners[i]!)).toBeLessThan(1e-6);
      });
    }
  });

  it('an outline passes through the corners of the pixel edges and closes around the centre', () => {
    const img = IMAGES[0]!;
    const ring = imageOutline(img, 4);
    expect(ring.length).toBe(16);
    const edge = referenceSin(img, -0.5, -0.5);
    expect(sepArcsec(ring[0]!, edge)).toBeLessThan(1e-6);
  });

  it('a drift-scan strip starts at the meridian and sweeps east at the sidereal rate', () => {
    const start = 61055.3;
    const ring = driftOutline(start, start + 1 / 24, 55.57, 12);
    const ras = ring.map((r) => r[0]);
    const decs = ring.map((r) => r[1]);
    expect(Math.min(...decs)).toBeCloseTo(55.57 - 1.5, 9);
    expect(Math.max(...decs)).toBeCloseTo(55.57 + 1.5, 9);
    const raHalf = 1.5 / Math.cos(55.57 * D);
    expect(Math.min(...ras)).toBeCloseTo(meridianRaDeg(start) - raHalf, 6);
    // One hour of sidereal rotation: 15.04 degrees.
    expect(Math.max(...ras) - Math.min(...ras) - 2 * raHalf).toBeCloseTo(15.041, 3);
  });
});
