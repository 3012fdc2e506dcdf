// Tile validation before combining: readable files with a sane WCS, one declination strip,
// compatible frequencies and beams, one calibration, no duplicates, time order. Each check is
// recorded with the offending image ids; the build refuses a failed validation unless forced.
import type { MosaicValidation } from '../../../shared/model';
import type { TileInfo } from './tiles';

export type ValidationCheck = MosaicValidation['checks'][number];

export interface ValidationLimits {
  /** Pointing declinations within this of the group's median (config mosaic.decToleranceDeg). */
  decToleranceDeg: number;
  /** Relative frequency spread allowed (0.01 = 1 %). */
  freqTolerance: number;
  /** Relative beam major/minor spread allowed (0.2 = 20 %). */
  beamTolerance: number;
}

export const DEFAULT_LIMITS: Omit<ValidationLimits, 'decToleranceDeg'> = { freqTolerance: 0.01, beamTolerance: 0.2 };

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

const ids = (tiles: TileInfo[]): number[] => tiles.map((t) => t.imageId);
const fmt = (x: number, digits = 4): string => Number(x.toPrecision(digits)).toString();

/** The checks, in a fixed order; each `ok` with a message saying what was compared. */
export function runChecks(tiles: readonly TileInfo[], limits: ValidationLimits): ValidationCheck[] {
  const checks: ValidationCheck[] = [];
  const add = (check: string, bad: TileInfo[], okMessage: string, badMessage: string) =>
    checks.push({
      check,
      ok: bad.length === 0,
      message: bad.length === 0 ? okMessage : badMessage,
      imageIds: ids(bad),
    });

  checks.push({
    check: 'count',
    ok: tiles.length > 0,
    message: tiles.length > 0 ? `${tiles.length} images` : 'no images were given',
    imageIds: [],
  });

  const unreadable = tiles.filter((t) => t.problems.length > 0);
  add(
    'readable',
    unreadable,
    'every image, its primary beam and its WCS (RA---SIN/DEC--SIN) are readable',
    unreadable.map((t) => t.problems.join('; ')).join(' | '),
  );

  // Duplicates: the same id, the same file or the same MS twice.
  const dup: TileInfo[] = [];
  const seen = { id: new Set<number>(), path: new Set<string>(), ms: new Set<number>() };
  for (const t of tiles) {
    const again =
      seen.id.has(t.imageId) || (t.path !== null && seen.path.has(t.path)) || (t.msId !== null && seen.ms.has(t.msId));
    if (again) dup.push(t);
    seen.id.add(t.imageId);
    if (t.path !== null) seen.path.add(t.path);
    if (t.msId !== null) seen.ms.add(t.msId);
  }
  add(
    'duplicates',
    dup,
    'no image, file or Measurement Set appears twice',
    `images ${ids(dup).join(', ')} repeat an image, file or Measurement Set already in the group`,
  );

  const withDec = tiles.filter((t) => t.decDeg !== null);
  if (withDec.length > 0) {
    const m = median(withDec.map((t) => t.decDeg!));
    const off = withDec.filter((t) => Math.abs(t.decDeg! - m) > limits.decToleranceDeg);
    add(
      'declination',
      off,
      `all pointings within ${limits.decToleranceDeg} deg of Dec ${fmt(m, 7)}`,
      `not in the strip at Dec ${fmt(m, 7)} (tolerance ${limits.decToleranceDeg} deg): ${off.map((t) => `image ${t.imageId} at ${fmt(t.decDeg!, 7)}`).join(', ')}`,
    );
  } else {
    add('declination', [...tiles], '', 'no image has a known declination');
  }

  const withFreq = tiles.filter((t) => t.freqHz !== null);
  if (withFreq.length > 0) {
    const m = median(withFreq.map((t) => t.freqHz!));
    const off = withFreq.filter((t) => Math.abs(t.freqHz! - m) > limits.freqTolerance * m);
    add(
      'frequency',
      off,
      `all frequencies within ${limits.freqTolerance * 100} % of ${fmt(m / 1e6, 7)} MHz`,
      `frequency more than ${limits.freqTolerance * 100} % from ${fmt(m / 1e6, 7)} MHz: ${off.map((t) => `image ${t.imageId} at ${fmt(t.freqHz! / 1e6, 7)} MHz`).join(', ')}`,
    );
  }

  const withBeam = tiles.filter((t) => t.beam !== null);
  if (withBeam.length > 0) {
    const maj = median(withBeam.map((t) => t.beam!.majorArcsec));
    const min = median(withBeam.map((t) => t.beam!.minorArcsec));
    const tol = limits.beamTolerance;
    const off = withBeam.filter(
      (t) => Math.abs(t.beam!.majorArcsec - maj) > tol * maj || Math.abs(t.beam!.minorArcsec - min) > tol * min,
    );
    add(
      'beam',
      off,
      `restoring beams within ${tol * 100} % of ${fmt(maj)}" x ${fmt(min)}"`,
      `restoring beam more than ${tol * 100} % from ${fmt(maj)}" x ${fmt(min)}": ${off.map((t) => `image ${t.imageId} ${fmt(t.beam!.majorArcsec)}" x ${fmt(t.beam!.minorArcsec)}"`).join(', ')}`,
    );
  }

  // Calibration: every MS whose applied calibration is known must carry the same set.
  const known = tiles.filter((t) => t.calibration !== null);
  if (known.length > 0) {
    const counts = new Map<string, number>();
    for (const t of known) counts.set(t.calibration!, (counts.get(t.calibration!) ?? 0) + 1);
    const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const off = known.filter((t) => t.calibration !== majority);
    const unknown = tiles.length - known.length;
    add(
      'calibration',
      off,
      `calibration ${majority} on all ${known.length} Measurement Sets whose calibration is recorded${unknown > 0 ? ` (${unknown} unknown)` : ''}`,
      `Measurement Sets calibrated differently from the majority (${majority}): ${off.map((t) => `image ${t.imageId}: ${t.calibration}`).join(', ')}`,
    );
  } else {
    add('calibration', [], 'calibration not recorded for any of the Measurement Sets (not checked)', '');
  }

  // Time order: the images in the order given must be in time order without overlapping.
  // Repeats are the duplicates check's business, not an ordering error.
  const timed = tiles.filter((t) => t.startMjd !== null && !dup.includes(t));
  const late: TileInfo[] = [];
  let maxGapMin = 0;
  for (let k = 1; k < timed.length; k++) {
    const prev = timed[k - 1]!;
    const t = timed[k]!;
    if (t.startMjd! < (prev.endMjd ?? prev.startMjd!) - 1e-6 || t.startMjd! <= prev.startMjd!) late.push(t);
    else maxGapMin = Math.max(maxGapMin, (t.startMjd! - (prev.endMjd ?? prev.startMjd!)) * 1440);
  }
  add(
    'time-order',
    late,
    `in time order${timed.length > 1 ? `, largest gap ${fmt(maxGapMin, 3)} min` : ''}`,
    `images not after the previous one (out of order or overlapping in time): ${ids(late).join(', ')}`,
  );
  return checks;
}
