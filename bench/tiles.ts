// Benchmark: the image viewer on a synthetic N x N float32 mosaic (default 20,000^2, 1.6 GB):
// tile pyramid build time on the worker thread and the process's peak RSS while it runs (bounded:
// row bands, not the image), the server's time per tile (server-timing header) p50/p99 over HTTP
// from `serve`, and in Chromium the time from opening the product to the first full view (every
// tile of the view drawn, the pyramid already built), and the frame times while panning.
// `npm run bench -- tiles [--size N] [--dir DIR] [--no-browser]`; the FITS is cached in DIR
// (default $TMPDIR/dsa110-bench-tiles); the pyramid is rebuilt every run.
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { celestialWcs } from '../src/shared/model/sky-image';

export const description =
  'viewer tiles of a synthetic 20,000^2 float32 mosaic: pyramid build time and peak RSS, server ms/tile p50/p99, first full view and pan frame times in Chromium';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export async function run(args: string[]): Promise<void> {
  const size = Number(option(args, '--size', '20000'));
  const dir = option(args, '--dir', path.join(tmpdir(), 'dsa110-bench-tiles'));
  const browserToo = !args.includes('--no-browser');
  const ws = path.join(dir, 'ws');
  const id = `bench-mosaic-${size}`;
  const staged = path.join(ws, 'staging', `${id}.fits`);
  console.log(
    `tiles bench: ${size} x ${size} float32 (${((size * size * 4) / 1e9).toFixed(2)} GB), load ${loadavg()[0]!.toFixed(1)}`,
  );

  // The synthetic mosaic: noise with a blank (NaN) border and a grid of point-like sources.
  if (!existsSync(staged) || statSync(staged).size < size * size * 4) {
    rmSync(ws, { recursive: true, force: true });
    mkdirSync(path.dirname(staged), { recursive: true });
    const { FitsRowWriter } = await import('../src/main/engine/mosaic/fits-rows');
    const grid = {
      ...celestialWcs({
        crval1: 180,
        crval2: 55,
        crpix1: size / 2,
        crpix2: size / 2,
        cdelt1: -3 / 3600,
        cdelt2: 3 / 3600,
      }),
      nx: size,
      ny: size,
    };
    const t0 = performance.now();
    const w = new FitsRowWriter(staged, {
      grid,
      freqHz: 1.405e9,
      bandwidthHz: 187.5e6,
      bunit: 'JY/BEAM',
      beam: { majorArcsec: 15, minorArcsec: 10, paDeg: 30 },
    });
    const band = 256;
    const buf = new Float32Array(size * band);
    let seed = 1;
    for (let y0 = 0; y0 < size; y0 += band) {
      const n = Math.min(band, size - y0);
      for (let r = 0; r < n; r++) {
        const y = y0 + r;
        for (let x = 0; x < size; x++) {
          seed = (seed * 1664525 + 1013904223) >>> 0;
          let v = ((seed / 4294967296 - 0.5) * 0.002) as number;
          if ((x % 500) - 250 === 0 && (y % 500) - 250 === 0) v += 0.5;
          if (x < 100 || y < 100 || x >= size - 100 || y >= size - 100) v = Number.NaN;
          buf[r * size + x] = v;
        }
      }
      w.writeRows(n === band ? buf : buf.subarray(0, n * size));
    }
    w.finish();
    console.log(`  wrote ${staged} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  const { Engine } = await import('../src/main/engine/engine');
  const { registerProduct } = await import('../src/main/engine/registry');
  const { TileService } = await import('../src/main/engine/tiles/service');
  const engine = await Engine.open({
    workspace: ws,
    env: {},
    overrides: { threads: 2 },
    app: { name: 'dsa110-bench', version: '0.0.0', runtime: 'node' },
  });
  try {
    let t = performance.now();
    const product =
      engine.db.products.get(id) ?? (await registerProduct(engine, { kind: 'mosaic', stagedPath: staged }));
    console.log(`  product ${product.id} (sha256 ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    rmSync(path.join(ws, 'staging', `${id}.tiles`), { recursive: true, force: true });

    // Pyramid build on the worker thread; the process's RSS sampled meanwhile.
    const tiles = new TileService(engine.db);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    t = performance.now();
    const info = await tiles.pyramid(tiles.source('product', id), 'image');
    const buildS = (performance.now() - t) / 1000;
    clearInterval(sampler);
    tiles.close();
    const imageGb = (size * size * 4) / 1e9;
    console.log(
      `  pyramid: ${info.levels.length} levels, build ${buildS.toFixed(1)} s (${(imageGb / buildS).toFixed(2)} GB/s), ` +
        `peak RSS ${(peak / 1e6).toFixed(0)} MB (+${((peak - rss0) / 1e6).toFixed(0)} MB over ${(rss0 / 1e6).toFixed(0)} MB; image ${(imageGb * 1000).toFixed(0)} MB)`,
    );

    // The server: tiles over HTTP.
    const { serve } = await import('../src/main/server');
    let ui: string | null = null;
    if (browserToo) {
      const { build } = await import('vite');
      const { rendererConfig } = await import('../electron.vite.config');
      ui = path.join(dir, 'renderer');
      await build({
        ...rendererConfig,
        configFile: false,
        logLevel: 'warn',
        build: { ...rendererConfig.build, outDir: ui, emptyOutDir: true },
      });
    }
    const server = await serve({ engine, port: 0, rendererDir: ui, recover: false });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const auth = { authorization: `Bearer ${server.token}` };
      const serverMs: number[] = [];
      const roundMs: number[] = [];
      let s = 7;
      const rnd = (n: number) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % n);
      for (let i = 0; i < 400; i++) {
        const level = i < 300 ? 0 : rnd(info.levels.length);
        const l = info.levels[level]!;
        const url = `${base}/api/view/product/${id}/image/tile/${level}/${rnd(l.cols)}/${rnd(l.rows)}`;
        const t1 = performance.now();
        const r = await fetch(url, { headers: auth });
        await r.arrayBuffer();
        roundMs.push(performance.now() - t1);
        serverMs.push(Number(/dur=([\d.]+)/.exec(r.headers.get('server-timing') ?? '')?.[1]));
      }
      serverMs.sort((a, b) => a - b);
      roundMs.sort((a, b) => a - b);
      console.log(
        `  tiles over HTTP (400, 256 KiB each): server p50 ${pct(serverMs, 0.5).toFixed(2)} ms, p99 ${pct(serverMs, 0.99).toFixed(2)} ms; ` +
          `round trip p50 ${pct(roundMs, 0.5).toFixed(2)} ms, p99 ${pct(roundMs, 0.99).toFixed(2)} ms`,
      );

      if (browserToo) {
        const { chromium } = await import('playwright-core');
        const browser = await chromium.launch({
          executablePath: '/usr/bin/chromium',
          args: ['--headless', '--no-sandbox', '--use-gl=swiftshader', '--enable-unsafe-swiftshader'],
        });
        try {
          const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
          await page.goto(server.loginUrl);
          await page
            .getByRole('navigation', { name: 'Main' })
            .getByRole('button', { name: /Review/ })
            .click();
          await page.getByRole('group').getByRole('button', { name: 'All', exact: true }).click();
          const item = page.locator(`[data-product-id="${id}"]`);
          await item.waitFor();
          const canvas = page.locator('.viewer-canvas');
          // The queue opens the first product by itself: measure a fresh open of this one.
          t = performance.now();
          await item.click();
          await page.waitForFunction(
            "document.querySelector('.viewer-canvas')?.getAttribute('data-full') === 'true'",
            null,
            { timeout: 120_000, polling: 'raf' },
          );
          const firstView = performance.now() - t;
          const box = (await canvas.boundingBox())!;
          // Zoom to 1:1 around the centre, then pan: frame intervals from requestAnimationFrame.
          await page.getByLabel('Pixel x, y').fill(`${size / 2}, ${size / 2}`);
          await page.getByLabel('Pixel x, y').press('Enter');
          await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
          for (let k = 0; k < 3; k++) await page.mouse.wheel(0, 100);
          await page.waitForTimeout(1500);
          await page.evaluate(`(() => {
            window.__frames = [];
            window.__stop = false;
            let last = performance.now();
            const tick = (now) => {
              window.__frames.push(now - last);
              last = now;
              if (!window.__stop) requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
          })()`);
          const cx = box.x + box.width / 2;
          const cy = box.y + box.height / 2;
          await page.mouse.move(cx, cy);
          await page.mouse.down();
          for (let k = 0; k < 120; k++) {
            await page.mouse.move(cx - 300 * Math.sin(k / 20), cy - 200 * Math.sin(k / 31), { steps: 1 });
            await page.waitForTimeout(16);
          }
          await page.mouse.up();
          const frames = (await page.evaluate('(window.__stop = true, window.__frames.slice(1))')) as number[];
          frames.sort((a, b) => a - b);
          console.log(
            `  Chromium (swiftshader): first full view ${firstView.toFixed(0)} ms after opening; panning ${frames.length} frames, ` +
              `frame time p50 ${pct(frames, 0.5).toFixed(1)} ms, p95 ${pct(frames, 0.95).toFixed(1)} ms, max ${frames[frames.length - 1]?.toFixed(1)} ms`,
          );
          writeFileSync(
            path.join(dir, 'last.json'),
            JSON.stringify({ size, buildS, peak, rss0, firstView, frames, serverMs, roundMs }),
          );
        } finally {
          await browser.close();
        }
      }
    } finally {
      await server.close();
    }
  } finally {
    await engine.close();
  }
}
