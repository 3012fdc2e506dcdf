// Calibrator transits and the data covering them, on a database with hand-made groups.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/engine/db';
import { calibratorTransits, dataSpan } from '../../src/main/engine/calibration/transits';
import { ARRAY_CENTRE, INTEGRATION_S } from '../../src/shared/instrument';
import { apparentHourAngle, formatIsoUtc, parseIsoUtc, SIDEREAL_PER_SOLAR } from '../../src/shared/astro';
import type { Calibrator } from '../../src/shared/model';

const dir = mkdtempSync(path.join(tmpdir(), 'dsa110-transits-'));
const db = openDatabase(path.join(dir, 'db.sqlite'));
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
const cal: Calibrator = {
  name: '0834+555',
  raDeg: 128.728767154,
  decDeg: 55.572519717,
  flux1400Jy: 8.8,
  spectralIndex: -0.363,
  catalog: 'vla',
  positionCode: 'A',
  uvMinKlambda: null,
  uvMaxKlambda: 100,
};

describe('calibratorTransits', () => {
  const start = parseIsoUtc('2026-01-14T00:00:00');
  const end = parseIsoUtc('2026-01-17T00:00:00');

  it('finds one transit per sidereal day, each at hour angle 0', () => {
    const ts = calibratorTransits(db, cal, start, end);
    expect(ts).toHaveLength(3);
    for (const t of ts) {
      const { haRad: ha } = apparentHourAngle(t.transitMjd, (cal.raDeg * Math.PI) / 180, (cal.decDeg * Math.PI) / 180, {
        longitudeDeg: ARRAY_CENTRE.longitudeDeg,
      });
      // 1 s of time is 15" of hour angle.
      expect(Math.abs(ha)).toBeLessThan((15 / 3600) * (Math.PI / 180));
      expect(t.groupId).toBeNull();
    }
    // Consecutive transits are one sidereal day apart (23h56m04s).
    expect((ts[1]!.transitMjd - ts[0]!.transitMjd) * SIDEREAL_PER_SOLAR).toBeCloseTo(1, 6);
  });

  it('reports the group and the integration nearest the transit, only at the right declination', () => {
    const t = calibratorTransits(db, cal, start, end)[1]!.transitMjd;
    const g0 = t - 100 / 86400; // the transit falls 100 s into this chunk
    const id = formatIsoUtc(g0, 0).slice(0, 19);
    db.ingest.ensureGroup({ id, startMjd: g0, decDeg: 55.57 });
    const other = formatIsoUtc(g0 + 1, 0).slice(0, 19);
    db.ingest.ensureGroup({ id: other, startMjd: g0 + 1 - 100 / 86400 + 1 / 86400, decDeg: 16.3 });
    const ts = calibratorTransits(db, cal, start, end);
    const hit = ts[1]!;
    expect(hit.groupId).toBe(id);
    // 100 s / 12.885 s = 7.76: integration 7, whose middle is 7.5 x 12.885 = 96.6 s in.
    expect(hit.integration).toBe(7);
    expect(hit.offsetS).toBeCloseTo(7.5 * INTEGRATION_S - 100, 3);
    // The next day's transit has a group at Dec 16.3 only: not covered.
    expect(ts[2]!.groupId).toBeNull();
    expect(dataSpan(db)?.startMjd).toBeCloseTo(g0, 9);
  });

  it('refuses an empty or over-long window', () => {
    expect(() => calibratorTransits(db, cal, end, start)).toThrow(/must be after the start/);
    expect(() => calibratorTransits(db, cal, start, start + 400)).toThrow(/at most a year/);
  });
});
