// A reference catalog that is not the truth, as a real one (NVSS-like) is not: every measurement
// of the pipeline's science (sky-model calibration, out-of-field subtraction, QA cross-matching)
// uses it instead of the simulated sky, so none of them can lean on knowing the answer.
//   - fluxes scattered by a relative `fluxScatter` (Gaussian, 10 %),
//   - positions scattered by `positionScatterArcsec` (Gaussian per coordinate, 1"),
//   - sources below `minFluxJy` (10 mJy at 1.4 GHz) missing (the survey's limit),
//   - `absentFraction` (2 %) of the rest missing at random (variables, blends, survey gaps).
// Written beside the truth as reference.json in the truth file's format (`sim-truth` import).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from './rng';
import type { SkySource } from './sky';

export const REFERENCE_FILE = 'reference.json';

export interface ReferencePerturbation {
  fluxScatter: number;
  positionScatterArcsec: number;
  minFluxJy: number;
  absentFraction: number;
}

export const DEFAULT_REFERENCE_PERTURBATION: ReferencePerturbation = { fluxScatter: 0.1, positionScatterArcsec: 1, minFluxJy: 0.01, absentFraction: 0.02 };

/** The perturbed catalog of `sources` (deterministic in `seed`); names are kept so matches can be traced to the truth. */
export function referenceCatalog(sources: readonly SkySource[], seed: number, p: ReferencePerturbation = DEFAULT_REFERENCE_PERTURBATION): SkySource[] {
  const rng = new Rng(seed, 'reference-catalog');
  const out: SkySource[] = [];
  for (const s of sources) {
    // Every source draws the same number of deviates, so the catalog of one source does not depend on the others'.
    const absent = rng.uniform() < p.absentFraction;
    const df = rng.normal();
    const dra = rng.normal();
    const ddec = rng.normal();
    if (absent || s.fluxJy < p.minFluxJy) continue;
    const cosd = Math.max(1e-6, Math.cos((s.decDeg * Math.PI) / 180));
    out.push({
      ...s,
      fluxJy: Math.max(1e-6, s.fluxJy * (1 + p.fluxScatter * df)),
      raDeg: ((((s.raDeg + (dra * p.positionScatterArcsec) / 3600 / cosd) % 360) + 360) % 360),
      decDeg: s.decDeg + (ddec * p.positionScatterArcsec) / 3600,
    });
  }
  return out;
}

/**
 * Writes `<dir>/reference.json` from `<dir>/truth.json` (its sources and seed); returns its path
 * and how many sources it kept.
 */
export function writeReferenceCatalog(truthFile: string, p: ReferencePerturbation = DEFAULT_REFERENCE_PERTURBATION): { file: string; sources: number; truthSources: number } {
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { format: string; parameters?: { seed?: number }; sources: SkySource[] };
  if (!Array.isArray(truth.sources)) throw new Error(`${truthFile}: field "sources" must be an array (a simulation truth file)`);
  const seed = truth.parameters?.seed ?? 1;
  const sources = referenceCatalog(truth.sources, seed, p);
  const file = path.join(path.dirname(truthFile), REFERENCE_FILE);
  const doc = {
    format: 'dsa110-contimg simulation truth v1',
    note: `reference catalog: the truth of ${path.basename(truthFile)} perturbed (flux scatter ${p.fluxScatter}, position scatter ${p.positionScatterArcsec}" per coordinate, ` +
      `none below ${p.minFluxJy} Jy, ${100 * p.absentFraction} % absent at random; seed ${seed})`,
    perturbation: p,
    sources,
  };
  writeFileSync(`${file}.tmp`, JSON.stringify(doc));
  renameSync(`${file}.tmp`, file);
  return { file, sources: sources.length, truthSources: truth.sources.length };
}
