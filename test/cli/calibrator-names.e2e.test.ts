// `dsa110 transits --calibrator 3C286` (and 3c286, J1331+3030) on the real binary lists the
// transits of 1331+305; an unknown name is named in the error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIsoUtc } from '../../src/shared/astro';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-cli-calnames-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('dsa110 transits --calibrator with other names', () => {
  const BIN = path.resolve('bin/dsa110.mjs');
  const ws = path.join(tmp, 'ws');
  const run = (...args: string[]) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')));
    return spawnSync(process.execPath, [BIN, '--workspace', ws, ...args], {
      cwd: tmp,
      encoding: 'utf8',
      env: { ...clean, HOME: tmp },
    });
  };
  const window = ['--start', '2026-03-01T00:00:00', '--end', '2026-03-04T00:00:00'];

  it('lists the transits of 1331+305 for 3C286 and 3c286', () => {
    for (const name of ['3C286', '3c286']) {
      const r = run('--json', 'transits', '--calibrator', name, ...window);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as {
        calibrator: { name: string; altName: string };
        transits: { transitMjd: number }[];
      };
      expect(out.calibrator).toMatchObject({ name: '1331+305', altName: '3C286' });
      expect(out.transits).toHaveLength(3);
      expect(out.transits[0]!.transitMjd).toBeGreaterThan(parseIsoUtc('2026-03-01T00:00:00'));
    }
    const human = run('transits', '--calibrator', 'J1331+3030', ...window);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^1331\+305 \(RA 202\.78/);
  });

  it('names an unknown calibrator', () => {
    const r = run('transits', '--calibrator', '3C999', ...window);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('transits: no calibrator "3C999" in the catalog');
  });
});
