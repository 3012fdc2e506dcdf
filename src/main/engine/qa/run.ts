// The QA step of the product lifecycle: assess an image or mosaic (by product id or by row),
// store the result, move a staged product to qa_passed / qa_failed with the reasons in its audit
// trail and QA summary in its metadata. Publishing is not QA's business: its caller decides
// (registry publishAfterQa for the configured auto-publish, the mosaic job its publish stage).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CALTABLE_KINDS } from '../../../shared/model/calibration';
import type { Product } from '../../../shared/model/products';
import type { QaResult, QaSubject, QaTier } from '../../../shared/model/qa';
import type { Config } from '../config';
import type { Database } from '../db';
import type { AppLogger } from '../log';
import { assessImageFile, type Assessment } from './assess';

/** What QA needs of the engine (an Engine has it; tests may pass a narrower object). */
export interface QaEngine {
  db: Database;
  config: Config;
  log: AppLogger;
}

export interface RunQaOptions {
  /** Default `science`. */
  tier?: QaTier;
  /** Reference catalog name in the sources table (see `dsa110 catalog list`); default config qa.catalog. */
  catalog?: string;
  /** Who runs QA, for the audit trail (default `pipeline`). */
  actor?: string;
  /** Override the primary beam / noise map found from the database and file names. */
  pbPath?: string;
  noisePath?: string;
}

/** The stored QA result (id, verdict, metrics, reasons, ...) and what the run did. */
export type QaRunResult = Omit<QaResult, 'metrics'> & {
  /** The metrics as numbers (null: not measured), as stored. */
  metrics: Record<string, number | null>;
  assessment: Assessment;
  /** The file assessed. */
  file: string;
  /** The product after QA (null when the subject is not a registered product). */
  product: Product | null;
  /** The status change made, if any (a product already reviewed or published keeps its status). */
  transition: { from: Product['status']; to: 'qa_passed' | 'qa_failed' } | null;
};

export class QaError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid' | 'not_found' | 'conflict',
  ) {
    super(message);
    this.name = 'QaError';
  }
}

interface Target {
  subject: QaSubject;
  subjectId: number;
  product: Product | null;
  file: string;
  pbPath?: string;
  pbCorrected: boolean;
  noisePath?: string;
  msFlagged: number | null;
  calFlagged: number | null;
}

/** A mosaic product may be its FITS file or a directory holding `<id>.fits`. */
function fitsOf(p: string, id: string | null): string {
  if (existsSync(p) && statSync(p).isDirectory()) {
    const f = path.join(p, `${id ?? path.basename(p)}.fits`);
    if (!existsSync(f))
      throw new QaError(`${p} is a directory without ${path.basename(f)} (the mosaic to assess)`, 'not_found');
    return f;
  }
  return p;
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/**
 * The worst flagged fraction among the calibration tables that apply to these MS: per kind, the
 * valid table nearest each MS's mid time (the lookup the apply stage makes); null when none is known.
 */
function calFlaggedOf(db: QaEngine['db'], msIds: number[]): number | null {
  let worst: number | null = null;
  for (const id of msIds) {
    const ms = db.ms.get(id);
    if (!ms) continue;
    for (const kind of CALTABLE_KINDS) {
      const f = db.calibration.findValid(kind, ms.midMjd)[0]?.qa.flaggedFraction;
      if (typeof f === 'number' && Number.isFinite(f)) worst = Math.max(worst ?? 0, f);
    }
  }
  return worst;
}

function resolve(engine: QaEngine, which: string | { subject: QaSubject; subjectId: number }): Target {
  const db = engine.db;
  let subject: QaSubject;
  let subjectId: number;
  let product: Product | null = null;
  const ref = typeof which === 'string' ? /^(image|mosaic):(\d+)$/.exec(which) : null;
  if (typeof which !== 'string') ({ subject, subjectId } = which);
  else if (ref) {
    subject = ref[1] as QaSubject;
    subjectId = Number(ref[2]);
  } else {
    product = db.products.get(which) ?? null;
    if (!product)
      throw new QaError(
        `${db.file}: no product with id ${JSON.stringify(which)} (expected a product id, image:N or mosaic:N)`,
        'not_found',
      );
    if (product.kind !== 'image' && product.kind !== 'mosaic') {
      throw new QaError(`product ${product.id} is a ${product.kind}; QA assesses images and mosaics`, 'invalid');
    }
    subject = product.kind;
    const metaId = product.metadata[subject === 'image' ? 'imageId' : 'mosaicId'];
    // A mosaic product is its FITS file or the directory holding `<id>.fits` and its companions.
    const row =
      typeof metaId === 'number'
        ? { id: metaId }
        : subject === 'image'
          ? db.images.getImageByPath(product.path)
          : (db.images.getMosaicByPath(product.path) ??
            db.images.getMosaicByPath(path.join(product.path, `${product.id}.fits`)));
    if (!row)
      throw new QaError(
        `product ${product.id}: no ${subject} row has path ${product.path} (register the ${subject} in the database, or set metadata.${subject}Id)`,
        'not_found',
      );
    subjectId = row.id;
  }
  if (subject === 'image') {
    const img = db.images.getImage(subjectId);
    if (!img) throw new QaError(`${db.file}: no image with id ${subjectId}`, 'not_found');
    product ??= db.products.getByPath(img.path) ?? null;
    const file = product && existsSync(product.path) ? product.path : img.path;
    // The primary beam written beside the image (`<prefix>-pb.fits`), else the newest recorded for its MS.
    const sibling = img.path.replace(/-image(-pb)?\.fits$/i, '-pb.fits');
    const pb =
      sibling !== img.path && existsSync(sibling)
        ? { path: sibling }
        : img.msId !== null
          ? db.images.listImages({ msId: img.msId, kind: 'pb' }).at(-1)
          : undefined;
    const ms = img.msId !== null ? db.ms.get(img.msId) : undefined;
    return {
      subject,
      subjectId,
      product,
      file,
      pbCorrected: img.kind === 'pbcor',
      msFlagged: ms?.flaggedFraction ?? null,
      calFlagged: img.msId !== null ? calFlaggedOf(db, [img.msId]) : null,
      ...(pb && existsSync(pb.path) ? { pbPath: pb.path } : {}),
    };
  }
  const m = db.images.getMosaic(subjectId);
  if (!m) throw new QaError(`${db.file}: no mosaic with id ${subjectId}`, 'not_found');
  product ??= db.products.getByPath(m.path) ?? db.products.getByPath(path.dirname(m.path)) ?? null;
  const file = fitsOf(product && existsSync(product.path) ? product.path : m.path, product?.id ?? null);
  const noise = file.replace(/\.fits$/i, '-noise.fits');
  const group = db.images.getMosaicGroup(m.groupId);
  const flagged = (group?.memberMsIds ?? [])
    .map((id) => db.ms.get(id)?.flaggedFraction)
    .filter((f): f is number => typeof f === 'number');
  return {
    subject,
    subjectId,
    product,
    file,
    pbCorrected: true,
    msFlagged: mean(flagged),
    calFlagged: calFlaggedOf(db, group?.memberMsIds ?? []),
    ...(existsSync(noise) && noise !== file ? { noisePath: noise } : {}),
  };
}

/** The note for the audit trail: the verdict and every check that did not pass. */
function eventNote(a: Assessment): string {
  const bad = a.reasons.filter((r) => r.severity !== 'pass');
  const head = `QA ${a.tier}: ${a.verdict}`;
  if (bad.length === 0) return `${head} (all ${a.reasons.length} checks passed)`;
  return `${head}: ${bad.map((r) => `[${r.severity}] ${r.check}: ${r.message}`).join('; ')}`;
}

/**
 * Assess a product (by id), or an image / mosaic row (`image:N`, `mosaic:N` or an object), record
 * the result, and move a staged product to qa_passed or qa_failed. A product already through QA
 * is re-assessed (back to staging, then to the new outcome); a reviewed or published product keeps
 * its status. `warn` passes only when publishing.minQaTier is `warn`. It never publishes: that is
 * the caller's decision (registry publishAfterQa, or the mosaic job's publish stage).
 */
export async function runQa(
  engine: QaEngine,
  which: string | { subject: QaSubject; subjectId: number },
  opts: RunQaOptions = {},
): Promise<QaRunResult> {
  const tier = opts.tier ?? 'science';
  const t = resolve(engine, which);
  const catalog = opts.catalog ?? engine.config.qa.catalog ?? undefined;
  if (catalog !== undefined && !engine.db.sources.catalogs().some((c) => c.catalog === catalog)) {
    const have = engine.db.sources.catalogs().map((c) => c.catalog);
    const from = opts.catalog !== undefined ? '' : ' (configured as qa.catalog)';
    throw new QaError(
      `${engine.db.file}: no reference catalog named ${JSON.stringify(catalog)}${from} (have: ${have.length ? have.join(', ') : 'none; import one with dsa110 catalog import'})`,
      'not_found',
    );
  }
  const pbPath = opts.pbPath ?? t.pbPath;
  const noisePath = opts.noisePath ?? t.noisePath;
  const assessment = await assessImageFile(t.file, {
    tier,
    config: engine.config,
    db: engine.db,
    subject: t.subject,
    pbCorrected: t.pbCorrected,
    flaggedFraction: t.msFlagged,
    calFlaggedFraction: t.calFlagged,
    ...(catalog !== undefined ? { catalog } : {}),
    ...(pbPath !== undefined ? { pbPath } : {}),
    ...(noisePath !== undefined ? { noisePath } : {}),
  });
  const actor = opts.actor ?? 'pipeline';
  const passed =
    assessment.verdict === 'pass' || (assessment.verdict === 'warn' && engine.config.publishing.minQaTier === 'warn');
  const to = passed ? 'qa_passed' : 'qa_failed';
  const note = eventNote(assessment);
  let transition: QaRunResult['transition'] = null;
  const result = engine.db.transaction(() => {
    const r = engine.db.qa.insertResult({
      subject: t.subject,
      subjectId: t.subjectId,
      productId: t.product?.id ?? null,
      tier,
      verdict: assessment.verdict,
      metrics: assessment.metrics,
      reasons: assessment.reasons,
    });
    if (t.subject === 'mosaic' && engine.db.images.getMosaic(t.subjectId)) {
      // The mosaic row carries its latest verdict beside the validation facts of its build.
      engine.db.images.setMosaicQa(t.subjectId, {
        qaResultId: r.id,
        tier,
        verdict: assessment.verdict,
        metrics: assessment.metrics,
        failed: assessment.reasons.filter((x) => x.severity === 'fail').map((x) => x.check),
      });
    }
    if (t.product) {
      const p = engine.db.products.require(t.product.id);
      if (p.status === 'qa_passed' || p.status === 'qa_failed') {
        engine.db.products.transition(p.id, 'staging', { actor, note: `QA re-run (${tier})` });
      }
      if (p.status === 'staging' || p.status === 'qa_passed' || p.status === 'qa_failed') {
        engine.db.products.transition(p.id, to, { actor, note });
        transition = { from: p.status, to };
      }
      const cur = engine.db.products.require(p.id);
      engine.db.products.setMetadata(p.id, {
        ...cur.metadata,
        qa: {
          resultId: r.id,
          tier,
          verdict: assessment.verdict,
          failed: assessment.reasons.filter((x) => x.severity === 'fail').map((x) => x.check),
          warned: assessment.reasons.filter((x) => x.severity === 'warn').map((x) => x.check),
        },
      });
    }
    return r;
  });
  engine.log.info(
    {
      subject: t.subject,
      subjectId: t.subjectId,
      productId: t.product?.id,
      tier,
      verdict: assessment.verdict,
      file: t.file,
    },
    note,
  );
  const product = t.product ? engine.db.products.require(t.product.id) : null;
  return { ...result, metrics: assessment.metrics, assessment, file: t.file, product, transition };
}
