// The conversion as a job-runner stage (`convert`) and job kind (`convert`: one group -> one
// MS), registered on an engine's registry so orchestration can chain it with later stages.
import { z } from 'zod';
import { defineStage } from '../jobs';
import type { JobRegistry } from '../jobs';
import type { Database } from '../db';
import { removeStalePartials } from './convert';
import type { JsonObject } from '../../../shared/model/common';
import { convertGroup, existingComplete, msPathFor, resultFromRow, type ConvertGroupResult } from './group';
import { IncompleteGroupError } from './plan';
import { parseCorrelatorFileName } from '../uvh5';
import { GroupId } from '../../../shared/model/ingest';

export const CONVERT_KIND = 'convert';
export const CONVERT_STAGE = 'convert';

export const ConvertParams = z.object({
  groupId: GroupId,
  outputDir: z.string().min(1),
  allowIncomplete: z.boolean().default(false),
  overwrite: z.boolean().default(false),
  expectedSubbands: z.number().int().min(1).max(16).default(16),
});
export type ConvertParams = z.infer<typeof ConvertParams>;

/** A conversion result as stage outputs (plain JSON). */
function toJson(r: ConvertGroupResult): JsonObject {
  return JSON.parse(JSON.stringify(r)) as JsonObject;
}

/** The convert stage over a database (the engine's). */
export function convertStage(db: Database) {
  return defineStage({
    name: CONVERT_STAGE,
    params: ConvertParams,
    inputs: (ctx) => db.ingest.filesOfGroup(ctx.params.groupId).map((f) => f.path),
    outputs: (ctx) => [msPathFor(ctx.params.outputDir, ctx.params.groupId)],
    validate: (ctx) => {
      const p = ctx.params;
      db.ingest.requireGroup(p.groupId);
      const present = db.ingest.filesOfGroup(p.groupId).map((f) => parseCorrelatorFileName(f.path).subband);
      const missing = Array.from({ length: p.expectedSubbands }, (_, i) => i).filter((sb) => !present.includes(sb));
      if (missing.length > 0 && !p.allowIncomplete) throw new IncompleteGroupError(p.groupId, missing, present);
    },
    verify: (ctx) => {
      // Existing outputs are not reused under `overwrite`; what this run wrote is checked.
      if (ctx.params.overwrite && !ctx.executed) return null;
      const path = msPathFor(ctx.params.outputDir, ctx.params.groupId);
      const row = existingComplete(db, path);
      return row ? toJson(resultFromRow(row, ctx.params.groupId)) : null;
    },
    execute: async (ctx) => {
      const p = ctx.params;
      const r = await convertGroup(db, p.groupId, p.outputDir, {
        allowIncomplete: p.allowIncomplete,
        overwrite: p.overwrite,
        expectedSubbands: p.expectedSubbands,
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
        cliCommand: `job ${ctx.jobId}`,
      });
      for (const w of r.warnings) ctx.log.warn({ group: p.groupId }, w);
      ctx.log.info(
        { rows: r.rows, spws: r.spws, flagged: r.flaggedFraction },
        `${r.skipped ? 'kept' : 'wrote'} ${r.path}`,
      );
      // The whole result (rows, windows, phase centre, times, warnings) for whoever reads the job.
      return toJson(r);
    },
    cleanup: (ctx) => {
      removeStalePartials(msPathFor(ctx.params.outputDir, ctx.params.groupId));
    },
  });
}

/** Register the convert stage and job kind once on a registry (e.g. `engine.registry`). */
export function registerConvert(engine: { db: Database; registry: JobRegistry }): void {
  const reg = engine.registry;
  if (reg.jobKinds().some((k) => k.kind === CONVERT_KIND)) return;
  reg.registerStage(convertStage(engine.db)).registerJob({
    kind: CONVERT_KIND,
    title: 'convert one 16-subband group to a Measurement Set',
    params: ConvertParams,
    build: (p) => [{ id: 'convert', stage: CONVERT_STAGE, params: p, deps: [] }],
  });
}
