// `dsa110 photometry`, `dsa110 sources` and `dsa110 lightcurve` in process on 8 synthetic epochs
// written as FITS; the VOTable exports read back by astropy (units, values, row counts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogCommand } from '../../src/main/cli/commands/catalog';
import { lightcurveCommand } from '../../src/main/cli/commands/lightcurve';
import { photometryCommand } from '../../src/main/cli/commands/photometry';
import { sourcesCommand } from '../../src/main/cli/commands/sources';
import { createContext } from '../../src/main/cli/context';
import { CliError } from '../../src/main/cli/errors';
import { PYTHON, pythonModules, requireInterop } from '../helpers/interop';
import { truthCsv } from '../qa/synth';
import { makeField, writeEpochs, type SynthField } from './epochs';

const EPOCHS = 8;
let tmp: string;
let ws: string;
let field: SynthField;
const files: string[] = [];

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
  for (const c of [catalogCommand, photometryCommand, sourcesCommand, lightcurveCommand]) c.register(program, ctx);
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

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-phot-cli-'));
  ws = path.join(tmp, 'ws');
  field = makeField({ nx: 192, epochs: EPOCHS, sinusoid: 0.3, modulation: 0.5, seed: 21, snrRange: [40, 300] });
  writeFileSync(
    path.join(tmp, 'ref.csv'),
    truthCsv(field.sources.map((s) => ({ name: s.name, raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.fluxJy }))),
  );
  files.push(...writeEpochs(field, tmp, 'day'));
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('dsa110 photometry / sources / lightcurve', () => {
  it('measures the epochs, lists candidates and exports a light curve that astropy reads', async () => {
    expect((await cli('catalog', 'import', path.join(tmp, 'ref.csv'), '--name', 'REF')).error).toBeNull();
    const m = await cli('--json', 'photometry', ...files, '--catalog', 'REF', '--pb-cut', '0.3');
    expect(m.error).toBeNull();
    const epochs = JSON.parse(m.stdout) as { forced: number; components: number }[];
    expect(epochs).toHaveLength(EPOCHS);
    expect(epochs.every((e) => e.forced === field.sources.length)).toBe(true);

    const cand = JSON.parse((await cli('--json', 'sources', '--candidates')).stdout) as {
      sources: { name: string; etaPeak: number }[];
    };
    const injected = field.sources.filter((s) => s.variability.kind === 'sinusoid').map((s) => `REF ${s.name}`);
    expect(injected.length).toBeGreaterThan(2);
    expect(cand.sources.map((s) => s.name).sort()).toEqual(injected.sort());
    // Ranked: most significant first.
    const human = await cli('sources', '--min-eta', '0', '--limit', '5');
    expect(human.stdout.split('\n')[0]).toMatch(/^NAME\s+RA \(deg\)\s+DEC \(deg\)\s+EPOCHS/);

    const name = field.sources[0]!.name;
    const lc = await cli('lightcurve', name);
    expect(lc.error).toBeNull();
    expect(lc.stdout).toContain(`REF ${name}`);
    expect(lc.stdout).toMatch(/weighted mean .* over 8 epochs; eta/);
    const byPos = await cli('lightcurve', `${field.sources[0]!.raDeg},${field.sources[0]!.decDeg}`);
    expect(byPos.stdout.split('\n')[0]).toBe(lc.stdout.split('\n')[0]);
    expect((await cli('lightcurve', 'NO-SUCH-SOURCE')).error?.message).toMatch(/no source named "NO-SUCH-SOURCE"/);

    expect((await cli('lightcurve', name, '--format', 'votable', '--out', 'lc.xml')).error).toBeNull();
    expect((await cli('lightcurve', name, '--format', 'csv', '--out', 'lc.csv')).error).toBeNull();
    expect((await cli('sources', '--format', 'votable', '--out', 'sources.xml', '--limit', '1000')).error).toBeNull();
    const csv = readFileSync(path.join(tmp, 'lc.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^mjd \[d\],kind,detected,peak \[Jy\/beam\],peak_err \[Jy\/beam\],int \[Jy\]/);
    expect(csv).toHaveLength(EPOCHS + 1);

    const tool = pythonModules('astropy');
    if (!tool.available) {
      if (requireInterop) throw new Error(tool.reason);
      console.warn(`skipping the astropy check: ${tool.reason}`);
      return;
    }
    const script = `
import json, sys
from astropy.table import Table
lc = Table.read(sys.argv[1], format='votable')
src = Table.read(sys.argv[2], format='votable')
print(json.dumps({
  'n': len(lc), 'peak_unit': str(lc['peak'].unit), 'mjd_unit': str(lc['mjd'].unit),
  'peak': [float(v) for v in lc['peak']], 'kind': [str(v) for v in lc['kind']],
  'nsrc': len(src), 'ra_unit': str(src['ra'].unit), 'candidates': int(sum(bool(v) for v in src['candidate'])),
  'eta_ucd': src['eta_peak'].meta.get('ucd', '') if hasattr(src['eta_peak'], 'meta') else '',
}))`;
    const r = spawnSync(PYTHON, ['-c', script, path.join(tmp, 'lc.xml'), path.join(tmp, 'sources.xml')], {
      encoding: 'utf8',
    });
    expect(r.stderr).not.toMatch(/Error/);
    const got = JSON.parse(r.stdout) as {
      n: number;
      peak_unit: string;
      mjd_unit: string;
      peak: number[];
      kind: string[];
      nsrc: number;
      ra_unit: string;
      candidates: number;
    };
    const json = JSON.parse((await cli('--json', 'lightcurve', name)).stdout) as {
      lightCurve: { peakJy: number }[];
    };
    expect(got.n).toBe(EPOCHS);
    expect(got.peak_unit).toBe('Jy / beam');
    expect(got.mjd_unit).toBe('d');
    expect(got.ra_unit).toBe('deg');
    expect(got.kind.every((k) => k === 'forced')).toBe(true);
    for (let k = 0; k < EPOCHS; k++) expect(got.peak[k]).toBeCloseTo(json.lightCurve[k]!.peakJy, 12);
    expect(got.nsrc).toBeGreaterThanOrEqual(field.sources.length);
    expect(got.candidates).toBe(injected.length);
  }, 120_000);
});
