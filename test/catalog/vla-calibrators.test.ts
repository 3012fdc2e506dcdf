// The VLA calibrator list parser, on hand-made snippets and on the real list (test/fixtures).
import { describe, expect, it } from 'vitest';
import {
  VlaCalibratorParseError,
  bandFlux,
  parseVlaCalibrators,
  spectralIndex20to6,
} from '../../src/shared/catalog/vla-calibrators';
import curated from '../../resources/calibrators/dsa110_calibrators.json';
import { fixtureText } from '../helpers/fixtures';

const SNIPPET = `IAU NAME EQUINOX  PC RA(hh,mm,ss)    DEC(ddd,mm,ss)   POS.REF ALT.NAME
===================================================================
 
0834+555   J2000  A 08h34m54.904117s  55d34'21.070980"  Aug01         
0831+557   B1950  A 08h31m04.379700s  55d44'41.323000"
-----------------------------------------------------
BAND        A B C D    FLUX(Jy)    UVMIN(kL)  UVMAX(kL)
=====================================================
 90cm    P  S S S S          9
 20cm L  S P P P       8.80                      100   visplot
  6cm    C  X S P P       5.60                      100
 
0006-063   J2000  A 00h06m13.892894s -06d23'35.335300"  Aug01         
0003-066   B1950  A 00h03m40.288800s -06d40'17.300000"
-----------------------------------------------------
BAND        A B C D    FLUX(Jy)    UVMIN(kL)  UVMAX(kL)
=====================================================
 20cm    L  S X X X       1.60           45
 20cm L  X X X X       1.00             6         visplot
  2cm    U                0.00
 
1331+305   J2000  A 13h31m08.288060s  30d30'32.960900"  Aug01  3C286
`;

describe('VLA calibrator list parser', () => {
  const cals = parseVlaCalibrators(SNIPPET, 'snippet.txt');

  it('parses J2000 positions to degrees', () => {
    expect(cals.map((c) => c.name)).toEqual(['0834+555', '0006-063', '1331+305']);
    const c = cals[0]!;
    // 08h34m54.904117s = 128.72876715 deg; +55d34'21.07098" = 55.57251972 deg
    expect(c.raDeg).toBeCloseTo(128.728767154, 8);
    expect(c.decDeg).toBeCloseTo(55.572519717, 8);
    expect(cals[1]!.decDeg).toBeCloseTo(-(6 + 23 / 60 + 35.3353 / 3600), 8);
    expect(c.b1950Name).toBe('0831+557');
    expect(cals[2]!.altName).toBe('3C286');
    expect(c.altName).toBeNull();
  });

  it('reads fluxes and tells UVMIN from UVMAX in both line widths', () => {
    const c = cals[0]!;
    expect(bandFlux(c, '20cm')).toBe(8.8);
    expect(c.bands.find((b) => b.band === '20cm')).toMatchObject({ uvMinKlambda: null, uvMaxKlambda: 100 });
    const d = cals[1]!;
    expect(d.bands[0]).toMatchObject({ fluxJy: 1.6, uvMinKlambda: 45, uvMaxKlambda: null });
    expect(d.bands[1]).toMatchObject({ fluxJy: 1.0, uvMinKlambda: 6, uvMaxKlambda: null });
    expect(d.bands[2]).toMatchObject({ band: '2cm', fluxJy: 0, quality: { A: '', B: '', C: '', D: '' } });
  });

  it('derives the 20-6 cm spectral index, -0.7 when unknown', () => {
    // ln(5.6/8.8) / ln(4.86/1.4) = -0.3632
    expect(spectralIndex20to6(cals[0]!).alpha).toBeCloseTo(-0.3632, 3);
    expect(spectralIndex20to6(cals[1]!)).toEqual({ alpha: -0.7, measured: false });
  });

  it('names the file and line of an unrecognised line', () => {
    expect(() => parseVlaCalibrators(SNIPPET + 'garbage here\n', 'x.txt')).toThrow(/x\.txt:\d+: unrecognised line/);
    expect(() => parseVlaCalibrators('hello\n', 'y.txt')).toThrow(VlaCalibratorParseError);
  });
});

const REAL = 'vlacalibrators.txt.gz';
describe('the real VLA calibrator list', () => {
  it('has 1865 entries, about 1040 with a 20 cm flux, and 0834+555 at 8.8 Jy', () => {
    const cals = parseVlaCalibrators(fixtureText(REAL), REAL);
    expect(cals).toHaveLength(1865);
    const with20 = cals.filter((c) => bandFlux(c, '20cm') !== null).length;
    expect(with20).toBeGreaterThan(1000);
    expect(with20).toBeLessThan(1080);
    const c = cals.find((x) => x.name === '0834+555');
    expect(c && bandFlux(c, '20cm')).toBe(8.8);
    expect(cals.find((x) => x.altName === '3C286')?.name).toBe('1331+305');
  });
});

describe('the curated calibrator resource', () => {
  it('holds bright calibrators with fluxes and spectral indices', () => {
    expect(curated.calibrators.length).toBeGreaterThan(100);
    for (const c of curated.calibrators) {
      expect(c.flux1400Jy).toBeGreaterThanOrEqual(2);
      expect(c.spectralIndex).toBeGreaterThan(-2);
      expect(c.spectralIndex).toBeLessThan(1.5);
    }
    expect(curated.calibrators.find((c) => c.name === '0834+555')?.flux1400Jy).toBe(8.8);
  });
});
