// Issue 17's acceptance in Debian's Chromium against `dsa110 serve` on a real engine (no fake
// API): a workspace of simulated data, a little over 3 hours around a 0834+555 transit at Dec
// +55.6 (the 15 minutes around the transit at 48 antennas and 2 channels per subband, enough to
// calibrate and image; the rest at the simulator's smallest useful size) plus half an hour at
// another declination. The scientist searches "0834", picks the transit, narrows the window,
// reads the plan, launches it from the keyboard, watches the progress to the end, finds the
// mosaic's footprint on the sky view and the groups' new state on the timeline, and saves a
// setting. Screenshots of every step: test-results/screenshots/17-*.png. No console errors.
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineSummary } from '../../src/shared/api';
import { parseIsoUtc } from '../../src/shared/astro/time';
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
import { CHROMIUM, executable, skipInterop } from '../helpers/interop';

const skip = skipInterop(executable(CHROMIUM));
/** Set to a directory to keep the simulated raw data between runs (development only; the workspace is indexed afresh). */
const CACHE = process.env.E2E17_CACHE ?? '';

let tmp = '';
let ws = '';
let served: Served | null = null;
let browser: Browser | null = null;
let base = '';
let loginUrl = '';
let token = '';

function cli(args: string[]): string {
  return runCli({ tmp, ws }, args);
}

function rpc<T>(name: string, input: unknown): Promise<T> {
  return rpcHttp<T>({ base, token }, name, input);
}

/** The simulated workspace: 3 h 07 min at Dec +55.57 around the 08:50:48 transit, 30 min at Dec +30. */
function simulateWorkspace(): void {
  const sim = (dir: string, start: string, minutes: number, dec: number, antennas: number, ch: number, seed: number) =>
    cli([
      'simulate',
      '--out',
      path.join(ws, 'incoming', dir),
      '--start',
      start,
      '--minutes',
      String(minutes),
      '--dec',
      String(dec),
      '--antennas',
      String(antennas),
      '--channels-per-subband',
      String(ch),
      '--seed',
      String(seed),
    ]);
  const cached = CACHE ? path.join(CACHE, 'incoming') : '';
  if (cached && existsSync(path.join(cached, 'other', 'truth.json'))) {
    cpSync(cached, path.join(ws, 'incoming'), { recursive: true });
  } else {
    sim('before', '2026-01-15T07:20:00', 80, 55.57, 16, 1, 5); // 16 groups, until 08:42:24
    sim('transit', '2026-01-15T08:43:30', 15, 55.57, 48, 2, 7); // 3 groups around the transit
    sim('after', '2026-01-15T09:00:00', 85, 55.57, 16, 1, 8); // 17 groups, until 10:27:37
    sim('other', '2026-01-15T11:00:00', 30, 30.0, 16, 1, 9); // 6 groups at another declination
    if (cached) cpSync(path.join(ws, 'incoming'), cached, { recursive: true });
  }
  writeFileSync(
    path.join(ws, 'config.json'),
    JSON.stringify({
      imaging: { size: 512, cellArcsec: 6, niter: 300 },
      mosaic: { timespanMin: 15, minImages: 3, overlap: 1 },
      qa: { catalog: 'SIM' },
      publishing: { minQaTier: 'warn' },
    }),
  );
  for (const d of ['before', 'transit', 'after', 'other']) cli(['index', '--input-dir', path.join(ws, 'incoming', d)]);
  cli([
    'catalog',
    'import',
    path.join(ws, 'incoming', 'transit', 'truth.json'),
    '--name',
    'SIM',
    '--format',
    'sim-truth',
  ]);
}

beforeAll(async () => {
  if (skip) return;
  ({ tmp, ws } = makeWorkspace('dsa110-e2e17-'));
  simulateWorkspace();

  served = await serveWorkspace({ tmp, ws });
  ({ base, loginUrl, token } = served);
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await tearDown(tmp ? { tmp, ws } : null, served, browser);
});

describe.skipIf(skip)("the scientist's workflow in Chromium against dsa110 serve", () => {
  it('search 0834, pick the transit, narrow the window, plan, launch, follow to the end, see the mosaic on the sky and the timeline', async () => {
    if (!browser) throw new Error('no browser');
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const problems = watchProblems(page);
    await page.goto(loginUrl);
    await page.getByText('Engine connected').waitFor({ timeout: 60_000 });
    const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `17-${name}.png`) });

    // 1. The home view: the data timeline with both declination strips, counted in the main process.
    const timeline = page.getByRole('region', { name: 'Data timeline' });
    await timeline.getByText(/\d+ groups in view/).waitFor({ timeout: 30_000 });
    await expect.poll(async () => timeline.innerText()).toMatch(/42 groups in view/);
    const all = await rpc<TimelineSummary>('timeline.summary', { startMjd: 0, endMjd: 100_000, bins: 1 });
    expect(all.totalGroups).toBe(42);
    expect(all.strips.map((s) => s.decDeg)).toEqual([56, 30]);
    expect(all.strips[0]?.counts[0]?.[0]).toBe(36); // every group raw before the run
    // Only the strips with data are offered.
    const picker = page.getByRole('region', { name: 'Calibrator and transit picker' });
    const stripChips = picker.getByLabel('Declinations with data').getByRole('button');
    expect(await stripChips.allInnerTexts()).toEqual(['+56°', '+30°']);
    await shot('01-timeline');

    // 2. Search "0834": the calibrator with its fluxes, and its transits over the data.
    await picker.getByLabel('Calibrator name, alias or declination').fill('0834');
    await picker.getByLabel('Calibrator name, alias or declination').press('Enter');
    const found = picker.getByRole('table', { name: 'Calibrators found' });
    await found.getByText('0834+555').waitFor({ timeout: 30_000 });
    await found.getByRole('row', { name: /0834\+555/ }).press('Enter');
    const transit = picker.getByRole('button', { name: /2026-01-15 08:50:4\d UTC/ });
    await transit.waitFor({ timeout: 30_000 });
    await expect.poll(async () => transit.innerText(), { timeout: 30_000 }).toMatch(/covered/);
    await shot('02-picker');

    // 3. Pick the transit: the window is centred on it (60 minutes by default in the app).
    await transit.click();
    const plan = page.getByRole('region', { name: 'Mosaic plan' });
    await plan.getByTestId('plan').waitFor({ timeout: 30_000 });
    expect(await plan.getByTestId('window-range').innerText()).toBe('2026-01-15 08:20:47 – 2026-01-15 09:20:47 UTC');
    await shot('03-window-60min');

    // 4. Narrow it to 15 minutes: the plan is made again, three images around the transit.
    await plan.getByRole('button', { name: '15 min', exact: true }).click();
    await expect
      .poll(async () => plan.getByTestId('window-range').innerText())
      .toBe('2026-01-15 08:43:17 – 2026-01-15 08:58:17 UTC');
    const groups = plan.getByRole('table', { name: 'Planned groups' });
    await expect.poll(async () => groups.locator('tbody tr').count(), { timeout: 30_000 }).toBe(3);
    const planText = await plan.getByTestId('plan').innerText();
    expect(planText).toMatch(/3 \(one per 5-minute group\)/);
    expect(planText).toMatch(/solve on 0834\+555/);
    expect(planText).toMatch(/raw: convert first/);
    await shot('04-plan');

    // 5. Launch from the keyboard, follow the progress to the end.
    await plan.getByRole('button', { name: 'Launch mosaic' }).focus();
    await page.keyboard.press('Enter');
    const jobBox = plan.getByLabel('Mosaic job');
    await jobBox.waitFor({ timeout: 30_000 });
    const seen = new Set<number>();
    let shotRunning = false;
    let state = '';
    for (let i = 0; i < 1200; i++) {
      state = (await jobBox.getAttribute('data-job-state')) ?? '';
      const v = Number(await jobBox.getByRole('progressbar').getAttribute('aria-valuenow'));
      if (Number.isFinite(v)) seen.add(v);
      if (!shotRunning && v >= 20 && v < 100) {
        await shot('05-running');
        shotRunning = true;
      }
      if (['succeeded', 'failed', 'cancelled'].includes(state)) break;
      await page.waitForTimeout(500);
    }
    expect(state, await jobBox.innerText()).toBe('succeeded');
    expect([...seen].filter((v) => v > 0 && v < 100).length).toBeGreaterThanOrEqual(2);
    await plan.getByTestId('plan-result').waitFor({ timeout: 30_000 });
    await shot('06-done');

    // 6. The mosaic's footprint on the sky view, where its images are.
    const sky = page.getByRole('region', { name: 'Sky coverage' });
    await expect.poll(async () => sky.innerText(), { timeout: 30_000 }).toMatch(/[1-9]\d* mosaics/);
    await expect.poll(async () => sky.innerText()).toMatch(/[3-9] images/);
    const box = await sky.getByTestId('sky-view').boundingBox();
    if (!box) throw new Error('no sky view');
    // The mosaic is at the window's centre: hovering there names it.
    // Beside the calibrator (drawn on top at the transit position), still inside the mosaic.
    await page.mouse.move(box.x + box.width / 2 + 22, box.y + box.height / 2);
    await expect.poll(async () => sky.innerText(), { timeout: 10_000 }).toMatch(/mosaic 0834\+555_2026-01-15T0850_15m/);
    expect(await sky.innerText()).toMatch(/\d\dh\d\dm\d\d\.\d+s \+5\d°/);
    await shot('07-sky');

    // 7. The groups' states changed on the timeline: the three are now in a (published) mosaic.
    const tlCanvas = page.getByTestId('timeline-canvas');
    await tlCanvas.focus();
    await page.keyboard.press('w'); // zoom to the window
    await expect.poll(async () => timeline.innerText(), { timeout: 10_000 }).toMatch(/min ·|\d\.\d h ·/);
    const transitMjd = parseIsoUtc('2026-01-15T08:50:47');
    const after = await rpc<TimelineSummary>('timeline.summary', {
      startMjd: transitMjd - 10 / 1440,
      endMjd: transitMjd + 10 / 1440,
      bins: 1,
    });
    const strip = after.strips.find((s) => s.decDeg === 56);
    const done = (strip?.counts[4]?.[0] ?? 0) + (strip?.counts[5]?.[0] ?? 0);
    expect(done).toBe(3);
    const tlBox = await tlCanvas.boundingBox();
    if (!tlBox) throw new Error('no timeline');
    await page.mouse.move(tlBox.x + tlBox.width / 2 + 10, tlBox.y + 34 + 14);
    await expect.poll(async () => timeline.innerText(), { timeout: 10_000 }).toMatch(/in a mosaic|published/);
    await shot('08-timeline-after');

    // 8. Settings: change one, saved to the workspace's config file.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: /Settings/ })
      .click();
    const settings = page.getByRole('form', { name: 'Settings form' });
    await settings.getByLabel(/Auto-publish/).waitFor();
    await settings.getByLabel(/Default mosaic timespan/).fill('30');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page
      .getByRole('status')
      .getByText(/mosaic\.timespanMin/)
      .waitFor({ timeout: 10_000 });
    const cfg = await rpc<{ values: { mosaic: { timespanMin: number } } }>('config.get', {});
    expect(cfg.values.mosaic.timespanMin).toBe(30);
    await shot('09-settings');

    expect(problems).toEqual([]);
    await page.close();
  }, 900_000);
});
