// Timeline benchmark, measured in Debian's Chromium against `serve` on a synthetic workspace of
// one year of 5-minute groups (105,120 rows over 7 declination strips; a tenth of them converted,
// some imaged and in mosaics): the first view (page load to the year drawn), zooms (a key press on
// the timeline to the new view drawn, the main process counting each range in SQL), and the
// renderer's memory (JS heap from the DevTools protocol, RSS of Chromium's renderer processes).
// Beside it, the same summaries in-process (SQL only) and reading every row and binning in
// JavaScript (what a renderer would do without the request), as the reference.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { rendererConfig } from '../electron.vite.config';
import { timelineSummary } from '../src/main/engine/api/timeline';
import { Engine } from '../src/main/engine/engine';
import { serve } from '../src/main/server';

export const description =
  'timeline over 105,120 groups in Chromium: first view, zoom, renderer memory; SQL vs JS binning; --groups --zooms';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** RSS (MB) of every Chromium renderer process under `rootPid`. */
function rendererRssMb(rootPid: number): number[] {
  const out: number[] = [];
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      // gone
    }
  }
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    for (const c of children.get(pid) ?? []) {
      stack.push(c);
      try {
        const cmd = readFileSync(`/proc/${c}/cmdline`, 'utf8');
        if (!cmd.includes('--type=renderer')) continue;
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${c}/status`, 'utf8'));
        if (rss) out.push(Number(rss[1]) / 1024);
      } catch {
        // gone
      }
    }
  }
  return out;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { groups: { type: 'string', default: '105120' }, zooms: { type: 'string', default: '8' } },
  });
  const n = Number(values.groups);
  const zooms = Number(values.zooms);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsa110-bench-timeline-'));
  let engine: Engine | null = null;
  try {
    const ws = path.join(dir, 'ws');
    engine = await Engine.open({
      workspace: ws,
      env: {},
      overrides: { threads: 1 },
      app: { name: 'dsa110-bench', version: '0.0.0', runtime: 'http' },
    });
    const t0 = 61000;
    const five = 300 / 86400;
    const decs = [-20.3, 0.4, 16.1, 33.2, 41.9, 55.6, 71.0];
    const raw = new Sqlite(engine.paths.database);
    const tInsert = performance.now();
    const g = raw.prepare(
      `INSERT INTO ingest_groups (id, state, dec_deg, start_mjd, end_mjd, created_mjd, updated_mjd) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const ms = raw.prepare(
      `INSERT INTO measurement_sets (path, group_id, start_mjd, end_mjd, mid_mjd, dec_deg, status, created_mjd, updated_mjd)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const im = raw.prepare(
      `INSERT INTO images (path, ms_id, kind, center_ra_deg, center_dec_deg, width_px, height_px, cell_arcsec, freq_hz, tier, created_mjd)
       VALUES (?, ?, 'clean', 10, ?, 512, 512, 6, 1.4e9, 'quicklook', ?)`,
    );
    raw.transaction(() => {
      for (let i = 0; i < n; i++) {
        const mjd = t0 + i * five;
        const id = new Date((mjd - 40587) * 86400000).toISOString().slice(0, 19);
        const dec = decs[Math.floor(i / 10_400) % decs.length] as number;
        const converted = i % 10 === 0;
        g.run(id, i % 500 === 1 ? 'failed' : converted ? 'completed' : 'pending', dec, mjd, mjd + five, mjd, mjd);
        if (converted) {
          const r = ms.run(
            `/ms/${id}.ms`,
            id,
            mjd,
            mjd + five,
            mjd + five / 2,
            dec,
            i % 20 === 0 ? 'imaged' : 'calibrated',
            mjd,
            mjd,
          );
          if (i % 20 === 0) im.run(`/img/${id}.fits`, r.lastInsertRowid, dec, mjd);
        }
      }
    })();
    const count = (raw.prepare('SELECT COUNT(*) AS c FROM ingest_groups').get() as { c: number }).c;
    console.log(`inserted ${count} groups in ${((performance.now() - tInsert) / 1000).toFixed(1)} s`);

    // In-process reference: the SQL summary vs every row read and binned in JavaScript.
    const year = { startMjd: t0 - 3, endMjd: t0 + n * five + 3, bins: 400, stripWidthDeg: 1 };
    const sqlTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = performance.now();
      timelineSummary(engine.db, year);
      sqlTimes.push(performance.now() - a);
    }
    const jsTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = performance.now();
      const rows = raw
        .prepare(
          `SELECT ig.dec_deg, ig.start_mjd, ig.state, ms.status FROM ingest_groups ig LEFT JOIN measurement_sets ms ON ms.group_id = ig.id`,
        )
        .all() as { dec_deg: number; start_mjd: number }[];
      const cells = new Map<string, number>();
      const bw = (year.endMjd - year.startMjd) / year.bins;
      for (const r of rows) {
        const k = `${Math.round(r.dec_deg)}:${Math.floor((r.start_mjd - year.startMjd) / bw)}`;
        cells.set(k, (cells.get(k) ?? 0) + 1);
      }
      jsTimes.push(performance.now() - a);
    }
    console.log(
      `year, 400 bins, in-process: SQL summary ${median(sqlTimes).toFixed(0)} ms; every row to JS ${median(jsTimes).toFixed(0)} ms (x${(median(jsTimes) / median(sqlTimes)).toFixed(2)})`,
    );
    raw.close();

    const ui = path.join(dir, 'renderer');
    await build({
      ...rendererConfig,
      configFile: false,
      logLevel: 'warn',
      build: { ...rendererConfig.build, outDir: ui, emptyOutDir: true },
    });
    const server = await serve({ engine, port: 0, rendererDir: ui, recover: false });
    const base = `http://127.0.0.1:${server.port}`;
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--use-gl=swiftshader', '--enable-unsafe-swiftshader', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      const status = page.getByRole('region', { name: 'Data timeline' }).locator('.tl-bar > .muted');
      const firstViews: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = performance.now();
        await page.goto(`${base}/?token=${server.token}`);
        await page.waitForFunction(
          () => {
            const t =
              (
                globalThis as unknown as {
                  document: { querySelector(s: string): { textContent: string | null } | null };
                }
              ).document.querySelector('.tl-bar > .muted')?.textContent ?? '';
            return /[\d,]+ groups in view/.test(t) && /days/.test(t) && !/loading/.test(t);
          },
          undefined,
          { timeout: 30_000 },
        );
        firstViews.push(performance.now() - a);
      }
      console.log(
        `first view (navigation to the year drawn, ${(await status.innerText()).split(' · ')[0]}): median ${median(firstViews).toFixed(0)} ms of ${firstViews.map((x) => x.toFixed(0)).join(', ')}`,
      );
      const canvas = page.getByTestId('timeline-canvas');
      await canvas.focus();
      const zoomTimes: number[] = [];
      for (let i = 0; i < zooms; i++) {
        const before = await status.innerText();
        const a = performance.now();
        await page.keyboard.press('+');
        await page.waitForFunction(
          (prev) => {
            const t =
              (
                globalThis as unknown as {
                  document: { querySelector(s: string): { textContent: string | null } | null };
                }
              ).document.querySelector('.tl-bar > .muted')?.textContent ?? '';
            return t !== prev && !/loading/.test(t);
          },
          before,
          { timeout: 30_000 },
        );
        zoomTimes.push(performance.now() - a);
      }
      const span = (await status.innerText()).split(' · ')[1];
      console.log(
        `zoom in x2, ${zooms} times (to ${span}): median ${median(zoomTimes).toFixed(0)} ms, max ${Math.max(...zoomTimes).toFixed(0)} ms`,
      );
      await page.keyboard.press('0');
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
      const heapTotal = metrics.find((m) => m.name === 'JSHeapTotalSize')?.value ?? 0;
      const browserPid = Number(
        execFileSync('pgrep', ['-o', '-f', 'user-data-dir=.*playwright']).toString().trim().split('\n')[0] ?? 0,
      );
      const rss = browserPid ? rendererRssMb(browserPid) : [];
      console.log(
        `renderer memory: JS heap ${(heap / 2 ** 20).toFixed(1)} MB used of ${(heapTotal / 2 ** 20).toFixed(1)} MB; renderer process RSS ${rss.map((r) => r.toFixed(0)).join(' + ') || '?'} MB`,
      );
      console.log(errors.length ? `console errors: ${errors.join(' | ')}` : 'console errors: none');
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
