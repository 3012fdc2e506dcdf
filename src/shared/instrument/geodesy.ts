// WGS84 geodetic <-> Earth-centred Earth-fixed (ECEF/ITRF) <-> local east-north-up (ENU).
// Conventions: latitude/longitude in degrees (east positive), heights and coordinates in metres.
// ECEF here is the ITRF-like frame of the station survey; polar motion is neglected throughout
// the project (<= 0.5" of pole offset: it moves the array's orientation, not its baselines' lengths).

/** WGS84 semi-major axis (m). */
export const WGS84_A = 6378137.0;
/** WGS84 flattening. */
export const WGS84_F = 1 / 298.257223563;
/** WGS84 first eccentricity squared. */
export const WGS84_E2 = WGS84_F * (2 - WGS84_F);

export interface Geodetic {
  latitudeDeg: number;
  longitudeDeg: number;
  /** Height above the WGS84 ellipsoid (m). */
  heightM: number;
}

/** A 3-vector in metres: ECEF (x, y, z) or ENU (east, north, up) depending on context. */
export type Vec3 = readonly [number, number, number];

const DEG = Math.PI / 180;

function checkGeodetic(g: Geodetic, what: string): void {
  if (!Number.isFinite(g.latitudeDeg) || Math.abs(g.latitudeDeg) > 90) {
    throw new RangeError(`${what}.latitudeDeg: expected degrees in [-90, 90], got ${g.latitudeDeg}`);
  }
  if (!Number.isFinite(g.longitudeDeg))
    throw new RangeError(`${what}.longitudeDeg: expected finite degrees, got ${g.longitudeDeg}`);
  if (!Number.isFinite(g.heightM)) throw new RangeError(`${what}.heightM: expected finite metres, got ${g.heightM}`);
}

/** WGS84 geodetic -> ECEF (m). */
export function geodeticToEcef(g: Geodetic): Vec3 {
  checkGeodetic(g, 'geodeticToEcef(g)');
  const lat = g.latitudeDeg * DEG;
  const lon = g.longitudeDeg * DEG;
  const sinLat = Math.sin(lat);
  const cosLat = Math.cos(lat);
  const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * sinLat * sinLat); // prime-vertical radius
  return [
    (n + g.heightM) * cosLat * Math.cos(lon),
    (n + g.heightM) * cosLat * Math.sin(lon),
    (n * (1 - WGS84_E2) + g.heightM) * sinLat,
  ];
}

/**
 * ECEF (m) -> WGS84 geodetic. Bowring's parametric-latitude iteration: it converges to
 * 1e-12 rad in two or three steps for any point near the Earth's surface; we iterate to
 * a fixed tolerance instead of trusting a step count.
 */
export function ecefToGeodetic(p: Vec3): Geodetic {
  const [x, y, z] = p;
  if (![x, y, z].every(Number.isFinite))
    throw new RangeError(`ecefToGeodetic(p): expected three finite metres, got [${p.join(', ')}]`);
  const b = WGS84_A * (1 - WGS84_F);
  const ep2 = (WGS84_A * WGS84_A - b * b) / (b * b);
  const r = Math.hypot(x, y);
  const lon = Math.atan2(y, x);
  if (r < 1e-9) {
    // On the polar axis: latitude +-90, height from |z|.
    return { latitudeDeg: z >= 0 ? 90 : -90, longitudeDeg: lon / DEG, heightM: Math.abs(z) - b };
  }
  let beta = Math.atan2(z, r * (1 - WGS84_F));
  let lat = 0;
  for (let i = 0; i < 10; i++) {
    const sb = Math.sin(beta);
    const cb = Math.cos(beta);
    const newLat = Math.atan2(z + ep2 * b * sb * sb * sb, r - WGS84_E2 * WGS84_A * cb * cb * cb);
    const newBeta = Math.atan2((1 - WGS84_F) * Math.sin(newLat), Math.cos(newLat));
    const done = Math.abs(newLat - lat) < 1e-14;
    lat = newLat;
    beta = newBeta;
    if (done) break;
  }
  const sinLat = Math.sin(lat);
  const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * sinLat * sinLat);
  // Height along the normal; the form below stays accurate at all latitudes.
  const h = r * Math.cos(lat) + (z + WGS84_E2 * n * sinLat) * sinLat - n;
  return { latitudeDeg: lat / DEG, longitudeDeg: lon / DEG, heightM: h };
}

/**
 * Rotation from ECEF offsets to local ENU at a reference point (geodetic normal).
 * Rows are the east, north and up unit vectors in ECEF.
 */
export function enuBasis(ref: Geodetic): [Vec3, Vec3, Vec3] {
  checkGeodetic(ref, 'enuBasis(ref)');
  const lat = ref.latitudeDeg * DEG;
  const lon = ref.longitudeDeg * DEG;
  const sl = Math.sin(lat);
  const cl = Math.cos(lat);
  const so = Math.sin(lon);
  const co = Math.cos(lon);
  return [
    [-so, co, 0],
    [-sl * co, -sl * so, cl],
    [cl * co, cl * so, sl],
  ];
}

/** ECEF point -> ENU (m) relative to the reference point. */
export function ecefToEnu(p: Vec3, ref: Geodetic): Vec3 {
  const r0 = geodeticToEcef(ref);
  return ecefDeltaToEnu([p[0] - r0[0], p[1] - r0[1], p[2] - r0[2]], ref);
}

/** An ECEF difference vector (a baseline) -> ENU components at the reference point. */
export function ecefDeltaToEnu(d: Vec3, ref: Geodetic): Vec3 {
  const [e, n, u] = enuBasis(ref);
  return [dot(e, d), dot(n, d), dot(u, d)];
}

/** ENU (m) relative to the reference point -> ECEF point. */
export function enuToEcef(enu: Vec3, ref: Geodetic): Vec3 {
  const r0 = geodeticToEcef(ref);
  const d = enuDeltaToEcef(enu, ref);
  return [r0[0] + d[0], r0[1] + d[1], r0[2] + d[2]];
}

/** ENU components of a difference vector -> ECEF difference vector. */
export function enuDeltaToEcef(enu: Vec3, ref: Geodetic): Vec3 {
  const [e, n, u] = enuBasis(ref);
  return [
    enu[0] * e[0] + enu[1] * n[0] + enu[2] * u[0],
    enu[0] * e[1] + enu[1] * n[1] + enu[2] * u[1],
    enu[0] * e[2] + enu[1] * n[2] + enu[2] * u[2],
  ];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
