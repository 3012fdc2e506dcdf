// Simulated correlator groups for the conversion tests: clean (no corruptions) point sources
// placed relative to the MS phase centre the converter will choose (the meridian at the
// chunk's mid-time, pointing declination), so tests can put sources where they want them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_S } from '../../src/shared/instrument';
import { driftPhaseCentreJ2000, lmToRaDec, parseIsoUtc } from '../../src/shared/astro';
import { NativePool } from '../../src/main/engine/native/pool';
import { simulate } from '../../src/main/engine/sim/simulate';
import type { SimulationResult } from '../../src/main/engine/sim/simulate';

export const START = '2026-01-15T03:00:00';
export const DEC_DEG = 55.57;
export const CLEAN = {
  gains: false,
  bandpass: false,
  noise: false,
  deadAntennas: 0,
  flaggedChannelFraction: 0,
  rfi: false,
};

/** The J2000 phase centre the converter picks for a chunk starting at START. */
export function expectedPhaseCentre(start = START, decDeg = DEC_DEG): { raRad: number; decRad: number } {
  const mid = parseIsoUtc(start) + CHUNK_S / 2 / 86400;
  return driftPhaseCentreJ2000(mid, (decDeg * Math.PI) / 180);
}

export interface Offset {
  name: string;
  lRad: number;
  mRad: number;
  fluxJy: number;
}

/** Sources at direction cosines (l east, m north) from the expected phase centre. */
export function sourcesAt(offsets: Offset[]) {
  const pc = expectedPhaseCentre();
  return offsets.map((o) => {
    const p = lmToRaDec(o.lRad, o.mRad, pc.raRad, pc.decRad);
    return {
      name: o.name,
      raDeg: (p.raRad * 180) / Math.PI,
      decDeg: (p.decRad * 180) / Math.PI,
      fluxJy: o.fluxJy,
      spectralIndex: 0,
      kind: 'field' as const,
    };
  });
}

export async function simulateGroup(opts: {
  antennas: number;
  channelsPerSubband: number;
  offsets: Offset[];
  outDir?: string;
}): Promise<SimulationResult> {
  const pool = new NativePool({ workers: 2 });
  try {
    return await simulate(
      {
        outDir: opts.outDir ?? mkdtempSync(join(tmpdir(), 'convert-sim-')),
        start: START,
        minutes: 5,
        decDeg: DEC_DEG,
        antennas: opts.antennas,
        channelsPerSubband: opts.channelsPerSubband,
        sources: sourcesAt(opts.offsets),
        corruptions: CLEAN,
        minApparentJy: 0,
        jitterS: 3,
      },
      pool,
    );
  } finally {
    await pool.close();
  }
}
