// Reference-catalog import: CSV and VOTable (TABLEDATA, BINARY, BINARY2) fixtures with NVSS-like
// columns and units, bad rows named by file/line/column, idempotent re-import, the simulator truth.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/main/engine/db';
import {
  CatalogError,
  importCatalog,
  parseAngle,
  readCsv,
  readVotable,
  tableToSources,
} from '../../src/main/engine/refcat';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';

const FIX = path.join(import.meta.dirname, 'fixtures');
let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'refcat-'));
  db = openDatabase(path.join(dir, 'state.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

// 0834+555 in the VLA calibrator list: 08h34m54.904s +55d34'21.07".
const RA_0834 = (8 + 34 / 60 + 54.9 / 3600) * 15;
const DEC_0834 = 55 + 34 / 60 + 21.1 / 3600;

describe('sexagesimal angles', () => {
  it('parses hours for RA and degrees for Dec in the usual spellings', () => {
    expect(parseAngle('08 34 54.90', true)).toBeCloseTo(RA_0834, 10);
    expect(parseAngle('08:34:54.90', true)).toBeCloseTo(RA_0834, 10);
    expect(parseAngle('08h34m54.90s', true)).toBeCloseTo(RA_0834, 10);
    expect(parseAngle('-00 30 00', false)).toBeCloseTo(-0.5, 12);
    expect(parseAngle('+55d34m21.1s', false)).toBeCloseTo(DEC_0834, 10);
    expect(parseAngle('12 61 00', true)).toBeNaN();
    expect(parseAngle('128.5', false)).toBe(128.5);
  });
});

describe('CSV', () => {
  it('reads a VizieR NVSS export: units row, sexagesimal positions, e_RA in seconds of time, mJy', () => {
    const r = importCatalog(db, path.join(FIX, 'nvss-vizier.csv'), { name: 'NVSS' });
    expect(r).toMatchObject({ catalog: 'NVSS', format: 'csv', imported: 4, updated: 0, skipped: [] });
    const s = db.sources.findByName('NVSS', '083454+553421')!;
    expect(s.raDeg).toBeCloseTo(RA_0834, 9);
    expect(s.decDeg).toBeCloseTo(DEC_0834, 9);
    expect(s.fluxJy).toBeCloseTo(8.8253, 10);
    expect(s.fluxErrJy).toBeCloseTo(0.2648, 10);
    // 0.01 s of time = 0.15" x cos(dec) on the sky.
    expect(s.raErrArcsec).toBeCloseTo(0.15 * Math.cos((DEC_0834 * Math.PI) / 180), 10);
    expect(s.decErrArcsec).toBeCloseTo(0.1, 12);
    expect(db.sources.findByName('NVSS', '083012+560000 "x"')?.decDeg).toBeCloseTo(56, 12);
  });

  it('reads units in the header and integrated flux in preference to peak; names positions without a name column', () => {
    importCatalog(db, path.join(FIX, 'racs-like.csv'), { name: 'RACS' });
    const s = db.sources.findByName('RACS', 'RACS_0834+55A')!;
    expect(s.fluxJy).toBeCloseTo(8.79, 10);
    expect(s.fluxErrJy).toBeCloseTo(0.44, 10);
    expect(s.raErrArcsec).toBe(0.45);
    importCatalog(db, path.join(FIX, 'no-names.csv'), { name: 'X' });
    expect(db.sources.cone(0.0001, -30.5, 1 / 3600, 'X').map((x) => x.name)).toEqual(['J000000.02-303000.0']);
    expect(db.sources.cone(128.728751, 55.572528, 1 / 3600, 'X')[0]?.fluxJy).toBe(8.8);
  });

  it('refuses bad rows, naming file, line and column, and imports nothing', () => {
    const file = path.join(FIX, 'bad-rows.csv');
    let err: Error | undefined;
    try {
      importCatalog(db, file, { name: 'BAD' });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(CatalogError);
    const m = err!.message;
    expect(m).toContain(`${file}: 5 bad row(s); nothing imported`);
    expect(m).toContain(`${file}: line 3, column "RA": expected RA in degrees [0, 360) or as h:m:s, got "400.0"`);
    expect(m).toContain(`${file}: line 4, column "DEC": Dec is empty`);
    expect(m).toContain(`${file}: line 5, column "Flux": expected a number, got "ten"`);
    expect(m).toContain(`${file}: line 6, column "name": name "A" is also used at line 2`);
    expect(m).toContain(`${file}: line 7, column "RA": expected RA in degrees [0, 360) or as h:m:s, got "12 99 00"`);
    expect(db.sources.catalogs()).toEqual([]);
    const r = importCatalog(db, file, { name: 'BAD', skipInvalid: true });
    expect(r.imported).toBe(2);
    expect(r.skipped.map((p) => p.where)).toEqual(['line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
  });

  it('needs a flux unit it can read, and RA/Dec columns', () => {
    const f = path.join(dir, 'nounit.csv');
    writeFileSync(f, 'name,ra,dec,flux\nA,1,2,3\n');
    expect(() => importCatalog(db, f, { name: 'N' })).toThrow(
      `${f}: flux column "flux" has no unit; write it in the header ("flux [mJy]") or pass the unit (--flux-unit mJy)`,
    );
    expect(importCatalog(db, f, { name: 'N', fluxUnit: 'mJy' }).imported).toBe(1);
    expect(db.sources.findByName('N', 'A')?.fluxJy).toBeCloseTo(0.003, 12);
    writeFileSync(f, 'name,ra,dec,flux [W]\nA,1,2,3\n');
    expect(() => importCatalog(db, f, { name: 'N' })).toThrow(
      /flux column "flux" has unit "W"; expected Jy, mJy or uJy/,
    );
    writeFileSync(f, 'name,right_asc,dec\nA,1,2\n');
    expect(() => importCatalog(db, f, { name: 'N' })).toThrow(
      /no RA column \(expected one of raj2000.*the columns are: name, right_asc, dec\)/,
    );
    writeFileSync(f, 'name,ra,dec\nA,1,2,3\n');
    expect(() => importCatalog(db, f, { name: 'N' })).toThrow(
      `${f}: line 2: 4 fields, but the header (line 1) has 3 columns`,
    );
  });

  it('is idempotent: re-importing updates in place', () => {
    const file = path.join(FIX, 'nvss-vizier.csv');
    importCatalog(db, file, { name: 'NVSS' });
    const id = db.sources.findByName('NVSS', '083454+553421')!.id;
    const again = importCatalog(db, file, { name: 'NVSS' });
    expect(again).toMatchObject({ imported: 0, updated: 4 });
    expect(db.sources.findByName('NVSS', '083454+553421')!.id).toBe(id);
    expect(db.sources.catalogs()).toEqual([
      { catalog: 'NVSS', count: 4, minDecDeg: expect.closeTo(55.4701, 3) as number, maxDecDeg: 56 },
    ]);
  });
});

describe('VOTable', () => {
  it('reads TABLEDATA with quoted units, CDATA, empty cells and VALUES null', () => {
    const t = readVotable(path.join(FIX, 'nvss-tabledata.vot'));
    expect(t.columns.map((c) => c.name)).toEqual([
      'NVSS',
      'RAJ2000',
      'DEJ2000',
      'e_RAJ2000',
      'e_DEJ2000',
      'S1.4',
      'e_S1.4',
    ]);
    const { sources, problems } = tableToSources(t, 'NVSS');
    expect(problems).toEqual([]);
    expect(sources[0]).toMatchObject({ name: '083454+553421', fluxJy: expect.closeTo(8.8253, 9) as number });
    expect(sources[0]!.raDeg).toBeCloseTo(RA_0834, 9);
    expect(sources[1]!.fluxErrJy).toBeNull();
    expect(sources[2]).toMatchObject({ name: '0837&10+5542', raErrArcsec: null, decErrArcsec: null });
  });

  it.each(['binary', 'binary2'])(
    'reads astropy %s streams (unicodeChar names, VOUnit Jy.beam-1, masked values)',
    (fmt) => {
      const r = importCatalog(db, path.join(FIX, `astropy-${fmt}.vot`), { name: 'AST' });
      expect(r.imported).toBe(3);
      const a = db.sources.findByName('AST', 'SRC_A')!;
      expect(a).toMatchObject({ raDeg: 128.728751, decDeg: 55.572528, fluxJy: 8.5, fluxErrJy: 0.4 });
      expect(a.raErrArcsec).toBeCloseTo(0.4, 6);
      const c = db.sources.findByName('AST', 'SRC_C')!;
      expect(c.raDeg).toBe(359.9995);
      // astropy writes a masked double as NaN in BINARY and sets the null bit in BINARY2.
      expect(c.fluxErrJy).toBeNull();
    },
  );

  it('names the problem in a malformed file', () => {
    const f = path.join(dir, 'x.vot');
    writeFileSync(
      f,
      '<VOTABLE><RESOURCE><TABLE><FIELD name="ra" datatype="double"/><FIELD name="dec" datatype="double"/><DATA><TABLEDATA><TR><TD>1</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>',
    );
    expect(() => readVotable(f)).toThrow(`${f}: row 1: 1 TD cells, but the table has 2 FIELDs`);
    writeFileSync(
      f,
      '<VOTABLE><RESOURCE><TABLE><FIELD name="ra" datatype="double"/><DATA><FITS/></DATA></TABLE></RESOURCE></VOTABLE>',
    );
    expect(() => readVotable(f)).toThrow(/data are FITS; expected TABLEDATA, BINARY or BINARY2/);
  });
});

describe('simulator truth and spatial queries', () => {
  it('imports truth.json sources and finds them by cone, across RA 0', () => {
    const f = path.join(dir, 'truth.json');
    writeFileSync(
      f,
      JSON.stringify({
        format: 'dsa110-contimg simulation truth v1',
        sources: [
          { name: 'cal', raDeg: 359.99, decDeg: 54.5, fluxJy: 5, spectralIndex: -0.7, kind: 'calibrator' },
          { name: 'f1', raDeg: 0.01, decDeg: 54.5, fluxJy: 0.05, spectralIndex: -0.7, kind: 'field' },
          { name: 'f2', raDeg: 2.0, decDeg: 54.5, fluxJy: 0.05, spectralIndex: -0.7, kind: 'field' },
        ],
      }),
    );
    expect(importCatalog(db, f, { name: 'SIM' })).toMatchObject({ format: 'sim-truth', imported: 3 });
    // 0.02 deg of RA at dec 54.5 is 0.0116 deg on the sky.
    expect(
      db.sources
        .cone(0, 54.5, 0.01, 'SIM')
        .map((s) => s.name)
        .sort(),
    ).toEqual(['cal', 'f1']);
    expect(db.sources.cone(0, 54.5, 0.01).length).toBe(2);
    // Near the pole the cap spans every RA: a source across the pole is 0.15 deg away.
    db.sources.upsertMany([
      { name: 'polar', catalog: 'SIM', raDeg: 10, decDeg: 89.9 },
      { name: 'far', catalog: 'SIM', raDeg: 10, decDeg: 89.5 },
    ]);
    expect(db.sources.cone(190, 89.95, 0.2, 'SIM').map((s) => s.name)).toEqual(['polar']);
    // At dec 60 a 1-deg cap reaches 2 deg of RA: the RA bound must allow for it.
    db.sources.upsertMany([{ name: 'wide', catalog: 'SIM', raDeg: 101.9, decDeg: 60 }]);
    expect(db.sources.cone(100, 60, 1, 'SIM').map((s) => s.name)).toEqual(['wide']);
    writeFileSync(f, JSON.stringify({ format: 'other' }));
    expect(() => importCatalog(db, f, { name: 'SIM' })).toThrow(
      /field "format" is "other"; expected "dsa110-contimg simulation truth v1"/,
    );
  });

  it('a CSV reader keeps line numbers across comments and blank lines', () => {
    const f = path.join(dir, 'c.csv');
    writeFileSync(f, '# comment\n\nname,ra,dec\n\nA,1,2\n# x\nB,1,\n');
    const t = readCsv(f);
    expect(t.rows.map((r) => r.where)).toEqual(['line 5', 'line 7']);
  });
});

describe.skipIf(skipInterop(pythonModules('astropy', 'numpy')))('VOTable written by astropy now', () => {
  it('reads a fresh BINARY2 table of 500 random sources exactly', () => {
    const f = path.join(dir, 'fresh.vot');
    runPython(
      `
import sys, numpy as np
from astropy.table import Table
from astropy.io.votable import from_table, writeto
rng = np.random.default_rng(3)
t = Table()
t['Name'] = np.array(['S%04d' % i for i in range(500)])
t['RAJ2000'] = rng.uniform(0, 360, 500); t['RAJ2000'].unit = 'deg'
t['DEJ2000'] = rng.uniform(-40, 90, 500); t['DEJ2000'].unit = 'deg'
t['Si'] = rng.uniform(1, 1000, 500).astype(np.float32); t['Si'].unit = 'mJy'
writeto(from_table(t), sys.argv[1], tabledata_format='binary2')
np.savetxt(sys.argv[1] + '.txt', np.c_[t['RAJ2000'], t['DEJ2000'], t['Si']], fmt='%.17g')
`,
      [f],
    );
    importCatalog(db, f, { name: 'FRESH' });
    const want = runPython('import sys; print(open(sys.argv[1]).read())', [`${f}.txt`])
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number));
    for (const [i, [ra, dec, si]] of want.entries()) {
      const s = db.sources.findByName('FRESH', `S${String(i).padStart(4, '0')}`)!;
      expect(s.raDeg).toBe(ra);
      expect(s.decDeg).toBe(dec);
      expect(s.fluxJy).toBeCloseTo(si! * 1e-3, 12);
    }
  });
});
