// Calibrator names as astronomers type them (src/shared/catalog/calibrator-names.ts): J2000
// names with or without J (and with arcminutes), B1950 names with or without B, alternate names,
// any case and spacing; ambiguous names list candidates that single each one out. On hand-made
// entries, on the shipped curated list and on the whole VLA list (test/fixtures).
import { describe, expect, it } from 'vitest';
import {
  CalibratorNameError,
  findCalibratorByName,
  normaliseCalibratorName,
  resolveCalibratorName,
  type NamedCalibrator,
} from '../../src/shared/catalog/calibrator-names';
import { parseVlaCalibrators } from '../../src/shared/catalog/vla-calibrators';
import curated from '../../resources/calibrators/dsa110_calibrators.json';
import { fixtureText } from '../helpers/fixtures';

const ENTRIES: NamedCalibrator[] = [
  { name: '1331+305', altName: '3C286', b1950Name: '1328+307' },
  { name: '0137+331', altName: '3C48', b1950Name: '0134+329' },
  { name: '0834+555', altName: null, b1950Name: '0831+557' },
  // The J2000 name of one entry is the B1950 name of another (as in the VLA list).
  { name: '1012+232', altName: null, b1950Name: '1009+234' },
  { name: '1014+230', altName: null, b1950Name: '1012+232' },
  // One alternate name on two entries.
  { name: '0346+540', altName: 'GVAR', b1950Name: null },
  { name: '0450+409', altName: 'GVAR', b1950Name: null },
  // A user's own catalog entry named otherwise.
  { name: 'MyCal-1', altName: null, b1950Name: null },
];

const found = (q: string): string | null => {
  const r = resolveCalibratorName(q, ENTRIES);
  return r.status === 'found' ? r.entry.name : r.status;
};

describe('resolveCalibratorName', () => {
  it('resolves J2000 names with and without J, and with the declination in arcminutes', () => {
    expect(found('1331+305')).toBe('1331+305');
    expect(found('J1331+305')).toBe('1331+305');
    expect(found('j1331+305')).toBe('1331+305');
    // 30d30' = 30.5 deg -> "305"; 55d34' = 55.57 deg -> "555" (tenths truncated, as the list names them).
    expect(found('J1331+3030')).toBe('1331+305');
    expect(found('1331+3030')).toBe('1331+305');
    expect(found('J0834+5534')).toBe('0834+555');
    expect(resolveCalibratorName('J0834+555', ENTRIES)).toMatchObject({ status: 'found', via: 'J2000' });
  });

  it('resolves B1950 names with and without B', () => {
    expect(resolveCalibratorName('B1328+307', ENTRIES)).toMatchObject({
      status: 'found',
      via: 'B1950',
      entry: { name: '1331+305' },
    });
    expect(found('1328+307')).toBe('1331+305');
    expect(found('b0831+557')).toBe('0834+555');
  });

  it('resolves alternate names in any case and spacing', () => {
    for (const q of ['3C286', '3c286', '3C 286', ' 3c 286 ']) expect(found(q), q).toBe('1331+305');
    expect(resolveCalibratorName('3c48', ENTRIES)).toMatchObject({
      status: 'found',
      via: 'alternate',
      entry: { name: '0137+331' },
    });
    expect(found('mycal-1')).toBe('MyCal-1');
    expect(normaliseCalibratorName(' 3c 286\t')).toBe('3C286');
  });

  it('does not confuse a J name with a B name when the prefix is given', () => {
    expect(found('J1012+232')).toBe('1012+232');
    expect(found('B1012+232')).toBe('1014+230');
    expect(found('J1328+307')).toBe('unknown');
    expect(found('B1331+305')).toBe('unknown');
  });

  it('lists the candidates of an ambiguous name with names that single each out', () => {
    const r = resolveCalibratorName('1012+232', ENTRIES);
    expect(r.status).toBe('ambiguous');
    if (r.status !== 'ambiguous') return;
    expect(r.candidates.map((c) => [c.entry.name, c.via])).toEqual([
      ['1012+232', 'J2000'],
      ['1014+230', 'B1950'],
    ]);
    expect(() => findCalibratorByName('1012+232', ENTRIES)).toThrow(CalibratorNameError);
    expect(() => findCalibratorByName('1012+232', ENTRIES)).toThrow(
      'calibrator name "1012+232" is ambiguous in the calibrator catalog: 1012+232 (B1950 1009+234) as J1012+232; 1014+230 (B1950 1012+232) as B1012+232; give one of J1012+232, B1012+232',
    );
    expect(() => findCalibratorByName('gvar', ENTRIES, 'x.db')).toThrow(
      /"gvar" is ambiguous in x\.db: 0346\+540 \(GVAR\) as J0346\+540; 0450\+409 \(GVAR\) as J0450\+409/,
    );
  });

  it('says unknown for names nothing carries', () => {
    for (const q of ['3C999', '', 'J9999+999', '1331+30', 'J1331+306']) expect(found(q), q).toBe('unknown');
    expect(findCalibratorByName('3C999', ENTRIES)).toBeNull();
  });
});

describe('on the shipped curated list', () => {
  const entries = curated.calibrators;
  it('resolves the daily names 3C48, 3C138, 3C147, 3C286 to their J2000 entries', () => {
    const want: Record<string, string> = {
      '3C48': '0137+331',
      '3C138': '0521+166',
      '3C147': '0542+498',
      '3C286': '1331+305',
    };
    for (const [alt, name] of Object.entries(want)) {
      expect(findCalibratorByName(alt, entries)?.name, alt).toBe(name);
      expect(findCalibratorByName(alt.toLowerCase(), entries)?.name, alt.toLowerCase()).toBe(name);
    }
    expect(findCalibratorByName('B1328+307', entries)?.name).toBe('1331+305');
  });

  it('resolves every entry by each of its names, unambiguously', () => {
    for (const c of entries) {
      expect(findCalibratorByName(c.name, entries)?.name).toBe(c.name);
      expect(findCalibratorByName(`J${c.name}`, entries)?.name).toBe(c.name);
      if (c.b1950Name) expect(findCalibratorByName(`B${c.b1950Name}`, entries)?.name).toBe(c.name);
      if (c.altName) expect(findCalibratorByName(c.altName, entries)?.name).toBe(c.name);
    }
  });
});

describe('on the whole VLA list', () => {
  const all = parseVlaCalibrators(fixtureText('vlacalibrators.txt.gz'), 'vlacalibrators.txt.gz');
  it("finds the four J2000 names that are another entry's B1950 name ambiguous, and J/B forms settle them", () => {
    const clashes = all.filter((c) => c.b1950Name !== null && all.some((o) => o !== c && o.name === c.b1950Name));
    expect(clashes.map((c) => c.b1950Name).sort()).toEqual(['1012+232', '1311+552', '1922+155', '2157+102']);
    for (const c of clashes) {
      const bare = c.b1950Name ?? '';
      expect(resolveCalibratorName(bare, all).status, bare).toBe('ambiguous');
      expect(findCalibratorByName(`B${bare}`, all)?.name).toBe(c.name);
      expect(findCalibratorByName(`J${bare}`, all)?.name).toBe(bare);
    }
    expect(findCalibratorByName('3c286', all)?.name).toBe('1331+305');
  });
});
