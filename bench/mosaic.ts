// Benchmark: a 10-image mosaic of full-size images (config imaging defaults: 2560^2 pixels of
// 5") along a declination strip, RA stepped by 5 min of time, combined with pbweighted and
// Lanczos-3. Each build runs in a child process: wall time, CPU (user + sys, all threads), peak
// RSS, and the reprojection throughput (output pixels per second of kernel wall time).
// `npm run bench -- mosaic [--images N] [--size N] [--cell ARCSEC] [--threads 1,2] [--method M] [--dir DIR]`;
// the synthetic inputs are cached in DIR (default $TMPDIR/dsa110-bench-mosaic).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { celestialWcs } from '../src/shared/model/sky-image';

export const description =
  '10 full-size images (2560^2 at 5") into a pbweighted mosaic: wall, CPU, peak RSS, reprojection pixels/s';

const DEC = 55.5;
const T0 = 61000.25;
const FREQ = 1.405e9;

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

interface Params {
  images: number;
  size: number;
  cell: number;
}

/** Writes PREFIX-{image,pb,residual}.fits per tile (once): beam-correlated noise, 20 point sources x the PB. */
async function ensureInputs(dir: string, p: Params): Promise<void> {
  const marker = path.join(dir, 'inputs.json');
  const want = JSON.stringify({ ...p, DEC, T0, FREQ, v: 1 });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { writeFitsImage } = await import('../src/main/engine/fits');
  const { primaryBeamImage } = await import('../src/main/engine/imaging/primary-beam');
  const { beamNoise, rng } = await import('../test/mosaic/sky');
  const beamArcsec = 15;
  const fwhmPx = beamArcsec / p.cell;
  const t0 = performance.now();
  process.stdout.write(`writing ${p.images} synthetic ${p.size}^2 images into ${dir} (once) ... `);
  for (let k = 0; k < p.images; k++) {
    const ra = 128 + 1.25 * k;
    const n = p.size;
    const c = Math.floor(n / 2);
    const dl = (p.cell / 3600) * (Math.PI / 180);
    const pb = primaryBeamImage({
      nx: n,
      ny: n,
      dl,
      dm: dl,
      raRad: (ra * Math.PI) / 180,
      decRad: (DEC * Math.PI) / 180,
      freqHz: FREQ,
      model: 'airy',
    });
    const noise = beamNoise(n, n, fwhmPx, 1e-3, 100 + k);
    const img = Float32Array.from(noise);
    const u = rng(7 + k);
    const a = (4 * Math.log(2)) / (fwhmPx * fwhmPx);
    for (let s = 0; s < 20; s++) {
      const x0 = 200 + u() * (n - 400);
      const y0 = 200 + u() * (n - 400);
      const amp = (0.05 + u()) * pb[Math.round(y0) * n + Math.round(x0)]!;
      for (let y = Math.floor(y0) - 12; y <= Math.floor(y0) + 12; y++)
        for (let x = Math.floor(x0) - 12; x <= Math.floor(x0) + 12; x++) {
          img[y * n + x] = img[y * n + x]! + amp * Math.exp(-a * ((x - x0) ** 2 + (y - y0) ** 2));
        }
    }
    const d = new Date((T0 + (5 * k) / 1440 - 40587) * 86_400_000).toISOString().replace(/Z$/, '');
    const base = {
      grid: {
        ...celestialWcs({
          crval1: ra,
          crval2: DEC,
          crpix1: c + 1,
          crpix2: c + 1,
          cdelt1: -p.cell / 3600,
          cdelt2: p.cell / 3600,
        }),
        nx: n,
        ny: n,
      },
      freqHz: FREQ,
      bandwidthHz: 187.5e6,
      beam: { majorArcsec: beamArcsec, minorArcsec: beamArcsec, paDeg: 0 },
      dateObs: d,
      telescope: 'DSA-110',
      history: ['software: bench/mosaic synthetic'],
    };
    const prefix = path.join(dir, `tile-${k}`);
    writeFitsImage(`${prefix}-image.fits`, { ...base, bunit: 'JY/BEAM' }, img);
    writeFitsImage(`${prefix}-pb.fits`, { ...base, bunit: '' }, pb);
    writeFitsImage(`${prefix}-residual.fits`, { ...base, bunit: 'JY/BEAM' }, noise);
  }
  writeFileSync(marker, want);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** The child: register the tiles in a fresh database, build, print one JSON line. */
async function child(dir: string, p: Params, threads: number, method: string): Promise<void> {
  const { openDatabase } = await import('../src/main/engine/db');
  const { defaultConfig } = await import('../src/main/engine/config/schema');
  const { NativePool } = await import('../src/main/engine/native/pool');
  const { buildMosaic } = await import('../src/main/engine/mosaic');
  const work = path.join(dir, `run-${threads}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const db = openDatabase(path.join(work, 'state.sqlite'));
  const pool = new NativePool({ workers: 1 });
  const ids: number[] = [];
  for (let k = 0; k < p.images; k++) {
    const start = T0 + (5 * k) / 1440;
    const ms = db.ms.insert({
      path: path.join(work, `tile-${k}.ms`),
      startMjd: start,
      endMjd: start + 5 / 1440,
      midMjd: start + 2.5 / 1440,
      decDeg: DEC,
      status: 'imaged',
    });
    ids.push(
      db.images.insertImage({
        path: path.join(dir, `tile-${k}-image.fits`),
        msId: ms.id,
        kind: 'clean',
        beamMajorArcsec: 15,
        beamMinorArcsec: 15,
        beamPaDeg: 0,
        centerRaDeg: 128 + 1.25 * k,
        centerDecDeg: DEC,
        widthPx: p.size,
        heightPx: p.size,
        cellArcsec: p.cell,
        freqHz: FREQ,
        tier: 'science',
        pbModel: 'airy',
      }).id,
    );
  }
  const engine = {
    db,
    config: { ...defaultConfig({ workspace: work, threads }), threads },
    native: () => pool,
    log: { info: () => undefined, warn: () => undefined },
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await buildMosaic(engine, {
    imageIds: ids,
    method: method as 'pbweighted',
    name: 'bench',
    outputDir: path.join(work, 'bench'),
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  await pool.close();
  db.close();
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  const kernel = await kernelSpeed(dir, p, threads);
  console.log(
    JSON.stringify({
      wall,
      user: cpu.user / 1e6,
      sys: cpu.system / 1e6,
      maxRssMiB,
      grid: r.grid,
      noiseJy: r.noiseJy,
      reprojectedPixels: r.reprojectedPixels,
      reprojectSeconds: r.reprojectSeconds,
      kernel,
    }),
  );
  rmSync(work, { recursive: true, force: true });
}

/** The kernel alone on this thread: tile 0 (image + PB) onto its footprint on the mosaic grid, per CPU-second. */
async function kernelSpeed(dir: string, p: Params, threads: number): Promise<Record<string, number>> {
  const { loadAddon } = await import('../src/main/engine/native/addon');
  const { FitsRowReader, mosaicGrid, footprint } = await import('../src/main/engine/mosaic');
  const { skyGridFromHeader } = await import('../src/main/engine/fits');
  const tiles = Array.from({ length: p.images }, (_, k) => new FitsRowReader(path.join(dir, `tile-${k}-image.fits`)));
  const grid = mosaicGrid(tiles.map((t) => ({ wcs: skyGridFromHeader(t.keywords, t.file), nx: t.nx, ny: t.ny })));
  const t0 = tiles[0]!;
  const pbr = new FitsRowReader(path.join(dir, 'tile-0-pb.fits'));
  const img = new Float32Array(t0.nx * t0.ny);
  const pb = new Float32Array(t0.nx * t0.ny);
  t0.readRows(0, t0.ny, img);
  pbr.readRows(0, pbr.ny, pb);
  const wcs = skyGridFromHeader(t0.keywords, t0.file);
  const box = footprint(grid, { wcs, nx: t0.nx, ny: t0.ny })!;
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const out: Record<string, number> = {};
  const addon = loadAddon();
  for (const interpolation of ['bilinear', 'lanczos3'] as const) {
    const c0 = process.cpuUsage();
    const s0 = performance.now();
    addon.reproject(
      { planes: [img, pb], nx: t0.nx, row0: 0, nrows: t0.ny, wcs },
      {
        planes: [new Float32Array(w * h), new Float32Array(w * h)],
        x0: box.x0,
        y0: box.y0,
        nx: w,
        ny: h,
        wcs: grid.wcs,
      },
      { interpolation, threads },
    );
    const c = process.cpuUsage(c0);
    out[`${interpolation}PerCpuS`] = (w * h) / ((c.user + c.system) / 1e6);
    out[`${interpolation}PerS`] = (w * h) / ((performance.now() - s0) / 1000);
  }
  for (const t of [...tiles, pbr]) t.close();
  return out;
}

export async function run(args: string[]): Promise<void> {
  const p: Params = {
    images: Number(option(args, '--images', '10')),
    size: Number(option(args, '--size', '2560')),
    cell: Number(option(args, '--cell', '5')),
  };
  const dir = path.resolve(option(args, '--dir', path.join(tmpdir(), 'dsa110-bench-mosaic')));
  const method = option(args, '--method', 'pbweighted');
  if (args.includes('--child')) {
    await child(dir, p, Number(option(args, '--threads', '2')), method);
    return;
  }
  await ensureInputs(dir, p);
  const threadList = option(args, '--threads', '2,1').split(',').map(Number);
  const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run.ts');
  console.log(
    `mosaic of ${p.images} images of ${p.size}^2 pixels at ${p.cell}" (RA steps of 5 min at Dec ${DEC}), ${method}, Lanczos-3; load average before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  for (const threads of threadList) {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        runner,
        'mosaic',
        '--child',
        '--dir',
        dir,
        '--images',
        String(p.images),
        '--size',
        String(p.size),
        '--cell',
        String(p.cell),
        '--threads',
        String(threads),
        '--method',
        method,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.status !== 0) throw new Error(`bench mosaic child (threads ${threads}) failed: ${r.stderr}`);
    const line = r.stdout.trim().split('\n').pop()!;
    const o = JSON.parse(line) as {
      wall: number;
      user: number;
      sys: number;
      maxRssMiB: number;
      grid: { nx: number; ny: number };
      noiseJy: number;
      reprojectedPixels: number;
      reprojectSeconds: number;
      kernel: Record<string, number>;
    };
    console.log(
      `  threads ${threads}: ${o.wall.toFixed(1)} s wall, CPU ${o.user.toFixed(1)} s user + ${o.sys.toFixed(1)} s sys, peak RSS ${o.maxRssMiB.toFixed(0)} MiB; ` +
        `grid ${o.grid.nx} x ${o.grid.ny}; reprojection ${(o.reprojectedPixels / 1e6).toFixed(1)} M output pixels (x2 planes) in ${o.reprojectSeconds.toFixed(1)} s = ` +
        `${(o.reprojectedPixels / o.reprojectSeconds / 1e6).toFixed(2)} M pixels/s; median noise ${(o.noiseJy * 1e3).toFixed(3)} mJy/beam; load average after: ${loadavg()[0]!.toFixed(2)}`,
    );
    const k = o.kernel;
    const m = (x: number | undefined) => ((x ?? 0) / 1e6).toFixed(1);
    console.log(
      `    kernel alone (one tile, image + PB, ${threads} thread${threads > 1 ? 's' : ''}): Lanczos-3 ${m(k.lanczos3PerS)} M pixels/s wall, ${m(k.lanczos3PerCpuS)} M per CPU-s; ` +
        `bilinear ${m(k.bilinearPerS)} M/s wall, ${m(k.bilinearPerCpuS)} M per CPU-s`,
    );
  }
}
