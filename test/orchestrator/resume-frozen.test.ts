// Issue 14, case 1: a mosaic job killed (SIGKILL) after its first image and resumed with
// `jobs resume --set imaging.size=... --set imaging.niter=...` runs its remaining stages with
// the configuration frozen at submission, not the resuming process's: every tile and the mosaic
// are identical (checksums of the FITS data) to an uninterrupted run in a second workspace on the
// same raw data; the plan row ends `built`; no `.partial` directory and no second valid bandpass
// with the same validity window are left behind.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/dsa110.mjs');
let tmp: string;
let raw: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
}

function run(ws: string, args: string[], env: Record<string, string> = {}): Run {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_') || k === 'DSA110_NATIVE_ADDON'),
  );
  const r = spawnSync(process.execPath, [BIN, '--workspace', ws, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...clean, HOME: tmp, DSA110_THREADS: '1', ...env },
    timeout: 600_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

function ok(r: Run): string {
  expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
}

function query<T>(ws: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(ws, 'dsa110.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** A FITS file's NAXIS1 and the SHA-256 of its data unit (headers carry dates, paths and job ids). */
function fitsData(file: string): { naxis1: number; sha256: string } {
  const buf = readFileSync(file);
  let naxis1 = -1;
  for (let off = 0; off < buf.length; off += 80) {
    const card = buf.toString('latin1', off, off + 80);
    if (card.startsWith('NAXIS1  =')) naxis1 = Number(card.slice(10, 30).trim());
    if (card.startsWith('END') && card.slice(3).trim() === '') {
      const start = Math.ceil((off + 80) / 2880) * 2880;
      return { naxis1, sha256: createHash('sha256').update(buf.subarray(start)).digest('hex') };
    }
  }
  throw new Error(`${file}: no END card`);
}

/** The mosaic's tiles and the mosaic itself (by file name) of a workspace's one mosaic job. */
function products(ws: string): Map<string, { naxis1: number; sha256: string }> {
  const out = new Map<string, { naxis1: number; sha256: string }>();
  for (const f of readdirSync(path.join(ws, 'images'))
    .filter((n) => n.endsWith('-image.fits'))
    .sort())
    out.set(f, fitsData(path.join(ws, 'images', f)));
  const [m] = query<{ path: string }>(ws, 'SELECT path FROM mosaics');
  const product = query<{ published_path: string | null; path: string }>(
    ws,
    "SELECT path, published_path FROM products WHERE kind = 'mosaic'",
  )[0];
  if (m && product) {
    const name = path.basename(m.path);
    out.set(name, fitsData(path.join(product.published_path ?? product.path, name)));
  }
  return out;
}

function workspace(name: string): string {
  const ws = path.join(tmp, name);
  // Small images, a 10-minute window (2 images) so each chain runs in well under a minute.
  mkdirSync(ws, { recursive: true });
  writeFileSync(
    path.join(ws, 'config.json'),
    JSON.stringify({
      imaging: { size: 384, cellArcsec: 8, niter: 200 },
      mosaic: { timespanMin: 10, minImages: 2, overlap: 1 },
      publishing: { minQaTier: 'warn' },
    }),
  );
  ok(run(ws, ['index', '--input-dir', raw]));
  ok(run(ws, ['catalog', 'import', path.join(raw, 'truth.json'), '--name', 'SIM', '--format', 'sim-truth']));
  return ws;
}

const CENTERED = [
  'mosaic',
  'centered',
  '--calibrator',
  '0834+555',
  '--timespan-minutes',
  '10',
  '--catalog',
  'SIM',
  '--tier',
  'quicklook',
  '--wait',
];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-frozen-'));
  raw = path.join(tmp, 'raw');
  ok(
    run(path.join(tmp, 'sim-ws'), [
      'simulate',
      '--out',
      raw,
      '--start',
      '2026-01-15T08:45:30',
      '--minutes',
      '10',
      '--dec',
      '55.57',
      '--antennas',
      '48',
      '--channels-per-subband',
      '2',
      '--seed',
      '11',
    ]),
  );
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("jobs resume after SIGKILL uses the job's frozen configuration", () => {
  it('products are identical to an uninterrupted run; plan built; no partials or duplicate bandpass left', () => {
    // Uninterrupted reference run with the configuration of the workspace.
    const ref = workspace('ref');
    ok(run(ref, CENTERED));
    const want = products(ref);
    expect(want.size).toBe(3);
    for (const [f, p] of want) if (f.endsWith('-image.fits')) expect(p.naxis1, f).toBe(384);

    // The same request, killed right after the first image is written, then resumed by a process
    // whose configuration differs (bigger images, fewer CLEAN iterations).
    const ws = workspace('killed');
    const killed = run(ws, CENTERED, { DSA110_FAULT: 'stage:image:after*1' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const [job] = query<{ id: string; state: string }>(ws, "SELECT id, state FROM jobs WHERE kind = 'mosaic'");
    expect(job?.state).toBe('running');
    expect(query<{ status: string }>(ws, 'SELECT status FROM mosaic_plans')[0]?.status).toBe('building');
    const frozen = JSON.parse(
      query<{ c: string }>(ws, 'SELECT config_json AS c FROM jobs WHERE id = ?', job?.id)[0]?.c ?? '{}',
    ) as { imaging: { size: number } };
    expect(frozen.imaging.size).toBe(384);

    const resumed = run(ws, [
      '--set',
      'imaging.size=1024',
      '--set',
      'imaging.niter=5',
      'jobs',
      'resume',
      job?.id ?? '',
    ]);
    expect(resumed.status, `${resumed.stderr}\n${resumed.stdout}`).toBe(0);
    expect(query<{ state: string }>(ws, 'SELECT state FROM jobs WHERE id = ?', job?.id)[0]?.state).toBe('succeeded');
    // The resume said which configuration it runs with: the log has no "no frozen configuration" warning.
    expect(
      query(ws, "SELECT id FROM job_logs WHERE job_id = ? AND message LIKE '%no frozen configuration%'", job?.id),
    ).toEqual([]);

    const got = products(ws);
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [f, p] of want) expect(got.get(f), f).toEqual(p);

    // The plan follows its job to the end (it stayed `building` before).
    expect(
      query<{ status: string; mosaic_id: number | null }>(ws, 'SELECT status, mosaic_id FROM mosaic_plans'),
    ).toEqual([{ status: 'built', mosaic_id: query<{ id: number }>(ws, 'SELECT id FROM mosaics')[0]?.id ?? -1 }]);
    // One valid bandpass per validity window, and no partial directories anywhere in the workspace's caltables.
    const bandpasses = query<{ n: number }>(
      ws,
      "SELECT COUNT(*) AS n FROM caltables WHERE kind = 'B' AND status = 'valid' GROUP BY valid_start_mjd, valid_end_mjd",
    );
    expect(bandpasses.every((b) => b.n === 1)).toBe(true);
    expect(readdirSync(path.join(ws, 'caltables')).filter((n) => n.includes('.partial'))).toEqual([]);
  }, 900_000);
});
