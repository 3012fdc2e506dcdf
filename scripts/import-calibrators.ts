// Builds the curated calibrator list the app ships (resources/calibrators/dsa110_calibrators.json)
// from the VLA calibrator manual's text list. Run: node --import tsx scripts/import-calibrators.ts [LIST]
// (LIST: vlacalibrators.txt, or .txt.gz; default the copy in test/fixtures).
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bandFlux, parseVlaCalibrators, spectralIndex20to6 } from '../src/shared/catalog/vla-calibrators';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const listPath = process.argv[2] ?? path.join(root, 'test', 'fixtures', 'vlacalibrators.txt.gz');
const MIN_FLUX_JY = 2.0; // bright enough for a 5-minute DSA-110 bandpass solve (SNR >> 50 per channel group)
const MIN_DEC = -30; // DSA-110 (latitude +37.2) reaches elevation > 20 deg only north of about -33 deg

const raw = readFileSync(listPath);
const cals = parseVlaCalibrators((listPath.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'), listPath);
const curated = cals
  .map((c) => ({ c, s: bandFlux(c, '20cm') }))
  .filter((x): x is { c: typeof x.c; s: number } => x.s !== null && x.s >= MIN_FLUX_JY && x.c.decDeg >= MIN_DEC)
  .map(({ c, s }) => {
    const si = spectralIndex20to6(c);
    const l = c.bands.find((b) => b.band === '20cm');
    return {
      name: c.name,
      altName: c.altName,
      b1950Name: c.b1950Name,
      raDeg: Number(c.raDeg.toFixed(9)),
      decDeg: Number(c.decDeg.toFixed(9)),
      positionCode: c.positionCode,
      flux1400Jy: s,
      spectralIndex: Number(si.alpha.toFixed(3)),
      spectralIndexMeasured: si.measured,
      uvMinKlambda: l?.uvMinKlambda ?? null,
      uvMaxKlambda: l?.uvMaxKlambda ?? null,
      qualityL: l ? `${l.quality.A}${l.quality.B}${l.quality.C}${l.quality.D}` : null,
    };
  })
  .sort((a, b) => a.raDeg - b.raDeg);

const out = {
  description:
    'Bright (>= 2 Jy at 20 cm, Dec >= -30 deg) calibrators from the VLA calibrator manual list; ' +
    'spectral index from the 20 cm and 6 cm fluxes (S ~ nu^alpha), -0.7 where the list has no 6 cm flux.',
  source: 'VLA calibrator manual (vlacalibrators.txt)',
  minFlux1400Jy: MIN_FLUX_JY,
  minDecDeg: MIN_DEC,
  calibrators: curated,
};
const dest = path.join(root, 'resources', 'calibrators', 'dsa110_calibrators.json');
writeFileSync(dest, JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${curated.length} calibrators to ${path.relative(root, dest)}`);
