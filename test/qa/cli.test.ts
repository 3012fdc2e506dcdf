// `dsa110 catalog import|list|cone` and `dsa110 qa ID` in process (the two command modules on a
// commander program with the real CLI context), on a temporary workspace with a staged image.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogCommand } from '../../src/main/cli/commands/catalog';
import { qaCommand } from '../../src/main/cli/commands/qa';
import { createContext } from '../../src/main/cli/context';
import { CliError } from '../../src/main/cli/errors';
import { Engine } from '../../src/main/engine/engine';
import { importCatalog } from '../../src/main/engine/refcat';
import { registerProduct } from '../../src/main/engine/registry';
import { combine, synthField, truthCsv, writeSynth } from './synth';

const FIX = path.join(import.meta.dirname, '..', 'refcat', 'fixtures');
let tmp: string;
let ws: string;
const field = synthField({ seed: 5, nSources: 40, snrRange: [20, 500] });

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-qa-cli-'));
  ws = path.join(tmp, 'ws');
  const engine = await Engine.open({ workspace: ws, env: {}, overrides: { logLevel: 'warn' } });
  for (const [id, scale] of [
    ['img-ok', 1],
    ['img-low', 0.8],
    ['img-auto', 1],
  ] as const) {
    const file = path.join(engine.paths.staging, `${id}.fits`);
    writeSynth(file, field, combine(field, scale));
    engine.db.images.insertImage({
      path: file,
      kind: 'pbcor',
      centerRaDeg: field.desc.grid.crval1,
      centerDecDeg: field.desc.grid.crval2,
      widthPx: 512,
      heightPx: 512,
      cellArcsec: 5,
      freqHz: 1.4e9,
    });
    await registerProduct(engine, { kind: 'image', stagedPath: file });
  }
  writeFileSync(path.join(tmp, 'truth.csv'), truthCsv(field.truth));
  importCatalog(engine.db, path.join(tmp, 'truth.csv'), { name: 'TRUTH' });
  await engine.close();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; error: CliError | null }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env: {},
    cwd: tmp,
  };
  const program = new Command('dsa110')
    .option('-w, --workspace <dir>')
    .option('--json')
    .option('-q, --quiet')
    .exitOverride();
  const ctx = createContext(program, io);
  await ctx.ready();
  catalogCommand.register(program, ctx);
  qaCommand.register(program, ctx);
  let error: CliError | null = null;
  try {
    await program.parseAsync(['--workspace', ws, ...args], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    error = e;
  } finally {
    ctx.close();
  }
  return { stdout: out.join(''), stderr: err.join(''), error };
}

describe('dsa110 catalog', () => {
  it('imports, lists and searches', async () => {
    const a = await cli('catalog', 'import', path.join(FIX, 'nvss-vizier.csv'), '--name', 'NVSS');
    expect(a.error).toBeNull();
    expect(a.stdout).toMatch(/^catalog NVSS: 4 new, 0 updated source\(s\) from .*nvss-vizier\.csv \(csv\)/);
    // Imported once already (beforeAll): a second import updates in place.
    expect((await cli('catalog', 'import', path.join(tmp, 'truth.csv'), '--name', 'TRUTH')).stdout).toMatch(
      /^catalog TRUTH: 0 new, 40 updated/,
    );
    const list = JSON.parse((await cli('--json', 'catalog', 'list')).stdout) as {
      catalogs: { catalog: string; count: number }[];
    };
    expect(list.catalogs.map((c) => [c.catalog, c.count])).toEqual([
      ['NVSS', 4],
      ['TRUTH', 40],
    ]);
    const cone = await cli(
      'catalog',
      'cone',
      '--ra',
      '128.7287',
      '--dec',
      '55.5725',
      '--radius',
      '0.01',
      '--catalog',
      'NVSS',
    );
    expect(cone.stdout.split('\n')[0]).toMatch(/^CATALOG\s+NAME\s+RA \(deg\)/);
    expect(cone.stdout).toContain('083454+553421');
    expect(cone.stdout).toContain('8825.30');
  });

  it('names the bad rows and fails, or skips them when asked', async () => {
    const bad = path.join(FIX, 'bad-rows.csv');
    const r = await cli('catalog', 'import', bad, '--name', 'BAD');
    expect(r.error?.exitCode).toBe(1);
    expect(r.error?.message).toContain(`catalog import: ${bad}: 5 bad row(s); nothing imported`);
    const s = await cli('catalog', 'import', bad, '--name', 'BAD', '--skip-invalid');
    expect(s.error).toBeNull();
    expect(s.stderr).toContain(`skipped ${bad}: line 3, column "RA"`);
    const missing = await cli('catalog', 'cone', '--ra', '400', '--dec', '0', '--radius', '1');
    expect(missing.error?.exitCode).toBe(2);
  });
});

describe('dsa110 qa', () => {
  it('prints the checks and the verdict, moving the product to qa_passed', async () => {
    const r = await cli('qa', 'img-ok', '--catalog', 'TRUTH');
    expect(r.error).toBeNull();
    expect(r.stdout).toMatch(/CHECK\s+RESULT\s+VALUE\s+LIMIT\s+WHY/);
    expect(r.stdout).toMatch(/flux_scale\s+PASS/);
    expect(r.stdout).toContain('verdict (science): PASS');
    expect(r.stdout).toContain('product img-ok: staging -> qa_passed');
  });

  it('runs as a qa job: parameters and configuration frozen with it, the verdict recorded by it', async () => {
    const r = await cli('--json', 'qa', 'img-ok', '--catalog', 'TRUTH', '--tier', 'quicklook');
    expect(r.error).toBeNull();
    const j = JSON.parse(r.stdout) as { jobId: string; id: number; verdict: string; tier: string };
    expect(j).toMatchObject({ verdict: 'pass', tier: 'quicklook' });
    const engine = await Engine.open({ workspace: ws, env: {}, overrides: { logLevel: 'warn' } });
    try {
      const job = engine.db.jobs.get(j.jobId);
      expect(job).toMatchObject({ kind: 'qa', state: 'succeeded' });
      expect(job?.params).toEqual({ productId: 'img-ok', tier: 'quicklook', catalog: 'TRUTH' });
      const stage = engine.db.jobs.stageRuns(j.jobId)[0];
      expect(stage?.outputs).toMatchObject({ qaId: j.id, verdict: 'pass', productId: 'img-ok' });
      // The configuration it ran with is stored beside it (what `jobs resume` uses).
      const frozen = engine.db.jobs.frozen(j.jobId).config as { qa: { quicklook: { imagePeakSnr: unknown } } } | null;
      expect(frozen?.qa.quicklook.imagePeakSnr).toEqual({ warn: 5, fail: 3 });
      // An image row without a product is a job too (subject image:N).
      const row = engine.db.images.getImageByPath(path.join(engine.paths.staging, 'img-ok.fits'));
      const byRow = await cli('--json', 'qa', `image:${row?.id ?? 0}`, '--catalog', 'TRUTH', '--tier', 'quicklook');
      expect(byRow.error).toBeNull();
      const k = JSON.parse(byRow.stdout) as { jobId: string; subject: string };
      expect(engine.db.jobs.get(k.jobId)?.params).toMatchObject({ subject: `image:${row?.id ?? 0}` });
    } finally {
      await engine.close();
    }
  });

  it('exits 1 on a failed verdict and reports the failing checks; --json carries the reasons', async () => {
    const r = await cli('--json', 'qa', 'img-low', '--catalog', 'TRUTH', '--tier', 'deep');
    expect(r.error?.message).toBe('qa: img-low failed QA (deep): flux_scale');
    const j = JSON.parse(r.stdout) as {
      verdict: string;
      tier: string;
      reasons: { check: string; severity: string }[];
      product: { status: string };
    };
    expect(j).toMatchObject({ verdict: 'fail', tier: 'deep', product: { status: 'qa_failed' } });
    expect(j.reasons.find((x) => x.check === 'flux_scale')?.severity).toBe('fail');
    const unknown = await cli('qa', 'nope');
    expect(unknown.error?.exitCode).toBe(1);
    expect(unknown.error?.message).toMatch(/^qa: .*no product with id "nope"/);
  });

  it('publishes a passed product itself when publishing.autoPublish is on (QA alone never does)', async () => {
    const config = path.join(ws, 'config.json');
    writeFileSync(config, JSON.stringify({ publishing: { autoPublish: true } }));
    try {
      const r = await cli('--json', 'qa', 'img-auto', '--catalog', 'TRUTH');
      expect(r.error).toBeNull();
      const j = JSON.parse(r.stdout) as {
        verdict: string;
        transition: { to: string };
        product: { status: string; publishedPath: string };
        published: { outcome: string };
        publishError: string | null;
      };
      expect(j).toMatchObject({
        verdict: 'pass',
        transition: { to: 'qa_passed' },
        product: { status: 'published' },
        published: { outcome: 'published' },
        publishError: null,
      });
      expect(j.product.publishedPath).toBe(path.join(ws, 'products', 'img-auto.fits'));
    } finally {
      rmSync(config);
    }
    // Off (the default), the passed product waits for review.
    const off = await cli('qa', 'img-ok', '--catalog', 'TRUTH');
    expect(off.stdout).toMatch(/product img-ok: \w+ -> qa_passed/);
    expect(off.stdout).not.toContain('auto-publish');
  });

  it('assesses a FITS file named directly (relative to the working directory), recording nothing', async () => {
    writeSynth(path.join(tmp, 'loose.fits'), field, combine(field));
    const r = await cli('qa', 'loose.fits', '--catalog', 'TRUTH', '--pb-corrected');
    expect(r.error).toBeNull();
    expect(r.stdout).toContain(`${path.join(tmp, 'loose.fits')} (not recorded: a file, not a product)`);
    expect(r.stdout).toContain('verdict (science): PASS');
    const missing = await cli('qa', 'absent.fits');
    expect(missing.error?.exitCode).toBe(2);
    expect(missing.error?.message).toBe(`qa: <id> ${path.join(tmp, 'absent.fits')} does not exist`);
  });
});
