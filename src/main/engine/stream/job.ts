// The streaming job: one group through the batch pipeline's own stages (convert, then apply the
// calibration valid at its time, or solve on the calibrator transiting in it, then image), as a
// job of the runner, so a daemon killed at any point resumes it where it stopped and redoes
// nothing whose outputs verify.
import path from 'node:path';
import { z } from 'zod';
import { CHUNK_S } from '../../../shared/instrument';
import { transitMjd } from '../../../shared/astro';
import { GroupId, type IngestGroup } from '../../../shared/model/ingest';
import { searchCalibrators } from '../calibration/calibrators';
import { lookupCalSet } from '../calibration/registry';
import { registryConfig } from '../calibration/solved-tables';
import { CALIBRATE_APPLY_STAGE, CALIBRATE_SOLVE_STAGE } from '../calibration/stage';
import type { Config } from '../config';
import { msPathFor } from '../convert/group';
import { CONVERT_STAGE } from '../convert/stage';
import type { Database } from '../db';
import { IMAGE_STAGE, IMAGING_TIERS } from '../imaging';
import type { JobRegistry, StageInstance } from '../jobs';

export const STREAM_JOB = 'stream.group';

export const StreamJobParams = z.object({
  groupId: GroupId,
  msDir: z.string().min(1),
  imageDir: z.string().min(1),
  /** How the group is calibrated: apply the registered tables valid at its time, solve on its transit, or not at all. */
  calibration: z.enum(['apply', 'solve', 'none']),
  /** The calibrator transiting in the group (calibration `solve`). */
  calibrator: z.string().min(1).optional(),
  /** Convert what is there (a partial group let through after the timeout). */
  allowIncomplete: z.boolean().default(false),
  expectedSubbands: z.number().int().min(1).max(16).default(16),
  tier: z.enum(IMAGING_TIERS).default('standard'),
});
export type StreamJobParams = z.infer<typeof StreamJobParams>;

/** File-system safe name of a group (its id holds ':'): the image prefix's stem. */
export function groupStem(groupId: string): string {
  return groupId.replace(/:/g, '');
}

export function streamMsPath(p: Pick<StreamJobParams, 'msDir' | 'groupId'>): string {
  return msPathFor(p.msDir, p.groupId);
}

export function streamImagePrefix(p: Pick<StreamJobParams, 'imageDir' | 'groupId'>): string {
  return path.join(path.resolve(p.imageDir), groupStem(p.groupId));
}

export function streamImagePath(p: Pick<StreamJobParams, 'imageDir' | 'groupId'>): string {
  return `${streamImagePrefix(p)}-image.fits`;
}

export function streamGraph(p: StreamJobParams): StageInstance[] {
  const msPath = streamMsPath(p);
  const out: StageInstance[] = [
    {
      id: 'convert',
      stage: CONVERT_STAGE,
      deps: [],
      params: {
        groupId: p.groupId,
        outputDir: p.msDir,
        allowIncomplete: p.allowIncomplete,
        expectedSubbands: p.expectedSubbands,
      },
    },
  ];
  let last = 'convert';
  if (p.calibration === 'solve') {
    // Solve on the transit and apply in the same pass; the apply stage then verifies as done.
    out.push({
      id: 'solve',
      stage: CALIBRATE_SOLVE_STAGE,
      deps: ['convert'],
      params: { msPath, apply: true, ...(p.calibrator ? { calibrator: p.calibrator } : {}) },
    });
    last = 'solve';
  }
  if (p.calibration !== 'none') {
    out.push({ id: 'apply', stage: CALIBRATE_APPLY_STAGE, deps: [last], params: { msPath } });
    last = 'apply';
  }
  out.push({
    id: 'image',
    stage: IMAGE_STAGE,
    deps: [last],
    params: {
      msPath,
      prefix: streamImagePrefix(p),
      tier: p.tier,
      column: p.calibration === 'none' ? 'DATA' : 'CORRECTED_DATA',
    },
  });
  return out;
}

export function registerStreamJob(engine: { registry: JobRegistry }): void {
  const reg = engine.registry;
  if (reg.jobKinds().some((k) => k.kind === STREAM_JOB)) return;
  reg.registerJob({
    kind: STREAM_JOB,
    title: 'streaming: one group converted, calibrated and imaged',
    params: StreamJobParams,
    build: (p) => streamGraph(StreamJobParams.parse(p)),
  });
}

export interface CalibrationChoice {
  calibration: StreamJobParams['calibration'];
  calibrator?: string;
  /** Why, for the queue's note and the log. */
  reason: string;
}

/**
 * How to calibrate a group: the registered tables valid at its middle when there are; else,
 * with solving enabled, the brightest catalog calibrator (>= 1 Jy, within 2.5 deg of its
 * declination) that transits during it; else uncalibrated (imaged from DATA, said in the note).
 */
export function chooseCalibration(
  engine: { db: Database; config: Config },
  group: IngestGroup,
  solving: boolean,
): CalibrationChoice {
  const midMjd = group.startMjd + CHUNK_S / 2 / 86400;
  const set = lookupCalSet(engine.db, midMjd, registryConfig(engine.config));
  if (set.bandpass && set.gains)
    return {
      calibration: 'apply',
      reason: `applies ${path.basename(set.bandpass.table.path)} and ${path.basename(set.gains.table.path)}`,
    };
  if (solving && group.decDeg !== null) {
    const endMjd = group.startMjd + CHUNK_S / 86400;
    const found = searchCalibrators(engine.db, engine.config, {
      decDeg: group.decDeg,
      radiusDeg: 2.5,
      minFluxJy: 1,
      limit: 5,
      afterMjd: group.startMjd,
    });
    for (const m of found) {
      const c = m.calibrator;
      const t = transitMjd((c.raDeg * Math.PI) / 180, (c.decDeg * Math.PI) / 180, group.startMjd, 'next');
      if (t >= group.startMjd && t < endMjd)
        return { calibration: 'solve', calibrator: c.name, reason: `solves on the transit of ${c.name}` };
    }
  }
  return {
    calibration: 'none',
    reason: `no valid calibration tables at MJD ${midMjd.toFixed(5)}${solving ? ' and no calibrator transits in it' : ''}: imaged uncalibrated (DATA)`,
  };
}
