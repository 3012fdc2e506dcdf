// End to end in Debian's Chromium (Playwright, no fake API): `dsa110 serve` on a small simulated
// workspace (15 min around a 0834+555 transit, 48 antennas, 2 channels per subband, 512 px
// images), the UI built fresh and opened with the printed token URL. The UI shows the real
// groups, calibrators, jobs and products; a mosaic launched through POST /api/jobs (twice, with
// one Idempotency-Key: one job) appears in the UI with live progress and ends published or
// awaiting review. Screenshots go to test-results/screenshots.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRequestName } from '../../src/shared/api';
import {
  SHOTS,
  launchChromium,
  makeWorkspace,
  runCli,
  serveWorkspace,
  tearDown,
  watchProblems,
  type Served,
} from '../helpers/serve-browser';
import { CHROMIUM, executable, skipInterop } from '../helpers/interop';

const skip = skipInterop(executable(CHROMIUM));
const CALIBRATOR = '0834+555';

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

async function api(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { ok: boolean; value: Record<string, unknown>; error?: { message: string } } }> {
  const r = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as { ok: boolean; value: Record<string, unknown> } };
}

beforeAll(async () => {
  if (skip) return;
  ({ tmp, ws } = makeWorkspace('dsa110-e2e-'));
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

  served = await serveWorkspace({ tmp, ws });
  ({ base, loginUrl, token } = served);
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await tearDown(tmp ? { tmp, ws } : null, served, browser);
});

describe.skipIf(skip)('the UI in Chromium against dsa110 serve', () => {
  it('shows the real data; a mosaic POSTed to /api/jobs appears with live progress and ends published or awaiting review', async () => {
    if (!browser) throw new Error('no browser');
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const problems = watchProblems(page);
    // Without the token: the login page, and nothing of the app.
    const denied = await page.goto(base);
    expect(denied?.status()).toBe(401);
    await page.getByLabel('Access token').waitFor();
    await page.screenshot({ path: path.join(SHOTS, '01-login.png') });
    problems.length = 0;

    // The printed URL signs in (cookie) and leaves the token out of the address bar.
    await page.goto(loginUrl);
    expect(page.url()).toBe(`${base}/`);
    await page.getByText('Engine connected').waitFor({ timeout: 60_000 });
    await page.getByText(`Workspace: ${ws}`).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });

    // Real groups and calibrators from the workspace.
    const groups = (await api('GET', '/api/rpc/groups.list?limit=50')).body.value as {
      items: { id: string }[];
      total: number;
    };
    expect(groups.total).toBe(3);
    await nav.getByRole('button', { name: /Data/ }).click();
    const groupTable = page.getByRole('table', { name: 'Ingest groups' });
    for (const g of groups.items) await groupTable.getByText(g.id).first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, '02-data.png') });
    await nav.getByRole('button', { name: /Calibrators/ }).click();
    const search = page.getByRole('form', { name: 'Calibrator search' });
    await search.getByLabel('Dec (°)').fill('55.57');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('table', { name: 'Calibrators' }).getByText(CALIBRATOR).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, '03-calibrators.png') });

    await nav.getByRole('button', { name: /Pipeline/ }).click();
    const jobs = page.getByRole('table', { name: 'Jobs' });
    if (!isRequestName('jobs.submit')) throw new Error('this engine has no jobs.submit: the job API is missing');

    // The mosaic through the REST job API; the same Idempotency-Key twice starts one job.
    const request = {
      type: 'mosaic.centered',
      params: { calibrator: CALIBRATOR, timespanMin: 15, catalog: 'SIM', tier: 'quicklook' },
    };
    const key = `e2e-${Date.now()}`;
    const first = await api('POST', '/api/jobs', request, { 'idempotency-key': key });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const again = await api('POST', '/api/jobs', request, { 'idempotency-key': key });
    expect(again.status).toBeLessThan(300);
    const jobIdOf = (v: Record<string, unknown>) =>
      (v.job as { id?: string } | undefined)?.id ?? (v.jobId as string | undefined) ?? '';
    const jobId = jobIdOf(first.body.value);
    expect(jobId).not.toBe('');
    expect(jobIdOf(again.body.value)).toBe(jobId);
    const mosaicJobs = (await api('GET', '/api/jobs?kind=mosaic')).body.value as { total: number };
    expect(mosaicJobs.total).toBe(1);

    // It appears in the UI (pushed over SSE) and its progress moves while it runs.
    const row = jobs.locator(`tr[data-job-id="${jobId}"]`);
    await row.waitFor({ timeout: 30_000 });
    const seen = new Set<number>();
    let shotRunning = false;
    for (let i = 0; i < 1200; i++) {
      const text = await row.innerText();
      const v = Number(await row.getByRole('progressbar').getAttribute('aria-valuenow'));
      if (Number.isFinite(v)) seen.add(v);
      if (!shotRunning && v > 0 && v < 100) {
        await row.click();
        await page.screenshot({ path: path.join(SHOTS, '04-job-running.png') });
        shotRunning = true;
      }
      if (/Succeeded|Failed|Cancelled/.test(text)) break;
      await page.waitForTimeout(500);
    }
    expect(await row.innerText()).toContain('Succeeded');
    // Live progress: several distinct values between start and end were shown.
    expect([...seen].filter((v) => v > 0 && v < 100).length).toBeGreaterThanOrEqual(2);
    await row.click();
    await page.screenshot({ path: path.join(SHOTS, '05-job-done.png') });
    const status = await api('GET', `/api/jobs/${jobId}/status`);
    expect(status.body.value.state).toBe('succeeded');

    // The product: published, or waiting for a reviewer.
    await nav.getByRole('button', { name: /Products/ }).click();
    await page.getByRole('group').getByRole('button', { name: 'All', exact: true }).click();
    const products = page.getByRole('table', { name: 'Products' });
    const productRow = products
      .locator('tr[data-product-id]')
      .filter({ hasText: /Published|QA passed|QA failed/ })
      .first();
    await productRow.waitFor({ timeout: 30_000 });
    await productRow.click();
    await page.screenshot({ path: path.join(SHOTS, '06-products.png') });
    const listed = (await api('GET', '/api/rpc/products.list?limit=50')).body.value as {
      items: { id: string; status: string; kind: string }[];
    };
    const mosaic = listed.items.find((p) => p.kind === 'mosaic');
    expect(['published', 'qa_passed', 'qa_failed']).toContain(mosaic?.status);
    expect(problems).toEqual([]);
    await page.close();
  }, 900_000);
});
