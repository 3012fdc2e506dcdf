// The calibrate command through the real binary: `calibrators --import FILE` stores a VLA list
// in the catalog; `calibrate --ms` on a converted transit detects the calibrator, solves, prints
// the QA and applies; a second `--apply-only` writes nothing; usage and catalog errors exit
// with the option or name in the message.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_S } from '../../src/shared/instrument';
import { formatIsoUtc, transitMjd } from '../../src/shared/astro';
import { NativePool } from '../../src/main/engine/native/pool';
import { simulate } from '../../src/main/engine/sim/simulate';
import { unpackFixture } from '../helpers/fixtures';

const BIN = path.resolve('bin/dsa110.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-cli-calibrate-'));
const VLA_LIST = unpackFixture('vlacalibrators.txt.gz', tmp);
const ws = path.join(tmp, 'ws');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
function run(...args: string[]): Run {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')));
  const r = spawnSync(process.execPath, [BIN, '--workspace', ws, '--threads', '2', ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...clean, HOME: tmp },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  // 0834+555 as the VLA list has it (J2000 08h34m54.904117s +55d34'21.07098").
  const ra = ((8 + 34 / 60 + 54.904117 / 3600) * 15 * Math.PI) / 180;
  const dec = ((55 + 34 / 60 + 21.07098 / 3600) * Math.PI) / 180;
  const tr = transitMjd(ra, dec, 61055.4);
  const pool = new NativePool({ workers: 2 });
  try {
    await simulate(
      {
        outDir: path.join(tmp, 'raw'),
        start: formatIsoUtc(tr - CHUNK_S / 2 / 86400, 0).slice(0, 19),
        minutes: 5,
        decDeg: 55.57,
        seed: 3,
        antennas: 16,
        channelsPerSubband: 4,
        sources: [
          {
            name: '0834+555',
            raDeg: (ra * 180) / Math.PI,
            decDeg: (dec * 180) / Math.PI,
            fluxJy: 8.8,
            spectralIndex: -0.7,
            kind: 'calibrator',
          },
        ],
        corruptions: {
          gains: true,
          bandpass: true,
          noise: true,
          deadAntennas: 0,
          flaggedChannelFraction: 0,
          rfi: false,
        },
        minApparentJy: 0,
        jitterS: 0,
      },
      pool,
    );
  } finally {
    await pool.close();
  }
}, 300_000);

describe('dsa110 calibrators --import', () => {
  it('stores the VLA list entries with a 20 cm flux in the catalog', () => {
    const r = run('--json', 'calibrators', '--import', VLA_LIST);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { imported: number; withoutFlux: number };
    expect(res.imported).toBeGreaterThan(1000);
    expect(res.imported + res.withoutFlux).toBe(1865);
    const near = run('--json', 'calibrators', '--dec', '55.57', '--limit', '3', '--after', '61055');
    expect(near.status, near.stderr).toBe(0);
    const items = (
      JSON.parse(near.stdout) as { items: { calibrator: { name: string; flux1400Jy: number; catalog: string } }[] }
    ).items;
    const c = items.find((i) => i.calibrator.name === '0834+555');
    expect(c?.calibrator).toMatchObject({ flux1400Jy: 8.8, catalog: 'vla' });
  });

  it('names the file and line of a list it cannot parse', () => {
    const bad = path.join(tmp, 'bad.txt');
    writeFileSync(bad, 'IAU NAME EQUINOX PC RA DEC\nthis is not a calibrator line\n');
    const r = run('calibrators', '--import', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}:2: unrecognised line`);
  });
});

describe('dsa110 calibrate', () => {
  it('detects the transiting calibrator, solves, prints QA, applies; a second apply writes nothing', () => {
    const conv = run('--json', 'convert', '--input-dir', path.join(tmp, 'raw'), '--output-dir', path.join(tmp, 'ms'));
    expect(conv.status, conv.stderr).toBe(0);
    const msPath = (JSON.parse(conv.stdout) as { converted: { path: string }[] }).converted[0]!.path;
    const human = run('calibrate', '--ms', msPath);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/solved on 0834\+555 \(reference antenna DSA-\d+\)/);
    expect(human.stdout).toMatch(/KIND\s+FLAGGED %\s+MEDIAN SNR\s+TABLE/);
    expect(human.stdout).toMatch(/applied .*\.B \(fresh/);
    const again = run('--json', 'calibrate', '--ms', msPath, '--apply-only');
    expect(again.status, again.stderr).toBe(0);
    const res = JSON.parse(again.stdout) as {
      solve: unknown;
      apply: { skipped: boolean; gains: { staleness: string } };
    };
    expect(res.solve).toBeNull();
    expect(res.apply).toMatchObject({ skipped: true, gains: { staleness: 'fresh' } });
    const unknown = run('calibrate', '--ms', msPath, '--solve-only', '--calibrator', '9999+999');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('calibrator 9999+999 is not in the catalog');
    const both = run('calibrate', '--ms', msPath, '--solve-only', '--apply-only');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--solve-only and --apply-only exclude each other');
  });
});
