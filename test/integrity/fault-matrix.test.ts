// Issue 14's fault matrix, the part that fits the suite (e2e tier, about 4 minutes on 2 cores):
// a mosaic job (convert, calibrate, image, mosaic, QA, publish stages in one DAG) killed with
// SIGKILL inside its long stages and inside the publish step, each time resumed by
// `jobs resume` in a process whose `--set` differs (bigger images, fewer CLEAN iterations, another
// combination method, auto-publish off): the products are identical to an uninterrupted run
// (checksums, with only the fields named in fault-matrix.ts excluded: FITS DATE, job ids, the
// calibration's appliedMjd, HISTORY TIME, provenance createdUtc and durations), no `.partial` is
// left, and `dsa110 doctor` finds nothing. The whole matrix (every stage boundary and inside
// point of the convert, calibrate, image, mosaic, publish and qa jobs) is `npm run bench -- faults`.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultMatrix, fitsDigest, passed, type Scenario } from './fault-matrix';

let tmp: string;
let m: FaultMatrix;
let reference: Map<string, string>;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-faults-'));
  m = new FaultMatrix(tmp);
  m.prepare(['mosaic']);
  const ref = m.reference('mosaic');
  reference = ref.digest;
  expect(ref.doctor).toEqual([]);
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('fault matrix: SIGKILL, then jobs resume with another --set (issue 14)', () => {
  it('the reference run made every product, and the comparison sees a changed value but not a new DATE', () => {
    const keys = [...reference.keys()];
    // Two MS (their column files), three caltables, the tile images, the published mosaic, the database rows.
    expect(keys.filter((k) => /\.ms\/table\.f\d+$/.test(k)).length).toBeGreaterThanOrEqual(2);
    expect(keys.some((k) => /^caltables\/.*\.B\/table\.f0$/.test(k))).toBe(true);
    expect(keys.filter((k) => /^images\/.*-image\.fits$/.test(k))).toHaveLength(2);
    expect(keys.some((k) => /^products\/mosaic_.*\.fits$/.test(k) || /products\/.*\/mosaic_.*\.fits$/.test(k))).toBe(
      true,
    );
    expect(keys).toContain('db:qa_results');

    // The FITS digest ignores DATE, and nothing else: one changed data byte or BMAJ card shows.
    const src = path.join(m.ws, 'images', '2026-01-15T08:45:30-image.fits');
    const copy = path.join(tmp, 'copy.fits');
    copyFileSync(src, copy);
    const base = fitsDigest(copy);
    const buf = readFileSync(copy);
    const text = buf.toString('latin1');
    const date = text.indexOf('DATE    =');
    buf.write("DATE    = '2000-01-01T00:00:00'", date, 'latin1');
    writeFileSync(copy, buf);
    expect(fitsDigest(copy)).toBe(base);
    // One byte inside the data unit (the header is whole 2880-byte blocks ending in END).
    const dataStart = Math.ceil((text.search(/END {77}/) + 80) / 2880) * 2880;
    buf[dataStart + 1000] = (buf[dataStart + 1000] ?? 0) ^ 0xff;
    writeFileSync(copy, buf);
    expect(fitsDigest(copy)).not.toBe(base);
    copyFileSync(src, copy);
    const b2 = readFileSync(copy);
    b2.write('BMAJ    =                  1.0', b2.toString('latin1').indexOf('BMAJ    ='), 'latin1');
    writeFileSync(copy, b2);
    expect(fitsDigest(copy)).not.toBe(base);
  });

  const scenarios: Scenario[] = [
    { job: 'mosaic', fault: 'stage:convert:mid*1', where: 'inside' },
    { job: 'mosaic', fault: 'stage:image:mid*1', where: 'inside' },
    { job: 'mosaic', fault: 'stage:mosaic-build:mid*1', where: 'inside' },
    { job: 'mosaic', fault: 'publish:after-rename*1', where: 'inside' },
  ];
  for (const s of scenarios) {
    it(`${s.job} killed at ${s.fault}: resumed, identical products, doctor clean`, () => {
      const r = m.scenario(s);
      expect(r.error, r.error).toBeUndefined();
      expect(r.killed).toBe(true);
      expect(r.resumeCode).toBe(0);
      expect(r.jobState).toBe('succeeded');
      expect(r.differences).toEqual([]);
      expect(r.partials).toEqual([]);
      expect(r.doctorProblems).toEqual([]);
      expect(passed(r)).toBe(true);
    }, 600_000);
  }
});
