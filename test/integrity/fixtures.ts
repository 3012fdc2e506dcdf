// Small DSA-110-shaped subband files written without the native addon (header from the
// simulator's model, a deterministic pattern as data), for the identity and bad-input tests.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { correlatorFileName, writeUvh5, type VisibilityBlock } from '../../src/main/engine/uvh5';
import { dsaLikeHeader } from '../uvh5/synthetic';
import { patternBlock } from '../uvh5/helpers';

export interface ObsSpec {
  /** JD of the first integration's start. */
  startJd: number;
  decDeg: number;
  /** File-name timestamps per subband (jittered like the correlator's), or one for all. */
  stamp: string | ((sb: number) => string);
  nants?: number;
  subbands?: number[];
  /** Change a subband's visibilities before writing (bad-value tests). */
  mutate?: (sb: number, block: VisibilityBlock) => void;
}

/** Write the subband files of one observation into `dir`; returns their paths. */
export async function writeObservation(dir: string, o: ObsSpec): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const sb of o.subbands ?? Array.from({ length: 16 }, (_, i) => i)) {
    const h = dsaLikeHeader({
      nants: o.nants ?? 4,
      ntimes: 2,
      nfreqs: 4,
      subband: sb,
      startJd: o.startJd,
      decRad: (o.decDeg * Math.PI) / 180,
    });
    const file = path.join(dir, correlatorFileName(typeof o.stamp === 'string' ? o.stamp : o.stamp(sb), sb));
    const block = patternBlock(h, 0, h.Nblts);
    o.mutate?.(sb, block);
    await writeUvh5(file, h, block, { overwrite: true });
    out.push(file);
  }
  return out;
}
