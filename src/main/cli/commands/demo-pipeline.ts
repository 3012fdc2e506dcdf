// The demo's main job: simulate about an hour of DSA-110 data around a transit of 0834+555 (demo
// size) into a demo workspace, import the simulator's sky as the reference catalog, and run the
// mosaic orchestrator: convert, calibrate on the transit, image, combine, QA, publish. Prints the
// published mosaic, its QA verdict and the recovered versus true fluxes of the brightest sources.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatIsoUtc, parseIsoUtc, transitMjd } from '../../../shared/astro';
import { CHUNK_S } from '../../../shared/instrument';
import curated from '../../../../resources/calibrators/dsa110_calibrators.json';
import { Engine } from '../../engine/engine';
import { indexDirectory } from '../../engine/ingest/indexer';
import { jobForPlan, planCentered, runPlanJob } from '../../engine/orchestrator';
import { assessImageFile, type CatalogMatch } from '../../engine/qa';
import { importCatalog } from '../../engine/refcat';
import { simulate, TRUTH_FILE } from '../../engine/sim/simulate';
import { appInfo } from '../app-info';
import type { CliContext } from '../context';
import { followJob } from '../progress';
import type { DemoStep } from './demo-step';
import { mosaicStatus, renderStatus } from './mosaic-orchestrate';

const DEMO_EPOCH = '2026-01-15T00:00:00';
export const DEMO_CALIBRATOR = '0834+555';
/** 11 chunks (57 min): a full 50-min window around the transit with a chunk to spare. */
const DEMO_CHUNKS = 11;
const CATALOG = 'SIM';

/**
 * Demo size: 96 antennas, 16 x 8 channels; images of 1536 x 6" (2.56 deg, out to about the half
 * power of the primary beam) instead of the operational 2560 x 5", so the hour runs in minutes.
 */
const DEMO_OVERRIDES = {
  'imaging.size': 1536,
  'imaging.cellArcsec': 6,
  'mosaic.timespanMin': 50,
};

export interface DemoPipelineReport {
  step: DemoStep;
  lines: string[];
}

function brightest(matches: CatalogMatch[], n: number): CatalogMatch[] {
  return matches
    .filter((m) => m.sourceId !== null && m.fluxRatio !== null && m.detectable)
    .sort((a, b) => b.expectedFluxJy - a.expectedFluxJy)
    .slice(0, n);
}

export async function runDemoPipeline(ctx: CliContext): Promise<DemoPipelineReport> {
  const root = path.join(ctx.config().config.workspace, 'demo');
  const { name, version } = appInfo();
  const engine = await Engine.open({
    workspace: root,
    overrides: DEMO_OVERRIDES,
    app: { name, version, runtime: 'node' },
  });
  try {
    const cal = curated.calibrators.find((c) => c.name === DEMO_CALIBRATOR);
    if (!cal) throw new Error(`${DEMO_CALIBRATOR} is missing from the curated calibrator list`);
    const d2r = Math.PI / 180;
    const transit = transitMjd(cal.raDeg * d2r, cal.decDeg * d2r, parseIsoUtc(DEMO_EPOCH), 'next');
    const start = formatIsoUtc(transit - (DEMO_CHUNKS * CHUNK_S) / 2 / 86400, 0).slice(0, 19);
    const raw = engine.paths.incoming;
    const truthFile = path.join(raw, TRUTH_FILE);
    const t0 = Date.now();
    let simulated = 'reused';
    if (!existsSync(truthFile)) {
      const bar = ctx.progress('demo: simulate');
      await simulate(
        {
          outDir: raw,
          start,
          minutes: (DEMO_CHUNKS * CHUNK_S) / 60,
          decDeg: cal.decDeg,
          seed: 110,
          antennas: 96,
          channelsPerSubband: 8,
          onProgress: (done, total, message) => bar.update(done / total, message),
        },
        engine.native(),
      );
      bar.done();
      simulated = `simulated in ${((Date.now() - t0) / 1000).toFixed(0)} s`;
    }
    const indexed = await indexDirectory(engine.db, raw, {
      toleranceS: engine.config.ingest.groupToleranceS,
      expectedSubbands: engine.config.ingest.expectedSubbands,
    });
    const imported = importCatalog(engine.db, truthFile, { name: CATALOG, format: 'sim-truth' });

    const plan = planCentered(engine, DEMO_CALIBRATOR, engine.config.mosaic.timespanMin, {
      catalog: CATALOG,
      tier: 'science',
    });
    const start2 = jobForPlan(engine, plan, { autoPublish: true });
    const t1 = Date.now();
    const bar = ctx.progress('demo: mosaic');
    const off = engine.onJobEvent((e) => followJob(bar, e, start2.jobId));
    try {
      await runPlanJob(engine, start2);
    } finally {
      off();
    }
    const pipelineS = (Date.now() - t1) / 1000;
    const status = mosaicStatus(engine, start2);
    const lines = [
      `demo workspace ${root}: ${simulated} ${DEMO_CHUNKS} chunks of 16 subbands (96 antennas, 16 x 8 channels) from ${start} around the ${DEMO_CALIBRATOR} transit at ${formatIsoUtc(transit, 0)};`,
      `  ${indexed.groups.length} groups indexed; reference catalog ${CATALOG}: ${imported.imported + imported.updated} simulated sources`,
      `orchestrator: ${plan.groups.length} images, job ${start2.jobId} ${status.jobState} in ${pipelineS.toFixed(0)} s`,
      renderStatus(status),
    ];
    let ok = status.jobState === 'succeeded' && status.product?.status === 'published' && status.qa?.verdict === 'pass';
    if (status.product && existsSync(status.product.path)) {
      const dir = status.product.path;
      const fits = path.join(dir, `${plan.name}.fits`);
      const noise = path.join(dir, `${plan.name}-noise.fits`);
      lines.push(`  mosaic   ${fits}`, `  preview  ${path.join(dir, `${plan.name}.png`)}`);
      const a = await assessImageFile(fits, {
        tier: 'science',
        config: engine.config,
        db: engine.db,
        subject: 'mosaic',
        pbCorrected: true,
        catalog: CATALOG,
        ...(existsSync(noise) ? { noisePath: noise } : {}),
      });
      const top = brightest(a.matches, 5);
      lines.push('  brightest sources: recovered vs true flux (true: the simulated flux at the mosaic frequency)');
      let worst = 0;
      for (const m of top) {
        const got = (m.fluxRatio ?? 0) * m.expectedFluxJy;
        const err = (m.fluxRatio ?? 0) - 1;
        worst = Math.max(worst, Math.abs(err));
        lines.push(
          `    ${m.name.padEnd(22)} true ${m.expectedFluxJy.toFixed(3).padStart(8)} Jy  recovered ${got.toFixed(3).padStart(8)} Jy  ${(err * 100 >= 0 ? '+' : '') + (err * 100).toFixed(1)} %  offset ${(m.separationArcsec ?? 0).toFixed(1)}"`,
        );
      }
      if (top.length === 0 || worst > 0.05) ok = false;
      lines.push(`  worst of the ${top.length} brightest: ${(worst * 100).toFixed(1)} % (demo requires <= 5 %)`);
    }
    return {
      step: {
        name: 'pipeline',
        status: ok ? 'ok' : 'fail',
        detail: `${status.name}: ${status.product?.status ?? 'no product'}, QA ${status.qa?.verdict ?? 'none'}, ${pipelineS.toFixed(0)} s`,
      },
      lines,
    };
  } finally {
    await engine.close();
  }
}
