// Science benchmark (issue 15): how close the pipeline's products come to the noise the data allow.
// Simulates a field (cached), runs the mosaic orchestrator on it (convert, calibrate, image,
// mosaic, QA, publish) with the configuration's defaults or overrides, then measures against the
// simulator's truth:
//   - per 5-minute image: the residual rms (robust and plain) over the image's expected thermal
//     noise, computed here from its MS (weights, SEFD, the imaging weights: imaging/thermal.ts);
//   - in the mosaic: its rms in source-free areas over the thermal-limited mosaic noise (the tiles'
//     thermal noises combined with the mosaic's own weights), the peaks above 5 sigma with and
//     without a true source within one beam, the true sources above 5 sigma, the share of the
//     area more than 5 sigma from the true sky, and the 30 brightest true sources' recovered flux;
//   - the QA verdict the pipeline gave the mosaic.
// The pipeline is given the perturbed reference catalog (sim/reference.ts), never the truth.
//   npm run bench -- science [--field small|demo] [--label NAME] [--set key=value ...] [--workspace DIR] [--measure-only]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export const description = 'residual rms / thermal per image, spurious vs true 5-sigma peaks and the brightest sources in the mosaic, against the simulator truth; --field small|demo --label NAME --set k=v --measure-only';

interface Field {
  calibrator: string;
  chunks: number;
  antennas: number;
  channelsPerSubband: number;
  overrides: Record<string, unknown>;
}

/** demo: `npm run demo`'s data and settings (before issue 15 the images were 1536 x 6"); small: a 15-minute mosaic of 3 images on 4-channel subbands. */
const FIELDS: Record<string, Field> = {
  demo: { calibrator: '0834+555', chunks: 11, antennas: 96, channelsPerSubband: 8, overrides: { 'imaging.size': 1800, 'imaging.cellArcsec': 6, 'mosaic.timespanMin': 50 } },
  small: { calibrator: '0834+555', chunks: 5, antennas: 96, channelsPerSubband: 4, overrides: { 'imaging.size': 1536, 'imaging.cellArcsec': 6, 'mosaic.timespanMin': 15, 'mosaic.overlap': 1 } },
};

interface Options { dir: string; field: string; label: string; set: Record<string, unknown>; measureOnly: boolean; threads: number }

function parseValue(v: string): unknown {
  if (v === 'true' || v === 'false') return v === 'true';
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

export function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args, strict: true,
    options: {
      workspace: { type: 'string' }, field: { type: 'string', default: 'small' }, label: { type: 'string', default: 'default' },
      set: { type: 'string', multiple: true }, 'measure-only': { type: 'boolean', default: false }, threads: { type: 'string' },
    },
  });
  if (!(values.field in FIELDS)) throw new Error(`bench science: --field: expected ${Object.keys(FIELDS).join(' or ')}, got ${values.field}`);
  const set: Record<string, unknown> = {};
  for (const kv of values.set ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`bench science: --set: expected key=value, got ${kv}`);
    set[kv.slice(0, i)] = parseValue(kv.slice(i + 1));
  }
  const threads = values.threads === undefined ? Math.min(2, availableParallelism()) : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`bench science: --threads: expected an integer >= 1, got ${values.threads}`);
  return { dir: path.resolve(values.workspace ?? path.join(tmpdir(), 'dsa110-bench-science')), field: values.field, label: values.label, set, measureOnly: values['measure-only'], threads };
}

// ------------------------------------------------------------------- measurement helpers

function median(v: ArrayLike<number>): number {
  const s = Float64Array.from(v).filter((x) => Number.isFinite(x)).sort();
  if (s.length === 0) return Number.NaN;
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

function robust(v: ArrayLike<number>): number {
  const m = median(v);
  const d = Float64Array.from(v).filter((x) => Number.isFinite(x)).map((x) => Math.abs(x - m));
  return 1.4826 * median(d);
}

function plainRms(v: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) { const x = v[i]!; if (Number.isFinite(x)) { s += x * x; n++; } }
  return Math.sqrt(s / n);
}

export interface ImageRow {
  group: string;
  ms: string;
  residualRobustMJy: number;
  residualRmsMJy: number;
  thermalMJy: number;
  headerThermalMJy: number | null;
  robustRatio: number;
  rmsRatio: number;
  iterations: number | null;
}

export interface MosaicMeasure {
  file: string;
  freqHz: number;
  beamArcsec: [number, number];
  qa: { verdict: string; failed: string[]; warned: string[] } | null;
  productStatus: string | null;
  noiseMapMedianMJy: number;
  thermalMedianMJy: number;
  sourceFreeRmsMJy: number;
  sourceFreeRobustMJy: number;
  sourceFreeRatio: number;
  sourceFreeRobustRatio: number;
  peaksAbove5: number;
  spurious: number;
  trueAbove5: number;
  trueAbove10: number;
  spuriousVsTrue: number;
  /** The same counted with the thermal-limited mosaic noise as sigma. */
  thermal: { peaksAbove5: number; spurious: number; trueAbove5: number };
  areaBeyond5Pct: number;
  brightest: { n: number; matched: number; median: number; worst: number; worstName: string };
}

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const field = FIELDS[o.field]!;
  const base = path.join(o.dir, o.field);
  const raw = path.join(base, 'incoming');
  const ws = path.join(base, o.label);
  mkdirSync(ws, { recursive: true });
  const { Engine } = await import('../src/main/engine/engine');
  const { simulate, TRUTH_FILE } = await import('../src/main/engine/sim/simulate');
  const { REFERENCE_FILE, writeReferenceCatalog } = await import('../src/main/engine/sim/reference');
  const { indexDirectory } = await import('../src/main/engine/ingest/indexer');
  const { importCatalog } = await import('../src/main/engine/refcat');
  const { jobForPlan, planCentered, runPlanJob } = await import('../src/main/engine/orchestrator');
  const { formatIsoUtc, parseIsoUtc, transitMjd } = await import('../src/shared/astro');
  const { CHUNK_S } = await import('../src/shared/instrument');
  const curated = (await import('../resources/calibrators/dsa110_calibrators.json')).default;
  const overrides = { ...field.overrides, ...o.set, threads: o.threads, 'ingest.inputDir': raw };
  const engine = await Engine.open({ workspace: ws, overrides });
  const t0 = performance.now();
  try {
    const cal = curated.calibrators.find((c: { name: string }) => c.name === field.calibrator)!;
    const d2r = Math.PI / 180;
    const transit = transitMjd(cal.raDeg * d2r, cal.decDeg * d2r, parseIsoUtc('2026-01-15T00:00:00'), 'next');
    const start = formatIsoUtc(transit - (field.chunks * CHUNK_S) / 2 / 86400, 0).slice(0, 19);
    const truthFile = path.join(raw, TRUTH_FILE);
    if (!existsSync(truthFile)) {
      console.log(`simulating ${field.chunks} chunks (${field.antennas} antennas, ${field.channelsPerSubband} channels per subband) into ${raw} ...`);
      await simulate({ outDir: raw, start, minutes: (field.chunks * CHUNK_S) / 60, decDeg: cal.decDeg, seed: 110, antennas: field.antennas, channelsPerSubband: field.channelsPerSubband }, engine.native());
    }
    if (!existsSync(path.join(raw, REFERENCE_FILE))) writeReferenceCatalog(truthFile);
    if (!o.measureOnly) {
      await indexDirectory(engine.db, raw, { toleranceS: engine.config.ingest.groupToleranceS, expectedSubbands: engine.config.ingest.expectedSubbands });
      importCatalog(engine.db, path.join(raw, REFERENCE_FILE), { name: 'REF', format: 'sim-truth' });
      importCatalog(engine.db, truthFile, { name: 'SIM', format: 'sim-truth' });
    }
    const plan = planCentered(engine, field.calibrator, engine.config.mosaic.timespanMin, { catalog: 'REF', tier: 'science' });
    if (!o.measureOnly) {
      const job = jobForPlan(engine, plan, { autoPublish: true });
      console.log(`running mosaic ${plan.name} (${plan.groups.length} groups) in ${ws} with ${JSON.stringify(o.set)} ...`);
      const done = await runPlanJob(engine, job);
      console.log(`  job ${done.state} in ${((performance.now() - t0) / 1000).toFixed(0)} s${done.error ? `: ${done.error}` : ''}`);
    }
    const report = await measure(engine, plan.name, truthFile);
    const out = { benchmark: 'science', field: o.field, label: o.label, set: o.set, wallS: (performance.now() - t0) / 1000, ...report };
    console.log(formatReport(out));
    const json = path.join(ws, `science-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(json, `${JSON.stringify(out, null, 1)}\n`);
    console.log(`report: ${json}`);
  } finally {
    await engine.close();
  }
}

type EngineT = Awaited<ReturnType<typeof import('../src/main/engine/engine').Engine.open>>;

interface TruthSource { name: string; raDeg: number; decDeg: number; fluxJy: number; spectralIndex: number }

async function measure(engine: EngineT, mosaicName: string, truthFile: string): Promise<{ images: ImageRow[]; mosaic: MosaicMeasure | null }> {
  const { readFitsImage } = await import('../src/main/engine/fits');
  const { readImagingVisibilities } = await import('../src/main/engine/imaging/visibilities');
  const { imagingWeights, paddedSize } = await import('../src/main/engine/imaging/weighting');
  const { thermalNoiseJy } = await import('../src/main/engine/imaging/thermal');
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { sources: TruthSource[] };
  const product = engine.db.products.get(mosaicName) ?? null;
  const mosaicDir = product ? (product.publishedPath ?? product.path) : null;
  const provFile = mosaicDir ? path.join(mosaicDir, 'provenance.json') : null;
  if (!provFile || !existsSync(provFile)) {
    console.log(`no mosaic product ${mosaicName} with a provenance.json (${provFile}); measuring nothing`);
    return { images: [], mosaic: null };
  }
  const prov = JSON.parse(readFileSync(provFile, 'utf8')) as {
    method: string; pbCut: number; inputs: { path: string; pbPath: string; residualPath: string | null; msPath: string | null }[];
  };
  const im = engine.config.imaging;
  const images: ImageRow[] = [];
  const thermalOf: number[] = [];
  for (const inp of prov.inputs) {
    const res = readFitsImage(inp.residualPath ?? inp.path);
    const plane = res.data.subarray(0, res.shape[0]! * res.shape[1]!);
    let thermal = Number.NaN;
    if (inp.msPath) {
      // Independent of the imager's own number: the MS read again and weighted with the configuration's weighting.
      const d = readImagingVisibilities(inp.msPath, { column: 'CORRECTED_DATA' });
      const dl = (im.cellArcsec * Math.PI) / 180 / 3600;
      const pad = paddedSize(res.shape[0]!);
      const w = imagingWeights(d.uvw, d.freqs, d.weights, { mode: im.weighting, robust: im.robust, gridNx: pad, gridNy: pad, pixelL: dl, pixelM: dl, inPlace: true });
      thermal = thermalNoiseJy(im.sefdJy, w.sumSqOverNatural, w.sum);
    }
    thermalOf.push(thermal);
    const h = res.keywords.get('THERMRMS');
    const it = res.keywords.get('WSCMINOR');
    const rob = robust(plane);
    const rms = plainRms(plane);
    images.push({
      group: path.basename(inp.msPath ?? inp.path).replace(/\.ms$/, ''), ms: inp.msPath ?? '', residualRobustMJy: 1e3 * rob, residualRmsMJy: 1e3 * rms,
      thermalMJy: 1e3 * thermal, headerThermalMJy: typeof h === 'number' ? 1e3 * h : null, robustRatio: rob / thermal, rmsRatio: rms / thermal,
      iterations: typeof it === 'number' ? it : null,
    });
  }
  const mosaic = await measureMosaic(engine, mosaicName, mosaicDir!, prov, thermalOf, truth.sources);
  return { images, mosaic };
}

async function measureMosaic(
  engine: EngineT, name: string, dir: string, prov: { method: string; pbCut: number; inputs: { path: string; pbPath: string }[] }, thermalOf: number[], truth: TruthSource[],
): Promise<MosaicMeasure> {
  const { readFitsImage } = await import('../src/main/engine/fits');
  const { sinWcsOf, worldToPixel, pixelToWorld } = await import('../src/main/engine/mosaic/wcs');
  const { assessImageFile } = await import('../src/main/engine/qa');
  const { fluxAt } = await import('../src/main/engine/sim/sky');
  const file = path.join(dir, `${name}.fits`);
  const img = readFitsImage(file);
  const noiseImg = readFitsImage(path.join(dir, `${name}-noise.fits`));
  const [nx, ny] = [img.shape[0]!, img.shape[1]!];
  const data = img.data.subarray(0, nx * ny);
  const noise = noiseImg.data.subarray(0, nx * ny);
  const wcs = sinWcsOf(file, img.keywords);
  const cell = Math.abs(wcs.cdelt2) * 3600;
  const bmaj = 3600 * Number(img.keywords.get('BMAJ'));
  const bmin = 3600 * Number(img.keywords.get('BMIN'));
  let freqHz = 1.4e9;
  for (const k of [3, 4]) if (String(img.keywords.get(`CTYPE${k}`) ?? '').startsWith('FREQ')) freqHz = Number(img.keywords.get(`CRVAL${k}`));

  // Thermal-limited mosaic noise: the tiles' thermal noises combined as the mosaic combined their measured ones.
  const tiles = prov.inputs.map((t, k) => {
    const pb = readFitsImage(t.pbPath);
    return { pb: pb.data, nx: pb.shape[0]!, ny: pb.shape[1]!, wcs: sinWcsOf(t.pbPath, pb.keywords), t: thermalOf[k]! };
  });
  const thermal = new Float32Array(nx * ny).fill(Number.NaN);
  const STEP = 4;
  for (let y = 0; y < ny; y += STEP) {
    for (let x = 0; x < nx; x += STEP) {
      if (!Number.isFinite(noise[y * nx + x]!)) continue;
      const sky = pixelToWorld(wcs, x, y);
      if (!sky) continue;
      let den = 0;
      let v = 0;
      let n = 0;
      for (const t of tiles) {
        const p = worldToPixel(t.wcs, sky.raDeg, sky.decDeg);
        if (!p) continue;
        const ix = Math.round(p.x);
        const iy = Math.round(p.y);
        if (ix < 0 || iy < 0 || ix >= t.nx || iy >= t.ny) continue;
        const b = t.pb[iy * t.nx + ix]!;
        if (!(b >= prov.pbCut) || !(t.t > 0)) continue;
        if (prov.method === 'pbweighted') den += (b * b) / (t.t * t.t);
        else if (prov.method === 'weighted') { den += 1 / (t.t * t.t); v += 1 / (t.t * t.t * b * b); }
        else { den += 1; v += (t.t * t.t) / (b * b); }
        n++;
      }
      if (n === 0) continue;
      const th = prov.method === 'pbweighted' ? 1 / Math.sqrt(den) : Math.sqrt(v) / den;
      for (let yy = y; yy < Math.min(ny, y + STEP); yy++) for (let xx = x; xx < Math.min(nx, x + STEP); xx++) thermal[yy * nx + xx] = th;
    }
  }

  // True sources on the mosaic grid, with their flux at the mosaic frequency.
  const trueSrc = truth.map((s) => {
    const p = worldToPixel(wcs, s.raDeg, s.decDeg);
    return p ? { ...s, x: p.x, y: p.y, flux: fluxAt({ ...s, kind: 'field' }, freqHz) } : null;
  }).filter((s): s is NonNullable<typeof s> => s !== null && s.x >= 0 && s.y >= 0 && s.x < nx && s.y < ny);
  const at = (a: ArrayLike<number>, x: number, y: number) => a[Math.round(y) * nx + Math.round(x)]!;

  // The true sky convolved with the restoring beam (point sources): its difference from the mosaic, in sigma.
  const beamSig = { a: bmaj / cell / 2.3548, b: bmin / cell / 2.3548 };
  const bpa = (Number(img.keywords.get('BPA') ?? 0) * Math.PI) / 180;
  const model = new Float32Array(nx * ny);
  const R = Math.ceil(4 * beamSig.a);
  for (const s of trueSrc) {
    const cx = s.x;
    const cy = s.y;
    for (let y = Math.max(0, Math.floor(cy - R)); y <= Math.min(ny - 1, Math.ceil(cy + R)); y++) {
      for (let x = Math.max(0, Math.floor(cx - R)); x <= Math.min(nx - 1, Math.ceil(cx + R)); x++) {
        // PA from north through east; x increases to the west (CDELT1 < 0).
        const dx = -(x - cx);
        const dy = y - cy;
        const maj = dx * Math.sin(bpa) + dy * Math.cos(bpa);
        const min = dx * Math.cos(bpa) - dy * Math.sin(bpa);
        model[y * nx + x]! += s.flux * Math.exp(-0.5 * ((maj / beamSig.a) ** 2 + (min / beamSig.b) ** 2));
      }
    }
  }
  let covered = 0;
  let beyond = 0;
  for (let i = 0; i < nx * ny; i++) {
    const s = noise[i]!;
    if (!Number.isFinite(s) || !Number.isFinite(data[i]!)) continue;
    covered++;
    if (Math.abs(data[i]! - model[i]!) > 5 * s) beyond++;
  }

  // Source-free areas: away (3 beams) from every true source the mosaic could show at 3 sigma.
  const mask = new Uint8Array(nx * ny);
  const rMask = (3 * bmaj) / cell;
  for (const s of trueSrc) {
    const sig = at(noise, s.x, s.y);
    if (!(s.flux > 3 * sig)) continue;
    const r = rMask * Math.min(4, Math.max(1, Math.log10(s.flux / sig)));
    for (let y = Math.max(0, Math.floor(s.y - r)); y <= Math.min(ny - 1, Math.ceil(s.y + r)); y++) {
      for (let x = Math.max(0, Math.floor(s.x - r)); x <= Math.min(nx - 1, Math.ceil(s.x + r)); x++) {
        if ((x - s.x) ** 2 + (y - s.y) ** 2 <= r * r) mask[y * nx + x] = 1;
      }
    }
  }
  const freeVals: number[] = [];
  const freeRatio: number[] = [];
  const nm: number[] = [];
  const thm: number[] = [];
  for (let i = 0; i < nx * ny; i += 3) {
    if (!Number.isFinite(noise[i]!)) continue;
    nm.push(noise[i]!);
    if (Number.isFinite(thermal[i]!)) thm.push(thermal[i]!);
    if (mask[i] || !Number.isFinite(thermal[i]!) || !Number.isFinite(data[i]!)) continue;
    freeVals.push(data[i]!);
    freeRatio.push(data[i]! / thermal[i]!);
  }
  const freeRms = plainRms(freeVals);
  const freeRobust = robust(freeVals);

  // Peaks above 5 sigma: local maxima, merged within a beam minor axis of a brighter one.
  const countPeaks = (sigma: ArrayLike<number>) => {
    const cand: { x: number; y: number; v: number }[] = [];
    for (let y = 1; y < ny - 1; y++) {
      for (let x = 1; x < nx - 1; x++) {
        const i = y * nx + x;
        const v = data[i]!;
        const s = sigma[i]!;
        if (!(s > 0) || !(v > 5 * s)) continue;
        let max = true;
        for (let dy = -1; dy <= 1 && max; dy++) for (let dx = -1; dx <= 1; dx++) if ((dx || dy) && data[i + dy * nx + dx]! > v) { max = false; break; }
        if (max) cand.push({ x, y, v });
      }
    }
    cand.sort((a, b) => b.v - a.v);
    const rMerge = bmin / cell;
    const kept: typeof cand = [];
    const cellOf = (x: number, y: number) => `${Math.floor(x / rMerge)},${Math.floor(y / rMerge)}`;
    const grid = new Map<string, typeof cand>();
    for (const c of cand) {
      let near = false;
      for (let gy = -1; gy <= 1 && !near; gy++) for (let gx = -1; gx <= 1 && !near; gx++) {
        for (const k of grid.get(cellOf(c.x + gx * rMerge, c.y + gy * rMerge)) ?? []) if ((k.x - c.x) ** 2 + (k.y - c.y) ** 2 < rMerge * rMerge) { near = true; break; }
      }
      if (near) continue;
      kept.push(c);
      const key = cellOf(c.x, c.y);
      grid.set(key, [...(grid.get(key) ?? []), c]);
    }
    // A true source within one beam (major axis) of the peak.
    const rMatch = bmaj / cell;
    const tgrid = new Map<string, typeof trueSrc>();
    const tkey = (x: number, y: number) => `${Math.floor(x / rMatch)},${Math.floor(y / rMatch)}`;
    for (const s of trueSrc) { const k = tkey(s.x, s.y); tgrid.set(k, [...(tgrid.get(k) ?? []), s]); }
    let spurious = 0;
    for (const c of kept) {
      let hit = false;
      for (let gy = -1; gy <= 1 && !hit; gy++) for (let gx = -1; gx <= 1 && !hit; gx++) {
        for (const s of tgrid.get(tkey(c.x + gx * rMatch, c.y + gy * rMatch)) ?? []) if ((s.x - c.x) ** 2 + (s.y - c.y) ** 2 <= rMatch * rMatch) { hit = true; break; }
      }
      if (!hit) spurious++;
    }
    const trueAbove = (k: number) => trueSrc.filter((s) => { const sg = at(sigma, s.x, s.y); return sg > 0 && s.flux > k * sg; }).length;
    return { peaks: kept.length, spurious, trueAbove5: trueAbove(5), trueAbove10: trueAbove(10) };
  };
  const byNoise = countPeaks(noise);
  const byThermal = countPeaks(thermal);

  // The 30 brightest true sources: the QA source finder's fluxes, matched to the truth.
  const a = await assessImageFile(file, { tier: 'science', config: engine.config, db: engine.db, subject: 'mosaic', pbCorrected: true, catalog: 'SIM', noisePath: path.join(dir, `${name}-noise.fits`) });
  const byName = new Map(truth.map((s) => [s.name, s]));
  const fluxById = new Map(a.sources.map((s) => [s.id, s]));
  const top = a.matches.filter((m) => m.detectable).sort((x, y) => y.expectedFluxJy - x.expectedFluxJy).slice(0, 30);
  const ratios = top.map((m) => {
    const s = byName.get(m.name);
    const found = m.sourceId !== null ? fluxById.get(m.sourceId) : undefined;
    const t = s ? fluxAt({ ...s, kind: 'field' }, freqHz) : m.expectedFluxJy;
    const got = found ? (m.fluxRatio ?? 0) * m.expectedFluxJy : 0;
    return { name: m.name, r: got / t };
  });
  const worst = ratios.reduce((w, r) => (Math.abs(r.r - 1) > Math.abs(w.r - 1) ? r : w), { name: '-', r: 1 });
  const product = engine.db.products.get(name) ?? null;
  const qa = product ? engine.db.qa.latestForProduct(product.id) ?? null : null;
  return {
    file, freqHz, beamArcsec: [bmaj, bmin],
    qa: qa ? { verdict: qa.verdict, failed: qa.reasons.filter((r) => r.severity === 'fail').map((r) => r.check), warned: qa.reasons.filter((r) => r.severity === 'warn').map((r) => r.check) } : null,
    productStatus: product?.status ?? null,
    noiseMapMedianMJy: 1e3 * median(nm), thermalMedianMJy: 1e3 * median(thm),
    sourceFreeRmsMJy: 1e3 * freeRms, sourceFreeRobustMJy: 1e3 * freeRobust, sourceFreeRatio: plainRms(freeRatio), sourceFreeRobustRatio: robust(freeRatio),
    peaksAbove5: byNoise.peaks, spurious: byNoise.spurious, trueAbove5: byNoise.trueAbove5, trueAbove10: byNoise.trueAbove10,
    spuriousVsTrue: byNoise.spurious / Math.max(1, byNoise.trueAbove5),
    thermal: { peaksAbove5: byThermal.peaks, spurious: byThermal.spurious, trueAbove5: byThermal.trueAbove5 },
    areaBeyond5Pct: (100 * beyond) / Math.max(1, covered),
    brightest: { n: top.length, matched: ratios.filter((r) => r.r > 0).length, median: median(ratios.map((r) => r.r)), worst: worst.r, worstName: worst.name },
  };
}

function formatReport(r: { field: string; label: string; set: Record<string, unknown>; wallS: number; images: ImageRow[]; mosaic: MosaicMeasure | null }): string {
  const L: string[] = [];
  L.push('', `science benchmark: field ${r.field}, run ${r.label} ${JSON.stringify(r.set)} (${r.wallS.toFixed(0)} s)`);
  L.push(`${'image'.padEnd(22)} ${'thermal'.padStart(8)} ${'(header)'.padStart(8)} ${'robust'.padStart(8)} ${'rms'.padStart(8)} ${'robust/th'.padStart(9)} ${'rms/th'.padStart(7)} ${'CLEAN'.padStart(6)}   (mJy/beam)`);
  for (const i of r.images) {
    L.push(`${i.group.padEnd(22)} ${i.thermalMJy.toFixed(3).padStart(8)} ${(i.headerThermalMJy?.toFixed(3) ?? '-').padStart(8)} ${i.residualRobustMJy.toFixed(3).padStart(8)} ${i.residualRmsMJy.toFixed(3).padStart(8)} ${i.robustRatio.toFixed(2).padStart(9)} ${i.rmsRatio.toFixed(2).padStart(7)} ${String(i.iterations ?? '-').padStart(6)}`);
  }
  const m = r.mosaic;
  if (m) {
    L.push(`mosaic ${m.file}: ${m.productStatus ?? 'no product'}, QA ${m.qa ? `${m.qa.verdict} (failed: ${m.qa.failed.join(', ') || 'none'}; warned: ${m.qa.warned.join(', ') || 'none'})` : 'none'}`);
    L.push(`  noise map median ${m.noiseMapMedianMJy.toFixed(3)} mJy/beam; thermal-limited ${m.thermalMedianMJy.toFixed(3)}; source-free rms ${m.sourceFreeRmsMJy.toFixed(3)} (robust ${m.sourceFreeRobustMJy.toFixed(3)}): ${m.sourceFreeRatio.toFixed(2)}x thermal (robust ${m.sourceFreeRobustRatio.toFixed(2)}x)`);
    L.push(`  peaks > 5 sigma (noise map): ${m.peaksAbove5}, spurious (no true source within ${m.beamArcsec[0].toFixed(0)}") ${m.spurious}; true sources > 5 sigma ${m.trueAbove5} (> 10 sigma ${m.trueAbove10}); spurious / true ${(100 * m.spuriousVsTrue).toFixed(1)} %`);
    L.push(`  with the thermal-limited noise as sigma: peaks ${m.thermal.peaksAbove5}, spurious ${m.thermal.spurious}, true > 5 sigma ${m.thermal.trueAbove5}`);
    L.push(`  area more than 5 sigma from the true sky: ${m.areaBeyond5Pct.toFixed(2)} %`);
    L.push(`  ${m.brightest.n} brightest true sources: ${m.brightest.matched} found; recovered / true median ${m.brightest.median.toFixed(3)}, worst ${m.brightest.worst.toFixed(3)} (${m.brightest.worstName})`);
  }
  return L.join('\n');
}
