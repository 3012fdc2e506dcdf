// Stations and geodesy: the imported table, arm geometry in ENU, baseline lengths, and the
// geodetic/ECEF/ENU round trips.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures';
import {
  ARRAY_CENTRE,
  antennaPositionsEcef,
  armOf,
  baselinesEcef,
  ecefToEnu,
  ecefToGeodetic,
  enuToEcef,
  geodeticToEcef,
  stationByNumber,
  stations,
} from '../../src/shared/instrument';

const norm = (v: readonly number[]): number => Math.hypot(...v);

describe('station table', () => {
  it('has 117 stations with the documented arms, and DSA-117 elevation marked as estimated', () => {
    const list = stations();
    expect(list).toHaveLength(117);
    expect(list.map((s) => s.number)).toEqual(Array.from({ length: 117 }, (_, i) => i + 1));
    expect(list.filter((s) => s.arm === 'east-west')).toHaveLength(51);
    expect(list.filter((s) => s.arm === 'north-south')).toHaveLength(51);
    expect(list.filter((s) => s.arm === 'outrigger')).toHaveLength(15);
    expect(armOf(51)).toBe('east-west');
    expect(armOf(52)).toBe('north-south');
    expect(armOf(103)).toBe('outrigger');
    expect(list.filter((s) => s.elevationEstimated).map((s) => s.name)).toEqual(['DSA-117']);
    // The estimate lies within the range of its neighbours' surveyed heights (1178-1186 m).
    const e = stationByNumber(117).elevationM;
    expect(e).toBeGreaterThan(1177);
    expect(e).toBeLessThan(1187);
    expect(() => stationByNumber(0)).toThrow(/\[1, 117\], got 0/);
  });

  it('matches the source CSV (test/fixtures; the JSON is a faithful import)', () => {
    const csv = readFileSync(fixture('DSA110_Station_Coordinates.csv'), 'utf8');
    const rows = csv
      .split(/\r?\n/)
      .slice(6)
      .filter((l) => /DSA-\d{3}/.test(l));
    expect(rows).toHaveLength(117);
    for (const row of rows) {
      const [, name, lat, lon, elev] = row.split(',');
      const s = stationByNumber(Number(name?.slice(4)));
      expect(s.latitudeDeg).toBe(Number(lat));
      expect(s.longitudeDeg).toBe(Number(lon));
      if (elev) expect(s.elevationM).toBe(Number(elev));
    }
  });

  it('lays the east-west arm along east and the north-south arm along north, near the centre', () => {
    const ew = stations().filter((s) => s.arm === 'east-west');
    const ns = stations().filter((s) => s.arm === 'north-south');
    // Direction of each arm from its end stations (ENU).
    const dir = (a: readonly number[], b: readonly number[]): number[] => {
      const d = [0, 1, 2].map((k) => (b[k] as number) - (a[k] as number));
      const n = norm(d);
      return d.map((x) => x / n);
    };
    const ewDir = dir(ew[0]!.enu, ew[ew.length - 1]!.enu);
    const nsDir = dir(ns[0]!.enu, ns[ns.length - 1]!.enu);
    expect(ewDir[0]).toBeGreaterThan(0.9999); // east
    expect(nsDir[1]).toBeGreaterThan(0.9999); // north
    // Arm lengths: the survey spaces antennas ~5.7 m (EW) and ~8.7 m (NS); ~330 m and ~430 m long.
    const ewLen = Math.hypot(ew[50]!.enu[0] - ew[0]!.enu[0], ew[50]!.enu[1] - ew[0]!.enu[1]);
    const nsLen = Math.hypot(ns[50]!.enu[0] - ns[0]!.enu[0], ns[50]!.enu[1] - ns[0]!.enu[1]);
    expect(ewLen).toBeGreaterThan(250);
    expect(ewLen).toBeLessThan(400);
    expect(nsLen).toBeGreaterThan(350);
    expect(nsLen).toBeLessThan(500);
    // Every core antenna is within 600 m of the array centre, and within 10 m of its height.
    for (const s of [...ew, ...ns]) {
      expect(Math.hypot(s.enu[0], s.enu[1])).toBeLessThan(600);
      expect(Math.abs(s.enu[2])).toBeLessThan(10);
    }
  });

  it('has outrigger baselines up to ~2.7 km and a flat array (|up| < 15 m)', () => {
    const list = stations();
    let longest = 0;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!.ecef;
        const b = list[j]!.ecef;
        longest = Math.max(longest, Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]));
      }
    }
    expect(longest).toBeGreaterThan(2300);
    expect(longest).toBeLessThan(2800);
    for (const s of list) expect(Math.abs(s.enu[2])).toBeLessThan(15);
  });

  it('gives UVH5 antenna_positions (ECEF from the centre) and ant2 - ant1 baselines', () => {
    const pos = antennaPositionsEcef();
    expect(pos).toHaveLength(117 * 3);
    const b = baselinesEcef([1, 103], [2, 117]);
    const p1 = stationByNumber(1).ecef;
    const p2 = stationByNumber(2).ecef;
    expect(b[0]).toBeCloseTo(p2[0] - p1[0], 9);
    expect(b[2]).toBeCloseTo(p2[2] - p1[2], 9);
    expect(b[3]).toBeCloseTo((pos[116 * 3] as number) - (pos[102 * 3] as number), 6);
    // Adjacent EW antennas are ~5.7 m apart.
    expect(norm([b[0]!, b[1]!, b[2]!])).toBeGreaterThan(5);
    expect(norm([b[0]!, b[1]!, b[2]!])).toBeLessThan(6.5);
  });
});

describe('geodesy', () => {
  it('round-trips geodetic -> ECEF -> geodetic to < 1 mm (and < 1e-10 deg) over the globe', () => {
    for (const lat of [-89.9, -60, -37.2, 0, 37.2334051, 60, 89.9]) {
      for (const lon of [-179, -118.283, 0, 45, 180]) {
        for (const h of [-100, 0, 1188.05, 10000]) {
          const g = { latitudeDeg: lat, longitudeDeg: lon, heightM: h };
          const back = ecefToGeodetic(geodeticToEcef(g));
          const p = geodeticToEcef(back);
          const q = geodeticToEcef(g);
          expect(Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2])).toBeLessThan(1e-3);
          expect(Math.abs(back.latitudeDeg - lat)).toBeLessThan(1e-10);
          expect(Math.abs(back.heightM - h)).toBeLessThan(1e-3);
        }
      }
    }
  });

  it('matches a hand-checked WGS84 value and the ENU frame orientation', () => {
    // Equator, prime meridian, h = 0 -> (a, 0, 0); north pole -> (0, 0, b).
    expect(geodeticToEcef({ latitudeDeg: 0, longitudeDeg: 0, heightM: 0 })).toEqual([6378137, 0, 0]);
    expect(geodeticToEcef({ latitudeDeg: 90, longitudeDeg: 0, heightM: 0 })[2]).toBeCloseTo(6356752.314245, 5);
    // A point 100 m north-east-up of the centre round-trips through ENU exactly.
    const p = enuToEcef([100, -50, 3], ARRAY_CENTRE);
    const enu = ecefToEnu(p, ARRAY_CENTRE);
    expect(enu[0]).toBeCloseTo(100, 9);
    expect(enu[1]).toBeCloseTo(-50, 9);
    expect(enu[2]).toBeCloseTo(3, 9);
    // Moving north in latitude moves +north in ENU.
    const g = { ...ARRAY_CENTRE, latitudeDeg: ARRAY_CENTRE.latitudeDeg + 0.001 };
    const n = ecefToEnu(geodeticToEcef(g), ARRAY_CENTRE);
    expect(n[1]).toBeGreaterThan(110); // 0.001 deg of latitude = 111 m
    expect(n[1]).toBeLessThan(112);
    expect(Math.abs(n[0])).toBeLessThan(1e-6);
  });
});
