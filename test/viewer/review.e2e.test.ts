// The QA reviewer's workflow end to end in Debian's Chromium against `dsa110 serve` (real engine,
// no fake API): a small simulated workspace (15 min around a 0834+555 transit, 48 antennas, 512 px
// images) mosaicked with --review so the mosaic waits for a reviewer. The test opens it in the
// viewer; at 5 pixels the cursor readout's RA/Dec and value equal astropy's reading of the same
// FITS; colormap, stretch and limits change with no tile request; an input image blinks with its
// residual; the mosaic is approved with a comment and published; its folder is in the products
// root with the registered checksum; the audit trail shows both actions; the reviewer's name is
// remembered. Four broken FITS products (1 pixel wide, all NaN, TAN projection, no BUNIT) each
// show a message. Screenshots: test-results/screenshots/18-*.png.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/main/engine/engine';
import { encodeHeader, imageCards, type FitsCard } from '../../src/main/engine/fits';
import { checksumPath, registerProduct } from '../../src/main/engine/registry';
import { celestialWcs } from '../../src/shared/model/sky-image';
import {
  SHOTS,
  launchChromium,
  makeWorkspace,
  rpc as rpcHttp,
  runCli,
  serveWorkspace,
  tearDown,
  watchProblems,
  type Served,
} from '../helpers/serve-browser';
import { CHROMIUM, PYTHON, executable, pythonModules, skipInterop } from '../helpers/interop';

const skip = skipInterop(executable(CHROMIUM), pythonModules('astropy', 'numpy'));
const REVIEWER = 'Ada Reviewer';

let tmp = '';
let ws = '';
let served: Served | null = null;
let browser: Browser | null = null;
let base = '';
let loginUrl = '';
let token = '';
let mosaicId = '';

function cli(args: string[]): string {
  return runCli({ tmp, ws }, args);
}

function rpc<T>(name: string, input: Record<string, unknown> = {}): Promise<T> {
  return rpcHttp<T>({ base, token }, name, input);
}

/** A float32 FITS file from cards and values (big-endian, padded). */
function writeRawFits(file: string, cards: FitsCard[], values: Float32Array): void {
  const data = Buffer.alloc(Math.ceil((values.length * 4) / 2880) * 2880);
  for (let i = 0; i < values.length; i++) data.writeFloatBE(values[i]!, 4 * i);
  writeFileSync(file, Buffer.concat([encodeHeader(cards), data]));
}

function brokenCards(nx: number, ny: number, edit: (c: FitsCard[]) => FitsCard[]): FitsCard[] {
  const grid = {
    ...celestialWcs({ crval1: 128, crval2: 55.5, crpix1: nx / 2, crpix2: ny / 2, cdelt1: -0.002, cdelt2: 0.002 }),
    nx,
    ny,
  };
  return edit(imageCards({ grid, freqHz: 1.4e9, bandwidthHz: 1e6, bunit: 'JY/BEAM' }, -32));
}

const BROKEN = {
  'broken-one-pixel-wide': { nx: 1, ny: 64, edit: (c: FitsCard[]) => c, fill: (i: number) => i * 0.001 },
  'broken-all-nan': { nx: 64, ny: 64, edit: (c: FitsCard[]) => c, fill: () => Number.NaN },
  'broken-tan-projection': {
    nx: 64,
    ny: 64,
    edit: (c: FitsCard[]) =>
      c.map((k) =>
        k.keyword === 'CTYPE1' ? { ...k, value: 'RA---TAN' } : k.keyword === 'CTYPE2' ? { ...k, value: 'DEC--TAN' } : k,
      ),
    fill: (i: number) => Math.sin(i / 50),
  },
  'broken-no-bunit': {
    nx: 64,
    ny: 64,
    edit: (c: FitsCard[]) => c.filter((k) => k.keyword !== 'BUNIT'),
    fill: (i: number) => Math.cos(i / 70),
  },
} as const;

/** Waits until `check` holds (polling), else fails naming `what`. */
async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function hasText(l: Locator, want: string | RegExp, ms = 20_000): Promise<void> {
  await until(
    `${String(l)} to contain ${String(want)}`,
    async () => {
      const t = await l.innerText();
      return typeof want === 'string' ? t.includes(want) : want.test(t);
    },
    ms,
  );
}

beforeAll(async () => {
  if (skip) return;
  ({ tmp, ws } = makeWorkspace('dsa110-review-'));
  cli([
    'simulate',
    '--out',
    path.join(ws, 'incoming'),
    '--start',
    '2026-01-15T08:43:00',
    '--minutes',
    '15',
    '--dec',
    '55.57',
    '--antennas',
    '48',
    '--channels-per-subband',
    '2',
    '--seed',
    '7',
  ]);
  writeFileSync(
    path.join(ws, 'config.json'),
    JSON.stringify({
      imaging: { size: 512, cellArcsec: 6, niter: 300 },
      mosaic: { timespanMin: 15, minImages: 3, overlap: 1 },
      publishing: { minQaTier: 'warn' },
    }),
  );
  cli(['index', '--input-dir', path.join(ws, 'incoming')]);
  cli(['catalog', 'import', path.join(ws, 'incoming', 'truth.json'), '--name', 'SIM', '--format', 'sim-truth']);
  // Left for a reviewer (--review): QA-passed, not published.
  cli([
    'mosaic',
    'centered',
    '--calibrator',
    '0834+555',
    '--timespan-minutes',
    '15',
    '--catalog',
    'SIM',
    '--tier',
    'quicklook',
    '--review',
    '--wait',
  ]);

  // The broken images, registered as staged products.
  const engine = await Engine.open({
    workspace: ws,
    env: {},
    overrides: { threads: 1 },
    app: { name: 'dsa110-test', version: '0.0.0', runtime: 'node' },
  });
  try {
    mkdirSync(engine.paths.staging, { recursive: true });
    for (const [id, b] of Object.entries(BROKEN)) {
      const file = path.join(engine.paths.staging, `${id}.fits`);
      const values = new Float32Array(b.nx * b.ny).map((_, i) => b.fill(i));
      writeRawFits(file, brokenCards(b.nx, b.ny, b.edit), values);
      await registerProduct(engine, { kind: 'image', stagedPath: file });
    }
  } finally {
    await engine.close();
  }

  served = await serveWorkspace({ tmp, ws });
  ({ base, loginUrl, token } = served);
  const list = await rpc<{ items: Array<{ id: string; kind: string }> }>('products.list', { kinds: ['mosaic'] });
  mosaicId = list.items[0]?.id ?? '';
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await tearDown(tmp ? { tmp, ws } : null, served, browser);
});

/** astropy's reading of pixels (0-based x, y) of a FITS image: RA, Dec (degrees) and value. */
function astropyRead(file: string, pixels: Array<[number, number]>): Array<{ ra: number; dec: number; value: number }> {
  const script = `
import json, sys
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
h = fits.open(sys.argv[1])[0]
w = WCS(h.header).celestial
d = np.asarray(h.data, dtype=np.float64).reshape(h.data.shape[-2:])
out = []
for x, y in json.loads(sys.argv[2]):
    ra, dec = w.pixel_to_world_values(x, y)
    out.append({"ra": float(ra), "dec": float(dec), "value": float(d[y, x])})
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', script, file, JSON.stringify(pixels)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`astropy: ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<{ ra: number; dec: number; value: number }>;
}

/** Five pixels: the peak and four finite pixels spread over the image (from astropy's data). */
function choosePixels(file: string): Array<[number, number]> {
  const script = `
import json, sys
import numpy as np
from astropy.io import fits
d = fits.open(sys.argv[1])[0].data
d = d.reshape(d.shape[-2:])
ny, nx = d.shape
y, x = np.unravel_index(np.nanargmax(d), d.shape)
out = [[int(x), int(y)]]
for fx, fy in [(0.3, 0.4), (0.5, 0.5), (0.62, 0.27), (0.81, 0.66)]:
    xx, yy = int(fx * nx), int(fy * ny)
    while not np.isfinite(d[yy, xx]):
        xx += 1
    out.append([xx, yy])
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`astropy: ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<[number, number]>;
}

const DEG = Math.PI / 180;
function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const a =
    Math.sin(((dec2 - dec1) * DEG) / 2) ** 2 +
    Math.cos(dec1 * DEG) * Math.cos(dec2 * DEG) * Math.sin(((ra2 - ra1) * DEG) / 2) ** 2;
  return ((2 * Math.asin(Math.sqrt(a))) / DEG) * 3600;
}

describe.skipIf(skip)('the QA reviewer in Chromium against dsa110 serve', () => {
  it('views a mosaic with an exact readout, recolours without fetching, blinks, approves, publishes, and shows the trail', async () => {
    if (!browser) throw new Error('no browser');
    expect(mosaicId).not.toBe('');
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const problems = watchProblems(page, { httpErrors: false });
    let tileRequests = 0;
    page.on('request', (r) => {
      if (r.url().includes('/tile/')) tileRequests++;
    });
    await page.goto(loginUrl);
    await page.getByText('Engine connected').waitFor({ timeout: 60_000 });
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: /Review/ })
      .click();
    const queue = page.getByRole('listbox', { name: 'Products to review' });
    await queue.locator(`[data-product-id="${mosaicId}"]`).click();
    const canvas = page.locator('.viewer-canvas');
    await canvas.locator('canvas').waitFor({ timeout: 60_000 });
    await until('the mosaic drawn', async () => (await canvas.getAttribute('data-ready')) === 'true', 60_000);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(SHOTS, '18-01-mosaic-opened.png') });

    // The readout at 5 pixels against astropy.
    const src = (await (
      await fetch(`${base}/api/view/product/${encodeURIComponent(mosaicId)}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { value: { files: Record<string, string> } };
    const fitsFile = src.value.files.image!;
    const pixels = choosePixels(fitsFile);
    const truth = astropyRead(fitsFile, pixels);
    const meta = (await (
      await fetch(`${base}/api/view/product/${encodeURIComponent(mosaicId)}/image/meta`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { value: { grid: { cd: number[] } } };
    const pixelArcsec = Math.abs(meta.value.grid.cd[3]!) * 3600;
    for (let k = 0; k < pixels.length; k++) {
      const [x, y] = pixels[k]!;
      await page.getByLabel('Pixel x, y').fill(`${x}, ${y}`);
      await page.getByLabel('Pixel x, y').press('Enter');
      await page.waitForTimeout(300);
      // The pixel's centre on screen, from the view the viewer reports.
      const v = JSON.parse((await canvas.getAttribute('data-view')) ?? '{}') as { target: number[]; zoom: number };
      const box = (await canvas.boundingBox())!;
      const s = 2 ** v.zoom;
      const sx = box.x + 1 + (box.width - 2) / 2 + (x + 0.5 - v.target[0]!) * s;
      const sy = box.y + 1 + (box.height - 2) / 2 - (y + 0.5 - v.target[1]!) * s;
      await page.mouse.move(sx, sy);
      await until(`the readout of pixel ${x}, ${y}`, async () => {
        const px = await page.getByTestId('readout-pixel').innerText();
        const val = await page.getByTestId('readout-value').innerText();
        return px === `${x}, ${y} (FITS ${x + 1}, ${y + 1})` && val !== '–';
      });
      const ra = Number(/\(([-\d.]+)°\)/.exec(await page.getByTestId('readout-ra').innerText())?.[1]);
      const dec = Number(/\(([-\d.]+)°\)/.exec(await page.getByTestId('readout-dec').innerText())?.[1]);
      const value = Number((await page.getByTestId('readout-value').innerText()).split(' ')[0]);
      const t = truth[k]!;
      const sep = separationArcsec(ra, dec, t.ra, t.dec);
      expect(sep, `pixel ${x},${y}: readout ${ra},${dec} vs astropy ${t.ra},${t.dec}`).toBeLessThan(0.1 * pixelArcsec);
      expect(Math.abs(value - t.value) / Math.abs(t.value), `pixel ${x},${y}: ${value} vs ${t.value}`).toBeLessThan(
        1e-6,
      );
      if (k === 0) await page.screenshot({ path: path.join(SHOTS, '18-02-readout-peak.png') });
    }
    await page.getByRole('button', { name: 'Fit' }).click();
    await page.waitForTimeout(1500);

    // Colour mapping runs on the GPU: no tile request while switching colormap, stretch and limits.
    const before = tileRequests;
    for (const [label, value] of [
      ['Colormap', 'viridis'],
      ['Stretch', 'sqrt'],
      ['Colormap', 'cubehelix'],
      ['Stretch', 'log'],
      ['Limits', 'zscale'],
      ['Colormap', 'grey'],
      ['Stretch', 'asinh'],
      ['Limits', '99.9'],
    ] as const) {
      await page.getByLabel(label, { exact: true }).selectOption(value);
      await page.waitForTimeout(250);
    }
    await page.getByLabel('Colormap', { exact: true }).selectOption('diverging');
    await page.getByLabel('Limits', { exact: true }).selectOption('99.5');
    await page.waitForTimeout(800);
    expect(tileRequests - before).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, '18-03-colormap-stretch-no-tiles.png') });
    await page.getByLabel('Colormap', { exact: true }).selectOption('inferno');
    await page.getByLabel('Stretch', { exact: true }).selectOption('linear');

    // Noise and weights one click away.
    await page.getByRole('toolbar', { name: 'Image display' }).getByRole('button', { name: 'Noise' }).click();
    await until(
      'the noise map drawn',
      async () =>
        (await canvas.getAttribute('data-shown-plane')) === 'noise' &&
        (await canvas.getAttribute('data-ready')) === 'true',
    );
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, '18-04-noise-map.png') });
    await page
      .getByRole('toolbar', { name: 'Image display' })
      .getByRole('button', { name: 'Image', exact: true })
      .click();

    // Blink an input image and its residual.
    await page.getByRole('tab', { name: /Inputs/ }).click();
    await page.getByRole('table', { name: 'Mosaic inputs' }).getByRole('button', { name: 'Open' }).first().click();
    await page
      .getByRole('toolbar', { name: 'Image display' })
      .getByRole('button', { name: 'Residual' })
      .waitFor({ timeout: 30_000 });
    await page.getByLabel('Blink with').selectOption('residual');
    await page.getByLabel('Blink interval').selectOption('4000');
    await until('the input image drawn', async () => (await canvas.getAttribute('data-ready')) === 'true', 60_000);
    // What each phase must show: the plane's own display limits (99.5 %) on the colour bar.
    const prov = src.value as unknown as { provenance: { inputs: Array<{ imageId: number }> } };
    const inputId = prov.provenance.inputs[0]!.imageId;
    const highOf = async (plane: string) => {
      const r = await fetch(`${base}/api/view/image/${inputId}/${plane}/meta`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const m = (await r.json()) as { value: { stats: { quantiles: Record<string, number> } } };
      return m.value.stats.quantiles['99.75']!.toPrecision(4);
    };
    const high: Record<string, string> = { image: await highOf('image'), residual: await highOf('residual') };
    expect(high.image).not.toBe(high.residual);
    await page.getByRole('button', { name: 'Blink', exact: true }).click();
    const seen = new Set<string>();
    for (let i = 0; i < 300 && seen.size < 2; i++) {
      const p = (await canvas.getAttribute('data-shown-plane')) ?? '';
      const ready = (await canvas.getAttribute('data-ready')) === 'true';
      if (ready && !seen.has(p) && (await page.locator('.colorbar').innerText()).includes(high[p] ?? '?')) {
        seen.add(p);
        await page.screenshot({ path: path.join(SHOTS, `18-05-blink-${p}.png`) });
      }
      await page.waitForTimeout(50);
    }
    expect([...seen].sort()).toEqual(['image', 'residual']);
    await page.getByRole('button', { name: 'Stop blink' }).click();
    await page.getByRole('button', { name: /Back to the mosaic/ }).click();
    await page.getByRole('tab', { name: 'QA' }).click();
    await hasText(page.getByRole('table', { name: 'QA checks' }), 'Beam major/minor ratio');

    // Approve with a comment (opened with the keyboard).
    await page.getByLabel('Reviewer name').fill(REVIEWER);
    await page.locator('body').click({ position: { x: 5, y: 995 } });
    await page.keyboard.press('a');
    const comment = 'Checked the image and the noise map: sources look right, beam elongation acceptable at this Dec.';
    await page.getByLabel('Review comment').fill(comment);
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    await hasText(page.locator('.review-title'), 'Approved', 20_000);
    await page.screenshot({ path: path.join(SHOTS, '18-06-approved.png') });

    // Publish through the registry's safe publish.
    await page.getByRole('button', { name: 'Publish (p)' }).click();
    await hasText(page.locator('.publish-result'), 'Published', 60_000);
    await page.screenshot({ path: path.join(SHOTS, '18-07-published.png') });
    const { product, events } = await rpc<{
      product: { status: string; publishedPath: string; sha256: string };
      events: Array<{ actor: string; toStatus: string; note: string | null }>;
    }>('products.get', { id: mosaicId });
    expect(product.status).toBe('published');
    expect(product.publishedPath.startsWith(path.join(ws, 'products'))).toBe(true);
    expect(existsSync(product.publishedPath)).toBe(true);
    expect((await checksumPath(product.publishedPath)).sha256).toBe(product.sha256);
    expect(events.find((e) => e.toStatus === 'approved')).toMatchObject({ actor: REVIEWER, note: comment });
    expect(events.find((e) => e.toStatus === 'published')?.actor).toBe(REVIEWER);

    // The audit trail in the UI shows both actions.
    const trail = page.getByRole('table', { name: 'Audit trail' });
    await hasText(trail, 'QA passed → Approved');
    await hasText(trail, 'Approved → Published');
    await hasText(trail, REVIEWER);
    await trail.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, '18-08-audit-trail.png') });

    // The reviewer's name is remembered.
    await page.reload();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: /Review/ })
      .click();
    await until(
      'the remembered reviewer name',
      async () => (await page.getByLabel('Reviewer name').inputValue()) === REVIEWER,
    );
    expect(problems).toEqual([]);
    await page.close();
  }, 600_000);

  it('explains images it cannot draw: 1 pixel wide, all NaN, a TAN projection, no BUNIT', async () => {
    if (!browser) throw new Error('no browser');
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(loginUrl);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: /Review/ })
      .click();
    await page.getByRole('group').getByRole('button', { name: 'All', exact: true }).click();
    const expected: Record<string, RegExp> = {
      'broken-one-pixel-wide': /1 x 64 pixels: a single column cannot be shown/,
      'broken-all-nan': /Every one of the 4,096 pixels of this image is blank/,
      'broken-tan-projection': /No sky coordinates: .*RA---TAN/,
      'broken-no-bunit': /no BUNIT: values are shown without a unit/,
    };
    for (const [id, re] of Object.entries(expected)) {
      await page.locator(`[data-product-id="${id}"]`).click();
      await hasText(page.locator('.viewer-canvas'), re, 30_000);
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, `18-09-${id}.png`) });
    }
    await page.close();
  }, 300_000);
});
