// The demo's data step: simulate one 5-minute DSA-110 chunk (16 subband files, demo size)
// centred on a transit of 0834+555 into the workspace, then index it into the database.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatIsoUtc, transitMjd, parseIsoUtc } from '../../../shared/astro';
import { CHUNK_S } from '../../../shared/instrument';
import curated from '../../../../resources/calibrators/dsa110_calibrators.json';
import { indexDirectory } from '../../engine/ingest/indexer';
import { simulate, TRUTH_FILE } from '../../engine/sim/simulate';
import type { SkySource } from '../../engine/sim/sky';
import type { DemoCheck } from './demo';
import { engineFor } from './engine-session';

/** The demo's fixed epoch: the first transit of the calibrator after this instant. */
const DEMO_EPOCH = '2026-01-15T00:00:00';
const DEMO_CALIBRATOR = '0834+555';

export const simulationCheck: DemoCheck = async (ctx) => {
  const engine = await engineFor(ctx);
  const cal = curated.calibrators.find((c) => c.name === DEMO_CALIBRATOR);
  if (!cal) return { name: 'simulate', status: 'fail', detail: `${DEMO_CALIBRATOR} is missing from the curated calibrator list` };
  const d2r = Math.PI / 180;
  const transit = transitMjd(cal.raDeg * d2r, cal.decDeg * d2r, parseIsoUtc(DEMO_EPOCH), 'next');
  const start = formatIsoUtc(transit - CHUNK_S / 2 / 86400, 0).slice(0, 19);
  const raw = path.join(engine.paths.root, 'demo', 'raw');
  const truthFile = path.join(raw, TRUTH_FILE);
  const t0 = Date.now();
  let made = false;
  if (!existsSync(truthFile)) {
    await simulate({ outDir: raw, start, minutes: CHUNK_S / 60, decDeg: cal.decDeg, seed: 110, antennas: 96, channelsPerSubband: 8 }, engine.native());
    made = true;
  }
  const simS = (Date.now() - t0) / 1000;
  const r = await indexDirectory(engine.db, raw, { toleranceS: engine.config.ingest.groupToleranceS, expectedSubbands: engine.config.ingest.expectedSubbands });
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { sources: SkySource[]; noise: { sigmaJyPerVisibility: number } };
  const bright = [...truth.sources].sort((a, b) => b.fluxJy - a.fluxJy).slice(0, 3).map((s) => `${s.name} ${s.fluxJy.toFixed(2)} Jy`);
  const groups = r.groups.map((g) => `${g.id} (${g.presentSubbands}/${g.expectedSubbands}, ${g.state})`).join(', ');
  const ok = r.failed.length === 0 && r.groups.length > 0 && r.groups.every((g) => g.presentSubbands === g.expectedSubbands);
  return {
    name: 'simulate',
    status: ok ? 'ok' : 'fail',
    detail:
      `${made ? `simulated in ${simS.toFixed(1)} s` : 'reused'} a 5-min chunk on the ${DEMO_CALIBRATOR} transit at ${formatIsoUtc(transit, 0)} ` +
      `(96 antennas, 16 x 8 channels) in ${raw}; indexed group ${groups || 'none'}; ` +
      `${truth.sources.length} sky sources, brightest ${bright.join(', ')}; noise ${truth.noise.sigmaJyPerVisibility.toFixed(2)} Jy per visibility`,
  };
};
