// Calibrator selection as the operational pipeline does it: catalog entries in a declination
// strip, weighted by the primary-beam power response at their declination offset (the beam
// points at the search declination on the meridian), with the next transit over the array.
// The catalog is seeded by the engine, searched by the planner and the API: it lives here, below all three.
import { z } from 'zod';
import curated from '../../../../resources/calibrators/dsa110_calibrators.json';
import { transitMjd } from '../../../shared/astro';
import {
  beamModel,
  channelFrequencyHz,
  CHANNELS_PER_SUBBAND,
  DISH_DIAMETER_M,
  SUBBAND_COUNT,
  type PrimaryBeamModel,
} from '../../../shared/instrument';
import { Calibrator, nowMjd } from '../../../shared/model';
import type { CalibratorMatch } from '../../../shared/api';
import type { Config } from '../config';
import type { Database } from '../db';

const CATALOG_FILE = 'resources/calibrators/dsa110_calibrators.json';
const DEG = Math.PI / 180;

const CuratedEntry = z.object({
  name: z.string().min(1),
  raDeg: z.number(),
  decDeg: z.number(),
  positionCode: z.string().nullable(),
  flux1400Jy: z.number(),
  spectralIndex: z.number(),
  uvMinKlambda: z.number().nullable(),
  uvMaxKlambda: z.number().nullable(),
  altName: z.string().min(1).nullable(),
  b1950Name: z.string().min(1).nullable(),
});
const CuratedList = z.object({ calibrators: z.array(CuratedEntry).min(1) });

/** The shipped curated list as model calibrators; an invalid entry is named by index and field. */
export function curatedCalibrators(): Calibrator[] {
  const parsed = CuratedList.safeParse(curated);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${CATALOG_FILE}: ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid'}`);
  }
  return parsed.data.calibrators.map((c, index) => {
    const cal = Calibrator.safeParse({ ...c, catalog: 'vla' });
    if (!cal.success) {
      const i = cal.error.issues[0];
      throw new Error(
        `${CATALOG_FILE}: calibrators[${index}] (${c.name}): ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid'}`,
      );
    }
    return cal.data;
  });
}

/**
 * Fill the calibrator table from the curated list when it is empty; returns how many were
 * written (0 when the table already had entries, so a user's own catalog is never touched).
 * A table seeded before the catalog kept other names (schema version 4) gets the curated
 * entries' alternate and B1950 names filled in, so 3C286 resolves there too.
 */
export function seedCalibrators(db: Database): number {
  if (db.calibration.listCalibrators().length > 0) {
    if (!db.calibration.hasOtherNames()) db.calibration.fillCalibratorNames(curatedCalibrators());
    return 0;
  }
  const list = curatedCalibrators();
  return db.transaction(() => {
    // Re-check inside the write lock: another process may be seeding the same file.
    if (db.calibration.listCalibrators().length > 0) return 0;
    for (const c of list) db.calibration.upsertCalibrator(c);
    return list.length;
  });
}

/** Middle of the DSA-110 band (sb00 channel 0 to sb15 channel 47), where the beam is evaluated. */
export const BAND_CENTRE_HZ =
  (channelFrequencyHz(0, 0) + channelFrequencyHz(SUBBAND_COUNT - 1, CHANNELS_PER_SUBBAND - 1)) / 2;

/** The configured primary-beam model (named as the instrument library names it). */
export function configuredBeam(config: Pick<Config, 'imaging'>): { model: PrimaryBeamModel; label: string } {
  const model = beamModel(config.imaging.beamModel, DISH_DIAMETER_M);
  return { model, label: `${model.name}-${DISH_DIAMETER_M}m` };
}

/** A name as compared: case and blanks ignored, a leading "J" or "B" epoch letter dropped for IAU names. */
function normalName(n: string): string {
  const t = n.toUpperCase().replace(/\s+/g, '');
  return /^[JB]\d{4}[+-]\d{2,4}$/.test(t) ? t.slice(1) : t;
}

/**
 * Other names of catalog calibrators (3C286 -> 1331+305), from the curated list's alternative
 * names. This is the seam for the catalog's alias resolver (src/shared/catalog): replace the
 * body with it and every name search (calibrators.search, calibrators.transits) uses it.
 */
export function calibratorAliases(): Map<string, string[]> {
  const parsed = CuratedList.safeParse(curated);
  const out = new Map<string, string[]>();
  if (!parsed.success) return out;
  for (const c of parsed.data.calibrators) if (c.altName) out.set(c.name, [c.altName]);
  return out;
}

/** Catalog calibrators whose name or an alias matches `query` (case-insensitive), with the name matched. */
export function calibratorsByName(db: Database, query: string): { calibrator: Calibrator; matchedName: string }[] {
  const q = normalName(query);
  const aliases = calibratorAliases();
  const out: { calibrator: Calibrator; matchedName: string }[] = [];
  for (const c of db.calibration.listCalibrators()) {
    // The catalog's own other names (alternate, B1950), then the curated list's for older tables.
    const names = [
      c.name,
      ...[c.altName, c.b1950Name].filter((n): n is string => typeof n === 'string'),
      ...(aliases.get(c.name) ?? []),
    ];
    const hit = names.find((n) => normalName(n) === q);
    if (hit !== undefined) out.push({ calibrator: c, matchedName: hit });
  }
  return out;
}

/**
 * Calibrators whose name or any alias starts with what was typed (`0834` -> 0834+555, `3C2` ->
 * 3C286, 3C295...), for a search box; names matching exactly come first. At most `limit`.
 */
export function calibratorsByNamePrefix(
  db: Database,
  query: string,
  limit: number,
): { calibrator: Calibrator; matchedName: string }[] {
  const raw = query.toUpperCase().replace(/\s+/g, '');
  const q = raw.replace(/^[JB](?=\d)/, '');
  if (q.length < 2) return [];
  const aliases = calibratorAliases();
  const out: { calibrator: Calibrator; matchedName: string }[] = [];
  for (const c of db.calibration.listCalibrators()) {
    const names = [
      c.name,
      ...[c.altName, c.b1950Name].filter((n): n is string => typeof n === 'string'),
      ...(aliases.get(c.name) ?? []),
    ];
    const hit = names.find((n) => normalName(n).startsWith(q) || n.toUpperCase().replace(/\s+/g, '').startsWith(raw));
    if (hit !== undefined) out.push({ calibrator: c, matchedName: hit });
    if (out.length >= limit) break;
  }
  return out;
}

export interface CalibratorSearch {
  decDeg: number;
  radiusDeg: number;
  minFluxJy: number;
  afterMjd?: number;
  limit: number;
}

/** Calibrators within `radiusDeg` of `decDeg`, brightest beam-weighted flux first. */
export function searchCalibrators(
  db: Database,
  config: Pick<Config, 'imaging'>,
  q: CalibratorSearch,
): CalibratorMatch[] {
  const { model, label } = configuredBeam(config);
  const after = q.afterMjd ?? nowMjd();
  const candidates = db.calibration.listCalibrators({
    decMinDeg: q.decDeg - q.radiusDeg,
    decMaxDeg: q.decDeg + q.radiusDeg,
    minFlux1400Jy: q.minFluxJy,
  });
  const matches = candidates.map((calibrator) => {
    const decOffsetDeg = Math.abs(calibrator.decDeg - q.decDeg);
    // At transit the source crosses the meridian at its declination: the offset from the
    // pointing is the declination difference alone.
    const response = model.response(decOffsetDeg * DEG, BAND_CENTRE_HZ);
    return {
      calibrator,
      decOffsetDeg,
      beamWeightedFluxJy: calibrator.flux1400Jy * response,
      beamModel: label,
      nextTransitMjd: transitMjd(calibrator.raDeg * DEG, calibrator.decDeg * DEG, after, 'next'),
    };
  });
  matches.sort(
    (a, b) =>
      b.beamWeightedFluxJy - a.beamWeightedFluxJy ||
      a.decOffsetDeg - b.decOffsetDeg ||
      a.calibrator.name.localeCompare(b.calibrator.name),
  );
  return matches.slice(0, q.limit);
}

/** A name search: the calibrators matching a name or alias, weighted as seen at their own declination (or at `decDeg`). */
export function searchCalibratorsByName(
  db: Database,
  config: Pick<Config, 'imaging'>,
  q: { name: string; decDeg?: number; afterMjd?: number; limit: number },
): CalibratorMatch[] {
  const { model, label } = configuredBeam(config);
  const after = q.afterMjd ?? nowMjd();
  const exact = calibratorsByName(db, q.name);
  // Nothing by that exact name: what starts with it (a search box's `0834`).
  return (exact.length > 0 ? exact : calibratorsByNamePrefix(db, q.name, q.limit))
    .slice(0, q.limit)
    .map(({ calibrator, matchedName }) => {
      const decOffsetDeg = q.decDeg === undefined ? 0 : Math.abs(calibrator.decDeg - q.decDeg);
      return {
        calibrator,
        decOffsetDeg,
        beamWeightedFluxJy: calibrator.flux1400Jy * model.response(decOffsetDeg * DEG, BAND_CENTRE_HZ),
        beamModel: label,
        nextTransitMjd: transitMjd(calibrator.raDeg * DEG, calibrator.decDeg * DEG, after, 'next'),
        matchedName,
      };
    });
}
