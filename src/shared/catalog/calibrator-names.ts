// Calibrator names as astronomers type them, resolved against a catalog that follows the VLA
// calibrator list's conventions: the primary name is the J2000 IAU name without its prefix
// ("1331+305": RA hhmm, Dec sign, degrees and tenths), the list also gives the B1950 name
// ("1328+307") and often an alternate name ("3C286"). Accepted, case- and space-insensitively:
//   1331+305, J1331+305, J1331+3030 (Dec in degrees and arcminutes, truncated to tenths),
//   B1328+307 (the B1950 name with its prefix), 1328+307 (bare B1950 name), 3C286, 3c 286.
// A bare name that is the J2000 name of one entry and the B1950 name of another is ambiguous
// (the VLA list has four), as is an alternate name several entries carry; the error lists the
// candidates with names that single each one out.

/** What the resolver needs of a catalog entry. */
export interface NamedCalibrator {
  /** J2000 IAU name without prefix, e.g. "1331+305". */
  name: string;
  /** Alternate name, e.g. "3C286". */
  altName?: string | null;
  /** B1950 name without prefix, e.g. "1328+307". */
  b1950Name?: string | null;
}

/** Which of an entry's names a query matched. */
export type CalibratorNameKind = 'J2000' | 'B1950' | 'alternate';

export interface CalibratorCandidate<T extends NamedCalibrator> {
  entry: T;
  via: CalibratorNameKind;
}

export type CalibratorResolution<T extends NamedCalibrator> =
  | { status: 'found'; entry: T; via: CalibratorNameKind }
  | { status: 'unknown' }
  | { status: 'ambiguous'; candidates: CalibratorCandidate<T>[] };

/** Upper case without white space: "3c 286" -> "3C286". */
export function normaliseCalibratorName(name: string): string {
  return name.replace(/\s+/g, '').toUpperCase();
}

const IAU = /^(\d{4})([+-])(\d{3})$/;
const IAU_ARCMIN = /^(\d{4})([+-])(\d{2})(\d{2})$/;

/** The query's readings as (kind, catalog-style name): prefixes stripped, arcminute forms converted. */
function readings(query: string): { kind: CalibratorNameKind | 'bare'; key: string }[] {
  const q = normaliseCalibratorName(query);
  const out: { kind: CalibratorNameKind | 'bare'; key: string }[] = [];
  const prefix = q[0];
  const rest = q.slice(1);
  if ((prefix === 'J' || prefix === 'B') && (IAU.test(rest) || IAU_ARCMIN.test(rest))) {
    out.push({ kind: prefix === 'J' ? 'J2000' : 'B1950', key: tenths(rest) });
  } else if (IAU.test(q)) {
    out.push({ kind: 'bare', key: q });
  } else if (IAU_ARCMIN.test(q)) {
    out.push({ kind: 'J2000', key: tenths(q) });
  }
  out.push({ kind: 'alternate', key: q });
  return out;
}

/** "1331+3030" -> "1331+305" (Dec degrees and arcminutes to degrees and truncated tenths); others unchanged. */
function tenths(name: string): string {
  const m = IAU_ARCMIN.exec(name);
  if (!m) return name;
  const [, ra, sign, dd, mm] = m;
  const t = Math.floor((Number(dd) + Number(mm) / 60) * 10 + 1e-9);
  return `${ra}${sign}${String(t).padStart(3, '0')}`;
}

/**
 * Resolves `query` against `entries`: an exact (case-insensitive) J2000 name, J/B-prefixed
 * IAU names, a bare B1950 name, or an alternate name. One match: found; several distinct
 * entries: ambiguous (candidates in catalog order); none: unknown.
 */
export function resolveCalibratorName<T extends NamedCalibrator>(
  query: string,
  entries: readonly T[],
): CalibratorResolution<T> {
  const found = new Map<T, CalibratorNameKind>();
  const add = (entry: T, via: CalibratorNameKind): void => {
    if (!found.has(entry)) found.set(entry, via);
  };
  for (const r of readings(query)) {
    for (const e of entries) {
      const j = normaliseCalibratorName(e.name);
      const b = e.b1950Name ? normaliseCalibratorName(e.b1950Name) : null;
      const alt = e.altName ? normaliseCalibratorName(e.altName) : null;
      if ((r.kind === 'J2000' || r.kind === 'bare') && j === r.key) add(e, 'J2000');
      if ((r.kind === 'B1950' || r.kind === 'bare') && b === r.key) add(e, 'B1950');
      if (r.kind === 'alternate' && alt === r.key) add(e, 'alternate');
      // A catalog entry whose primary name is not IAU-shaped (a user's own catalog) still resolves by it.
      if (r.kind === 'alternate' && !IAU.test(j) && j === r.key) add(e, 'J2000');
    }
  }
  const candidates = [...found].map(([entry, via]) => ({ entry, via }));
  const [first] = candidates;
  if (!first) return { status: 'unknown' };
  if (candidates.length === 1) return { status: 'found', entry: first.entry, via: first.via };
  return { status: 'ambiguous', candidates };
}

/** A name that singles a candidate out: "J1012+232" for a J2000 match, "B1012+232" for a B1950 one, else its J2000 name. */
export function unambiguousName(c: CalibratorCandidate<NamedCalibrator>): string {
  if (c.via === 'B1950' && c.entry.b1950Name) return `B${c.entry.b1950Name}`;
  return IAU.test(c.entry.name) ? `J${c.entry.name}` : c.entry.name;
}

/** One candidate in words, e.g. "1331+305 (3C286, B1950 1328+307)". */
export function describeCandidate(c: CalibratorCandidate<NamedCalibrator>): string {
  const also = [c.entry.altName, c.entry.b1950Name ? `B1950 ${c.entry.b1950Name}` : null].filter(
    (x): x is string => !!x,
  );
  return `${c.entry.name}${also.length > 0 ? ` (${also.join(', ')})` : ''} as ${unambiguousName(c)}`;
}

/** A calibrator name that matches no entry or several; the message lists the candidates. */
export class CalibratorNameError extends Error {
  constructor(
    readonly query: string,
    readonly candidates: readonly CalibratorCandidate<NamedCalibrator>[],
    where: string,
  ) {
    super(
      candidates.length === 0
        ? `calibrator "${query}" is not in ${where}`
        : `calibrator name "${query}" is ambiguous in ${where}: ${candidates.map(describeCandidate).join('; ')}; give one of ${candidates.map(unambiguousName).join(', ')}`,
    );
    this.name = 'CalibratorNameError';
  }
}

/** The entry `query` names; CalibratorNameError listing the candidates when several match, null when none. */
export function findCalibratorByName<T extends NamedCalibrator>(
  query: string,
  entries: readonly T[],
  where = 'the calibrator catalog',
): T | null {
  const r = resolveCalibratorName(query, entries);
  if (r.status === 'found') return r.entry;
  if (r.status === 'ambiguous') throw new CalibratorNameError(query, r.candidates, where);
  return null;
}
