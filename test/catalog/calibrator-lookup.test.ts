// Calibrator names where users give them: the catalog's findCalibrator (alternate and B1950
// names stored by the seed and by `calibrators --import`, filled into a catalog seeded before
// they were kept). The CLI on the real binary: test/cli/calibrator-names.e2e.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedCalibrators } from '../../src/main/engine/calibration/calibrators';
import { Connection, migrate, openDatabase } from '../../src/main/engine/db';
import { importVlaList } from '../../src/main/cli/commands/calibrators';
import { CalibratorNameError } from '../../src/shared/catalog/calibrator-names';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-calnames-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the catalog resolves the names users give', () => {
  it('finds the seeded calibrators by alternate, J and B names, any case', () => {
    const db = openDatabase(path.join(tmp, 'seeded.sqlite'));
    try {
      expect(seedCalibrators(db)).toBeGreaterThan(100);
      for (const q of ['3C286', '3c286', 'J1331+305', 'j1331+3030', 'B1328+307', '1328+307', '1331+305']) {
        expect(db.calibration.findCalibrator(q)?.name, q).toBe('1331+305');
      }
      expect(db.calibration.findCalibrator('3c48')?.name).toBe('0137+331');
      expect(db.calibration.findCalibrator('3C138')?.name).toBe('0521+166');
      expect(db.calibration.findCalibrator('3C147')?.name).toBe('0542+498');
      expect(db.calibration.findCalibrator('3C999')).toBeUndefined();
      expect(db.calibration.getCalibrator('1331+305')).toMatchObject({ altName: '3C286', b1950Name: '1328+307' });
    } finally {
      db.close();
    }
  });

  it('keeps the names of an imported VLA list, and reports an ambiguous name with its candidates', () => {
    const db = openDatabase(path.join(tmp, 'imported.sqlite'));
    const list = path.join(tmp, 'two.txt');
    // Two entries where the J2000 name of one is the B1950 name of the other (as 1012+232 in the VLA list).
    writeFileSync(
      list,
      [
        'IAU NAME EQUINOX  PC RA(hh,mm,ss)    DEC(ddd,mm,ss)   POS.REF ALT.NAME',
        '1012+232   J2000  A 10h12m00.000000s  23d12\'00.000000"  Aug01  4C23.24',
        '1009+234   B1950  A 10h09m00.000000s  23d24\'00.000000"',
        ' 20cm    L  P P P P       1.20',
        '1014+230   J2000  A 10h14m00.000000s  23d01\'00.000000"  Aug01',
        '1012+232   B1950  A 10h12m00.000000s  23d12\'00.000000"',
        ' 20cm    L  P P P P       0.90',
        '',
      ].join('\n'),
    );
    try {
      expect(importVlaList(db, list)).toMatchObject({ imported: 2 });
      expect(db.calibration.findCalibrator('4c23.24')?.name).toBe('1012+232');
      expect(db.calibration.findCalibrator('B1012+232')?.name).toBe('1014+230');
      expect(db.calibration.findCalibrator('J1012+232')?.name).toBe('1012+232');
      let err: unknown;
      try {
        db.calibration.findCalibrator('1012+232');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CalibratorNameError);
      expect((err as Error).message).toContain(
        `ambiguous in the calibrator catalog of ${path.join(tmp, 'imported.sqlite')}`,
      );
      expect((err as Error).message).toContain('give one of J1012+232, B1012+232');
    } finally {
      db.close();
    }
  });

  it('fills the other names into a catalog seeded at schema version 3', () => {
    const file = path.join(tmp, 'v3.sqlite');
    const conn = new Connection(file);
    migrate(conn, 3);
    conn.sql
      .prepare(
        `INSERT INTO calibrators (name, ra_deg, dec_deg, flux_1400_jy, spectral_index, catalog) VALUES ('1331+305', 202.78, 30.51, 15, -0.56, 'vla')`,
      )
      .run();
    conn.close();
    const db = openDatabase(file);
    try {
      expect(db.calibration.findCalibrator('3C286')).toBeUndefined();
      expect(seedCalibrators(db)).toBe(0); // not empty: not reseeded, only the names filled in
      expect(db.calibration.findCalibrator('3C286')?.name).toBe('1331+305');
      expect(db.calibration.listCalibrators()).toHaveLength(1);
    } finally {
      db.close();
    }
  });
});
