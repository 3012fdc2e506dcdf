// The fault matrix of issue 14: a job killed (SIGKILL, through DSA110_FAULT) at a stage boundary
// or inside a long stage, then resumed by `jobs resume` in a process whose configuration differs
// (`--set`), must leave products identical to an uninterrupted run with the job's own parameters,
// and `dsa110 doctor` must find nothing. Shared by test/integrity/fault-matrix.test.ts (a subset,
// e2e tier) and bench/faults.ts (`npm run bench -- faults`: the whole matrix, as a table).
//
// Every run happens in the same workspace path (a prepared base copied back into it), so paths
// recorded in the database, the MS keywords and the FITS HISTORY agree between the reference and
// the resumed run; what legitimately differs is excluded by field, never by file:
//  - FITS: the DATE card (when the file was written) and job ids in HISTORY; the data unit and
//    every other card (beam, CLEAN threshold, inputs) must match;
//  - MS main table: the `appliedMjd` of the calibration keyword (when it was applied) and job ids;
//    every column file, the table description and all other keywords must match;
//  - MS HISTORY: the TIME column (when each row was written) and job ids in the messages;
//  - provenance.json: `createdUtc`, durations (`*Seconds`), job ids and the validation record's
//    database id (a killed build's validation row stays as history, the rerun's is the next);
//  - table.lock files (lock state of the writer, not data);
//  - the product row's sha256 and size (of the product's files whole; compared one by one above).
// Caltables, PNG previews and every other file are compared byte for byte.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { keywordsToPlain, openTable } from '../../src/main/engine/casacore';

export const BIN = path.resolve('bin/dsa110.mjs');

export type JobKind = 'convert' | 'calibrate' | 'image' | 'mosaic' | 'publish' | 'qa';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** One cell of the matrix: a job kind and where its first run is killed. */
export interface Scenario {
  job: JobKind;
  /** DSA110_FAULT value of the killed run (kill points fire once: `*1`). */
  fault: string;
  /** Where that is, for the table. */
  where: 'boundary' | 'inside';
}

export interface ScenarioResult {
  scenario: Scenario;
  killed: boolean;
  jobId: string | null;
  resumeCode: number | null;
  jobState: string | null;
  /** Products whose digest differs from the reference (relative paths), or missing/extra. */
  differences: string[];
  doctorProblems: string[];
  partials: string[];
  seconds: number;
  error?: string;
}

// The stages of each job kind (names as DSA110_FAULT spells them) and which are long enough to be
// killed inside (their progress crosses one half while partial outputs are on disk).
const STAGES: Record<JobKind, { name: string; inside: boolean }[]> = {
  convert: [{ name: 'convert', inside: true }],
  // On its transit MS the solve applies in the same pass; the apply stage then verifies as done
  // and never executes (the mosaic job's apply stages, on the other groups, do).
  calibrate: [{ name: 'calibrate-solve', inside: true }],
  image: [{ name: 'image', inside: true }],
  mosaic: [
    { name: 'convert', inside: true },
    { name: 'calibrate-solve', inside: true },
    { name: 'calibrate-apply', inside: true },
    { name: 'image', inside: true },
    { name: 'mosaic-build', inside: true },
    { name: 'mosaic-qa', inside: false },
    { name: 'mosaic-publish', inside: false },
  ],
  publish: [{ name: 'product-publish', inside: false }],
  qa: [{ name: 'product-qa', inside: false }],
};

/** Inside the publish step (both job kinds that publish): the registry's own kill points. */
const PUBLISH_INSIDE = [
  'publish:before-copy*1',
  'publish:after-rename*1',
  'publish:before-db*1',
  'publish:after-db*1',
  // Across file systems: the copy is written, not yet verified or renamed.
  'publish:rename=EXDEV,publish:after-copy*1',
];

/** The complete matrix: every stage boundary, and inside every long stage, of every job kind. */
export function fullMatrix(): Scenario[] {
  const out: Scenario[] = [];
  for (const job of Object.keys(STAGES) as JobKind[]) {
    for (const s of STAGES[job]) {
      out.push({ job, fault: `stage:${s.name}:before*1`, where: 'boundary' });
      if (s.inside) out.push({ job, fault: `stage:${s.name}:mid*1`, where: 'inside' });
      out.push({ job, fault: `stage:${s.name}:after*1`, where: 'boundary' });
    }
    if (job === 'mosaic' || job === 'publish')
      for (const f of PUBLISH_INSIDE) out.push({ job, fault: f, where: 'inside' });
  }
  return out;
}

// The tiny workspace: 10 minutes (two 5-minute groups around a 0834+555 transit), 24 antennas,
// 1 channel per subband, 256-px images with 100 CLEAN iterations. QA's quicklook limits are
// loosened (24 antennas give an elongated beam): the matrix tests state, not science.
const CONFIG = {
  imaging: { size: 256, cellArcsec: 8, niter: 100 },
  mosaic: { timespanMin: 10, minImages: 2, overlap: 1 },
  publishing: { minQaTier: 'warn', autoPublish: true },
  qa: {
    quicklook: {
      imageDynamicRange: { warn: 1.5, fail: 1 },
      imagePeakSnr: { warn: 1.5, fail: 1 },
      beamElongation: { warn: 20, fail: 50 },
      catalogFluxRatioErrorPct: { warn: 90, fail: 99 },
      catalogAstrometricRmsArcsec: { warn: 60, fail: 120 },
      catalogCompleteness: { warn: 0.01, fail: 0 },
      mosaicAstrometricRmsArcsec: { warn: 60, fail: 120 },
      noisyAreaPct: { warn: 90, fail: 99 },
      sourceSizeRatio: { warn: 20, fail: 50 },
    },
  },
};
const G2 = '2026-01-15T08:50:39'; // the transit group: calibration is solved on it
const MOSAIC = 'mosaic_0834+555_20260115T0850';
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

/** Each job kind: the base it starts from, its command, and the resuming process's different settings. */
const JOBS: Record<JobKind, { base: Base; args: (ws: string) => string[]; set: string[] }> = {
  convert: {
    base: 'indexed',
    args: (ws) => [
      'convert',
      '--input-dir',
      path.join(ws, '..', 'raw'),
      '--group',
      G2,
      '--output-dir',
      path.join(ws, 'ms'),
    ],
    set: ['ingest.expectedSubbands=8', 'imaging.size=512'],
  },
  calibrate: {
    base: 'converted',
    args: (ws) => ['calibrate', '--ms', path.join(ws, 'ms', `${G2}.ms`), '--calibrator', '0834+555'],
    set: ['calibration.gainSolint=60s', 'calibration.minSnr=50', 'calibration.bandpassValidityH=2'],
  },
  image: {
    base: 'calibrated',
    args: (ws) => [
      'image',
      '--ms',
      path.join(ws, 'ms', `${G2}.ms`),
      '--out',
      path.join(ws, 'images', G2),
      '--column',
      'CORRECTED_DATA',
    ],
    set: ['imaging.size=512', 'imaging.niter=5', 'imaging.weighting=natural'],
  },
  mosaic: {
    base: 'indexed',
    args: () => CENTERED,
    set: ['imaging.size=512', 'imaging.niter=5', 'mosaic.method=mean', 'publishing.autoPublish=false'],
  },
  publish: {
    base: 'staged',
    args: () => ['publish', MOSAIC],
    set: ['publishing.autoPublish=false', 'publishing.minQaTier=pass'],
  },
  qa: {
    base: 'staged',
    // Auto-publish off for the command: its publish after QA is a job of its own (the publish
    // rows), not part of the qa job that `jobs resume` finishes.
    args: () => ['--set', 'publishing.autoPublish=false', 'qa', MOSAIC, '--tier', 'quicklook', '--catalog', 'SIM'],
    // Stricter limits in the resuming process: a verdict taken with them would differ.
    set: ['qa.quicklook.beamElongation.warn=1.005', 'qa.quicklook.beamElongation.fail=1.01'],
  },
};

type Base = 'indexed' | 'converted' | 'calibrated' | 'staged';

/** The matrix's folder: raw data, the bases, and the one workspace path every run uses. */
export class FaultMatrix {
  readonly ws: string;
  readonly raw: string;
  private readonly bases: string;
  private readonly refs = new Map<JobKind, Map<string, string>>();

  constructor(readonly root: string) {
    this.ws = path.join(root, 'ws');
    this.raw = path.join(root, 'raw');
    this.bases = path.join(root, 'bases');
  }

  run(args: string[], env: Record<string, string> = {}): Run {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_') || k === 'DSA110_NATIVE_ADDON'),
    );
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [BIN, '--workspace', this.ws, ...args], {
      cwd: this.root,
      encoding: 'utf8',
      // One thread: the gridder's multi-threaded sums are not bit-reproducible between runs.
      env: { ...clean, HOME: this.root, DSA110_THREADS: '1', ...env },
      timeout: 600_000,
    });
    return {
      code: r.status,
      signal: r.signal,
      stdout: r.stdout,
      stderr: r.stderr,
      seconds: (Date.now() - t0) / 1000,
    };
  }

  private ok(args: string[], env: Record<string, string> = {}): Run {
    const r = this.run(args, env);
    if (r.code !== 0) throw new Error(`dsa110 ${args.join(' ')}: exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
    return r;
  }

  /** Simulate the raw data and build the bases (each kept aside, restored into `ws` for a run). */
  prepare(kinds: readonly JobKind[]): void {
    mkdirSync(this.bases, { recursive: true });
    if (!existsSync(this.raw)) {
      const sim = spawnSync(
        process.execPath,
        [
          BIN,
          '--workspace',
          path.join(this.root, 'sim-ws'),
          'simulate',
          '--out',
          this.raw,
          '--start',
          '2026-01-15T08:45:30',
          '--minutes',
          '10',
          '--dec',
          '55.57',
          '--antennas',
          '24',
          '--channels-per-subband',
          '1',
          '--seed',
          '11',
        ],
        { cwd: this.root, encoding: 'utf8', env: { ...process.env, HOME: this.root, DSA110_THREADS: '1' } },
      );
      if (sim.status !== 0) throw new Error(`simulate: ${sim.stderr}`);
    }
    const needed = new Set(kinds.map((k) => JOBS[k].base));
    rmSync(this.ws, { recursive: true, force: true });
    mkdirSync(this.ws, { recursive: true });
    writeFileSync(path.join(this.ws, 'config.json'), JSON.stringify(CONFIG, null, 2));
    this.ok(['index', '--input-dir', this.raw]);
    this.ok(['catalog', 'import', path.join(this.raw, 'truth.json'), '--name', 'SIM', '--format', 'sim-truth']);
    this.save('indexed');
    if (needed.has('staged')) {
      // --review: the mosaic job leaves its product staged, QA passed, for the publish job.
      this.ok([...CENTERED, '--review']);
      this.save('staged');
      this.restore('indexed');
    }
    if (needed.has('converted') || needed.has('calibrated')) {
      this.ok(JOBS.convert.args(this.ws));
      this.save('converted');
      this.ok(JOBS.calibrate.args(this.ws));
      this.save('calibrated');
    }
  }

  private save(base: Base): void {
    const dest = path.join(this.bases, base);
    rmSync(dest, { recursive: true, force: true });
    cpSync(this.ws, dest, { recursive: true });
  }

  /** Put a base back at the workspace path (the database's paths point there). */
  restore(base: Base): void {
    rmSync(this.ws, { recursive: true, force: true });
    cpSync(path.join(this.bases, base), this.ws, { recursive: true });
  }

  /** The uninterrupted run of a job kind, from its base, and its products' digest. */
  reference(job: JobKind): { digest: Map<string, string>; run: Run; doctor: string[] } {
    this.restore(JOBS[job].base);
    const r = this.ok(JOBS[job].args(this.ws));
    const digest = productDigest(this.ws);
    this.refs.set(job, digest);
    return { digest, run: r, doctor: this.doctor() };
  }

  /** `dsa110 doctor --json`: its problems, as `kind subject: message` lines. */
  doctor(): string[] {
    const r = this.run(['--json', 'doctor']);
    let report: { problems: { kind: string; subject: string; message: string }[] };
    try {
      report = JSON.parse(r.stdout) as typeof report;
    } catch {
      return [`doctor printed no JSON (exit ${r.code}): ${r.stderr.trim()}`];
    }
    const lines = report.problems.map((p) => `${p.kind} ${p.subject}: ${p.message}`);
    if (r.code !== 0 && lines.length === 0) lines.push(`doctor exit ${r.code}: ${r.stderr.trim()}`);
    return lines;
  }

  private query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(path.join(this.ws, 'dsa110.sqlite'), { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  /** Kill, resume with a different configuration, compare with the reference, run doctor. */
  scenario(s: Scenario): ScenarioResult {
    const t0 = Date.now();
    const job = JOBS[s.job];
    const want = this.refs.get(s.job) ?? this.reference(s.job).digest;
    const result: ScenarioResult = {
      scenario: s,
      killed: false,
      jobId: null,
      resumeCode: null,
      jobState: null,
      differences: [],
      doctorProblems: [],
      partials: [],
      seconds: 0,
    };
    try {
      this.restore(job.base);
      const before = new Set(this.query<{ id: string }>('SELECT id FROM jobs').map((j) => j.id));
      const killed = this.run(job.args(this.ws), { DSA110_FAULT: s.fault });
      result.killed = killed.signal === 'SIGKILL';
      if (!result.killed)
        throw new Error(`the fault point was never reached (exit ${killed.code}): ${killed.stderr.slice(-400)}`);
      const jobs = this.query<{ id: string }>(
        'SELECT id FROM jobs WHERE kind = ? ORDER BY created_mjd DESC',
        s.job === 'publish' ? 'publish' : s.job,
      ).filter((j) => !before.has(j.id));
      const jobId = jobs[0]?.id;
      if (!jobId) throw new Error('the killed run left no job to resume');
      result.jobId = jobId;
      const sets = job.set.flatMap((kv) => ['--set', kv]);
      const resumed = this.run([...sets, 'jobs', 'resume', jobId]);
      result.resumeCode = resumed.code;
      result.jobState = this.query<{ state: string }>('SELECT state FROM jobs WHERE id = ?', jobId)[0]?.state ?? null;
      if (resumed.code !== 0) result.error = `jobs resume exit ${resumed.code}: ${resumed.stderr.trim().slice(-400)}`;
      const got = productDigest(this.ws);
      result.differences = diffDigests(want, got);
      result.doctorProblems = this.doctor();
      result.partials = partialsUnder(this.ws);
    } catch (err) {
      result.error = err instanceof Error ? err.message : String(err);
    }
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  }

  /** Move the last scenario's workspace aside for inspection (the bench's --keep). */
  keep(name: string): string {
    const dest = path.join(this.root, `kept-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    rmSync(dest, { recursive: true, force: true });
    renameSync(this.ws, dest);
    return dest;
  }
}

/** True when a scenario holds: killed, resumed to success, identical products, doctor clean. */
export function passed(r: ScenarioResult): boolean {
  return (
    r.killed &&
    r.resumeCode === 0 &&
    r.jobState === 'succeeded' &&
    r.differences.length === 0 &&
    r.doctorProblems.length === 0 &&
    r.partials.length === 0 &&
    r.error === undefined
  );
}

// ---------------------------------------------------------------------------------------------
// Product digests

const JOB_ID = /\b[a-z_]+-\d{8}T\d{6}Z-[0-9a-f]{8}\b/g;
const SKIP_TOP = new Set(['jobs', 'logs', 'incoming', 'quarantine', 'config.json']);

function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return x.toString();
    if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
    return x;
  });
}

/** A FITS file: SHA-256 of every HDU's data and of its header without DATE and job ids. */
export function fitsDigest(file: string): string {
  const buf = readFileSync(file);
  const h = createHash('sha256');
  let off = 0;
  while (off < buf.length) {
    const cards: string[] = [];
    let end = -1;
    for (let o = off; o + 80 <= buf.length; o += 80) {
      const card = buf.toString('latin1', o, o + 80);
      if (card.startsWith('END') && card.slice(3).trim() === '') {
        end = o + 80;
        break;
      }
      cards.push(card);
    }
    if (end < 0) throw new Error(`${file}: no END card after offset ${off}`);
    const history = cards
      .filter((c) => c.startsWith('HISTORY'))
      .map((c) => c.slice(8).trimEnd())
      .join('\n');
    const kept = cards.filter((c) => !c.startsWith('DATE    =') && !c.startsWith('HISTORY'));
    h.update(kept.join('\n')).update(history.replace(JOB_ID, '<job>'));
    const dataStart = Math.ceil(end / 2880) * 2880;
    const size = dataBytes(kept);
    h.update(buf.subarray(dataStart, dataStart + size));
    off = dataStart + Math.ceil(size / 2880) * 2880;
  }
  return h.digest('hex');
}

function dataBytes(cards: string[]): number {
  const num = (k: string): number => {
    const c = cards.find((x) => x.startsWith(k.padEnd(8) + '='));
    return c ? Number(c.slice(10, 30).trim()) : 0;
  };
  const naxis = num('NAXIS');
  if (naxis === 0) return 0;
  let n = 1;
  for (let i = 1; i <= naxis; i++) n *= num(`NAXIS${i}`);
  return (Math.abs(num('BITPIX')) / 8) * (n + num('PCOUNT')) * Math.max(1, num('GCOUNT'));
}

/** A casacore table's description, keywords (minus `appliedMjd`) and columns (minus `skip`). */
function tableDigest(dir: string, opts: { columns: boolean; skip?: string[] }): string {
  const t = openTable(dir);
  try {
    const kw = stableJson(keywordsToPlain(t.keywords))
      // The calibration keyword is JSON inside a string: its quotes may be escaped.
      .replace(/\\*"appliedMjd\\*":[-0-9.e+]+,?/g, '')
      .replace(JOB_ID, '<job>');
    const h = createHash('sha256')
      .update(String(t.nrows))
      .update(stableJson(t.columnNames().map((c) => [c, t.columnDesc(c)])))
      .update(kw);
    if (opts.columns) {
      for (const c of t.columnNames()) {
        if (opts.skip?.includes(c)) continue;
        let data: unknown;
        try {
          data = t.getColumn(c);
        } catch {
          data = t.getColumnCells(c);
        }
        h.update(c).update(stableJson(data).replace(JOB_ID, '<job>'));
      }
    }
    return h.digest('hex');
  } finally {
    t.close();
  }
}

function provenanceDigest(file: string): string {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { validation?: { id?: unknown } };
  // The database id of the validation record: a killed attempt's record keeps its id (history),
  // so the rerun's has the next one, as a resumed job has its own job id.
  if (doc.validation) delete doc.validation.id;
  const text = JSON.stringify(doc, (k, v: unknown) => (k === 'createdUtc' || k.endsWith('Seconds') ? undefined : v));
  return sha(text.replace(JOB_ID, '<job>'));
}

/**
 * Every product file under the workspace (MS, caltables, images, staged and published products),
 * relative path -> digest, with the fields listed at the top of this file excluded.
 */
export function productDigest(ws: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(ws, rel), { withFileTypes: true })) {
      const r = rel ? path.join(rel, e.name) : e.name;
      if (!rel && (SKIP_TOP.has(e.name) || e.name.startsWith('dsa110.sqlite'))) continue;
      const abs = path.join(ws, r);
      if (e.isDirectory()) {
        if (e.name.endsWith('.ms')) {
          // The MS: its main table's description and keywords, HISTORY without TIME, the rest raw.
          out.set(`${r}/table.dat`, tableDigest(abs, { columns: false }));
          out.set(`${r}/HISTORY`, tableDigest(path.join(abs, 'HISTORY'), { columns: true, skip: ['TIME'] }));
          walkMs(r);
          continue;
        }
        walk(r);
      } else if (e.name === 'table.lock') continue;
      else if (/\.fits$/i.test(e.name)) out.set(r, fitsDigest(abs));
      else if (e.name === 'provenance.json') out.set(r, provenanceDigest(abs));
      else out.set(r, sha(readFileSync(abs)));
    }
  };
  const walkMs = (msRel: string): void => {
    const inner = (rel: string): void => {
      for (const e of readdirSync(path.join(ws, rel), { withFileTypes: true })) {
        const r = path.join(rel, e.name);
        if (rel === msRel && (e.name === 'table.dat' || e.name === 'HISTORY')) continue;
        if (e.isDirectory()) inner(r);
        else if (e.name !== 'table.lock') out.set(r, sha(readFileSync(path.join(ws, r))));
      }
    };
    inner(msRel);
  };
  walk('');
  // The database's record of the products, by content (ids and times of writing left out).
  const db = new Database(path.join(ws, 'dsa110.sqlite'), { readonly: true });
  try {
    const rows = (sql: string): string => sha(stableJson(db.prepare(sql).all()));
    out.set(
      'db:measurement_sets',
      rows(
        'SELECT path, group_id, start_mjd, end_mjd, dec_deg, n_antennas, n_spws, n_rows, status, flagged_fraction FROM measurement_sets ORDER BY path',
      ),
    );
    out.set(
      'db:caltables',
      rows(
        "SELECT path, kind, calibrator, ref_ant, valid_start_mjd, valid_end_mjd, status FROM caltables WHERE status = 'valid' ORDER BY path",
      ),
    );
    out.set(
      'db:images',
      rows(
        'SELECT path, kind, beam_major_arcsec, beam_minor_arcsec, rms_jy, peak_jy, center_ra_deg, center_dec_deg, width_px, height_px FROM images ORDER BY path',
      ),
    );
    out.set(
      'db:products',
      // Not sha256 and size: they cover the product's files whole, DATE cards and provenance
      // times (durations printed with as many digits as they have) included.
      rows('SELECT id, kind, path, status, published_path FROM products ORDER BY id'),
    );
    out.set(
      'db:qa_results',
      rows(
        'SELECT subject, product_id, tier, verdict, metrics_json, reasons_json FROM qa_results ORDER BY subject, product_id, id',
      ),
    );
  } finally {
    db.close();
  }
  return out;
}

export function diffDigests(want: Map<string, string>, got: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of want) {
    if (!got.has(k)) out.push(`missing ${k}`);
    else if (got.get(k) !== v) out.push(`differs ${k}`);
  }
  for (const k of got.keys()) if (!want.has(k)) out.push(`extra ${k}`);
  return out;
}

/** `.partial` files or folders anywhere in the workspace. */
export function partialsUnder(ws: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(ws, rel), { withFileTypes: true })) {
      const r = rel ? path.join(rel, e.name) : e.name;
      if (e.name.includes('.partial')) out.push(r);
      else if (e.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}
