// The fault matrix of issue 14 (test/integrity/fault-matrix.ts), complete: every job kind
// (convert, calibrate, image, mosaic, publish) killed with SIGKILL at every stage boundary and
// inside every long stage, resumed by `jobs resume` with a different `--set`, its products
// compared by checksum with an uninterrupted run and `dsa110 doctor` run after each; prints a
// table. `--job KIND` (repeatable) limits the kinds, `--only TEXT` the kill points, `--keep`
// keeps failing workspaces, `--dir DIR` works there instead of a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FaultMatrix, fullMatrix, passed, type JobKind, type ScenarioResult } from '../test/integrity/fault-matrix';

export const description =
  'SIGKILL at every stage boundary and inside each long stage, resume with another --set: identical products, doctor clean';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      job: { type: 'string', multiple: true },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      dir: { type: 'string' },
    },
  });
  const kinds = (values.job ?? ['convert', 'calibrate', 'image', 'mosaic', 'publish', 'qa']) as JobKind[];
  const scenarios = fullMatrix().filter(
    (s) => kinds.includes(s.job) && (values.only === undefined || s.fault.includes(values.only)),
  );
  const root = values.dir ? path.resolve(values.dir) : mkdtempSync(path.join(os.tmpdir(), 'dsa110-faults-'));
  const m = new FaultMatrix(root);
  const t0 = Date.now();
  console.log(`faults: ${scenarios.length} scenarios in ${root}; preparing the workspace bases`);
  await Promise.resolve();
  m.prepare(kinds);
  const refs = new Map<JobKind, number>();
  for (const k of kinds) {
    const r = m.reference(k);
    refs.set(k, r.digest.size);
    console.log(
      `reference ${k}: ${r.digest.size} product files, ${r.run.seconds.toFixed(1)} s, doctor ${r.doctor.length ? r.doctor.join('; ') : 'clean'}`,
    );
  }
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    const r = m.scenario(s);
    results.push(r);
    const ok = passed(r);
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${s.job.padEnd(9)} ${s.fault.padEnd(44)} ${r.seconds.toFixed(1).padStart(6)} s` +
        (ok
          ? ''
          : `  ${[r.error, ...r.differences.slice(0, 6), ...r.doctorProblems.slice(0, 4), ...r.partials].filter(Boolean).join(' | ')}`),
    );
    if (!ok && values.keep) console.log(`     kept ${m.keep(`${s.job}-${s.fault}`)}`);
  }
  console.log('');
  console.log(
    '| job | kill point | where | killed | resume exit | job state | products identical | doctor | time (s) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.scenario;
    console.log(
      `| ${s.job} | \`${s.fault}\` | ${s.where} | ${r.killed ? 'yes' : 'no'} | ${r.resumeCode ?? '-'} | ${r.jobState ?? '-'} | ` +
        `${r.differences.length === 0 ? `yes (${refs.get(s.job)} files)` : `no: ${r.differences.length} differ`} | ` +
        `${r.doctorProblems.length === 0 ? 'clean' : `${r.doctorProblems.length} problem(s)`} | ${r.seconds.toFixed(1)} |`,
    );
  }
  const failed = results.filter((r) => !passed(r));
  console.log(
    `\nfaults: ${results.length - failed.length}/${results.length} scenarios hold; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`,
  );
  if (!values.dir && !values.keep) rmSync(root, { recursive: true, force: true });
  if (failed.length) process.exitCode = 1;
}
