// Acceptance test of the renderer shell in real Chromium: built fresh with the app's renderer
// config, served with the production CSP header, driven through a fake `window.dsa110`.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendererConfig } from '../../electron.vite.config';
import { CONTENT_SECURITY_POLICY } from '../../src/main/electron/csp';
import { requests, validateInput, validateOutput, type RequestName } from '../../src/shared/api';
import { CHROMIUM, executable, skipInterop } from '../helpers/interop';
import { installFakeBridge, type RecordedCall } from './fake-bridge';
import { FAILED_JOB, FAILED_MOSAIC, GROUP_FAILED, PASSED_IMAGE, RUNNING_JOB, T0, fakeData } from './fake-data';

const skip = skipInterop(executable(CHROMIUM));
const SCREENSHOT_DIR = '/tmp';
const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = resolve(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** Console errors, page errors, failed requests and CSP violations: all must stay empty. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

async function calls(page: Page): Promise<RecordedCall[]> {
  return page.evaluate(() => (globalThis as unknown as { __dsa110Calls: RecordedCall[] }).__dsa110Calls);
}

describe.skipIf(skip)('renderer app shell in Chromium', () => {
  let outDir = '';
  let server: Server;
  let browser: Browser;
  let url = '';

  beforeAll(async () => {
    // The canned data must itself satisfy the contract, or the test would prove nothing.
    const check = (name: RequestName, value: unknown) => validateOutput(name, value);
    check('app.info', fakeData.appInfo);
    check('jobs.list', { items: fakeData.jobs, total: fakeData.jobs.length, offset: 0, limit: 100 });
    check('jobs.get', { job: fakeData.jobs[0], stages: fakeData.stages });
    check('jobs.logs', { items: fakeData.logs, hasMore: false });
    check('groups.list', { items: fakeData.groups, total: 3, offset: 0, limit: 50 });
    check('ms.list', { items: fakeData.ms, total: 3, offset: 0, limit: 50 });
    check('images.list', { items: fakeData.images, total: 1, offset: 0, limit: 50 });
    check('products.list', { items: fakeData.products, total: 3, offset: 0, limit: 50 });
    check('products.get', { product: fakeData.products[0], events: fakeData.productEvents });
    check('calibrators.search', { items: fakeData.calibrators });

    outDir = mkdtempSync(join(tmpdir(), 'dsa110-renderer-'));
    await build({
      ...rendererConfig,
      configFile: false,
      logLevel: 'warn',
      build: { ...rendererConfig.build, outDir, emptyOutDir: true },
    });
    server = await serve(outDir);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('shows jobs with live progress, reviews products through the API, draws the sky, without errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const problems = watchProblems(page);
    await page.clock.setFixedTime(new Date((T0 - 40587) * 86_400_000 + 30_000));
    // Typed loosely: playwright's argument types recurse too deep on the data's JSON fields.
    await page.addInitScript(installFakeBridge as (data: unknown) => void, structuredClone(fakeData) as unknown);
    await page.goto(url);

    await expect.poll(() => page.title()).toBe('DSA-110 Continuum Imaging');
    await page.getByRole('heading', { name: 'DSA-110 Continuum Imaging' }).waitFor();
    await page.getByText('Engine connected').waitFor();
    await page.getByText('Workspace: /data/dsa110').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('button').allInnerTexts()).toEqual([
      expect.stringContaining('Timeline & mosaics'),
      expect.stringContaining('Pipeline & Jobs'),
      expect.stringContaining('Data'),
      expect.stringContaining('Calibrators & transits'),
      expect.stringContaining('Products & QA review'),
      expect.stringContaining('Review & image viewer'),
      expect.stringContaining('Settings'),
    ]);
    // The home view is the timeline (issue 17); the jobs are one click away.
    await nav.getByRole('button', { name: /Pipeline/ }).click();

    // Jobs list: every fake job, with its state and progress.
    const jobs = page.getByRole('table', { name: 'Jobs' });
    for (const j of fakeData.jobs) await jobs.locator(`tr[data-job-id="${j.id}"]`).waitFor();
    const running = jobs.locator(`tr[data-job-id="${RUNNING_JOB}"]`);
    await expect.poll(() => running.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('42');
    expect(await running.innerText()).toContain('Running');
    expect(await jobs.locator(`tr[data-job-id="${FAILED_JOB}"]`).innerText()).toContain('Failed');

    // Live progress from an engine event.
    await page.evaluate(
      (jobId) =>
        (globalThis as unknown as { __dsa110Emit: (e: string, p: unknown) => void }).__dsa110Emit('job.progress', {
          jobId,
          stageId: 'image',
          progress: 0.75,
          message: 'wsclean major cycle 4/5',
        }),
      RUNNING_JOB,
    );
    await expect.poll(() => running.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('75');
    await running.getByText('wsclean major cycle 4/5').waitFor();

    // Selecting a job loads its stages and log.
    await running.click();
    await page.getByLabel(`Job ${RUNNING_JOB}`).getByText('wsclean -size 2048 2048', { exact: false }).waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dsa110-pipeline.png') });

    // Data view: groups table and the deck.gl canvas with MS/image footprints.
    await nav.getByRole('button', { name: /Data/ }).click();
    await page.getByRole('table', { name: 'Ingest groups' }).getByText(GROUP_FAILED).waitFor();
    const canvas = page.getByTestId('sky-canvas').locator('canvas');
    await canvas.first().waitFor();
    const box = await canvas.first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(200);
    expect(box?.height ?? 0).toBeGreaterThan(200);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dsa110-data.png') });

    // Calibrators: searched automatically at the newest MS's declination.
    await nav.getByRole('button', { name: /Calibrators/ }).click();
    await page.getByRole('table', { name: 'Calibrators' }).getByText('0834+555').waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dsa110-calibrators.png') });

    // Products: approve one that passed QA, reject another with a reason.
    await nav.getByRole('button', { name: /Products/ }).click();
    const table = page.getByRole('table', { name: 'Products' });
    await table.getByText(PASSED_IMAGE).waitFor();
    // The product's metadata and audit trail, loaded through products.get.
    await table.locator(`tr[data-product-id="${PASSED_IMAGE}"]`).click();
    await page
      .getByLabel(`Product ${PASSED_IMAGE}`)
      .getByText('DR 7800, NVSS flux ratio 0.97', { exact: false })
      .waitFor();
    await page.getByLabel('Reviewer').fill('Jane Astronomer');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dsa110-review.png') });
    await table.locator(`tr[data-product-id="${PASSED_IMAGE}"]`).getByRole('button', { name: 'Approve' }).click();
    await expect
      .poll(async () => (await calls(page)).filter((c) => c.channel === 'products.approve'))
      .toEqual([
        { channel: 'products.approve', input: { id: PASSED_IMAGE, reviewer: 'Jane Astronomer' }, requestId: undefined },
      ]);
    // Approved products leave the "awaiting review" list.
    await table.locator(`tr[data-product-id="${PASSED_IMAGE}"]`).waitFor({ state: 'detached' });

    await table.locator(`tr[data-product-id="${FAILED_MOSAIC}"]`).getByRole('button', { name: 'Reject…' }).click();
    await page.getByLabel('Review comment').fill('completeness 0.61 below 0.7');
    await page.getByRole('button', { name: 'Confirm rejection' }).click();
    await expect
      .poll(async () => (await calls(page)).filter((c) => c.channel === 'products.reject').map((c) => c.input))
      .toEqual([{ id: FAILED_MOSAIC, reviewer: 'Jane Astronomer', comment: 'completeness 0.61 below 0.7' }]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dsa110-reviewed.png') });

    // Every request the renderer made is valid under the contract.
    for (const c of await calls(page)) {
      expect(Object.keys(requests)).toContain(c.channel);
      expect(() => validateInput(c.channel, c.input)).not.toThrow();
    }
    expect(await page.evaluate(() => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual(
      [],
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('explains that the engine is missing when the page runs without the bridge', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchProblems(page);
    await page.goto(url);
    await page.getByRole('alert').filter({ hasText: 'window.dsa110 is missing' }).first().waitFor();
    await page.getByText('No engine (outside the desktop app)').waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });
});
