// coverage.summary benchmark: a year of 5-minute groups (105,120 rows) over several declination
// strips; the SQL summary (covering index on start_mjd, dec_deg, state) beside the same query
// without that index and beside reading every group and binning in JavaScript (what a renderer
// would do without the request). Median ms of repeated runs; the SQL result checked equal to the JS one.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import { coverageSummary } from '../src/main/engine/api/coverage';
import { openDatabase } from '../src/main/engine/db';

export const description =
  'coverage.summary over 105,120 groups: SQL with/without the covering index vs JS binning; --groups --bins --repeats';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function time(repeats: number, fn: () => unknown): number {
  const t: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      groups: { type: 'string', default: '105120' },
      bins: { type: 'string', default: '200,2000' },
      repeats: { type: 'string', default: '7' },
    },
  });
  const n = Number(values.groups);
  const binsList = String(values.bins).split(',').map(Number);
  const repeats = Number(values.repeats);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsa110-bench-coverage-'));
  try {
    const file = path.join(dir, 'dsa110.sqlite');
    const db = openDatabase(file);
    const t0 = 61000;
    const five = 300 / 86400;
    const states = ['completed', 'completed', 'completed', 'pending', 'collecting'] as const;
    const decs = [-20.3, 0.4, 16.1, 33.2, 41.9, 55.6, 71.0];
    const tInsert = performance.now();
    // Inserted in one transaction of raw SQL (the repository's per-row path is not what is measured).
    const raw = new Sqlite(file);
    const ins =
      raw.prepare(`INSERT INTO ingest_groups (id, state, expected_subbands, attempts, dec_deg, start_mjd, created_mjd, updated_mjd)
      VALUES (?, ?, 16, 0, ?, ?, ?, ?)`);
    raw.transaction(() => {
      for (let i = 0; i < n; i++) {
        const mjd = t0 + i * five;
        const id = new Date((mjd - 40587) * 86400000).toISOString().slice(0, 19);
        // The array re-points about every 36 days; a few groups of unknown declination.
        const dec = i % 997 === 0 ? null : (decs[Math.floor(i / 10_400) % decs.length] as number);
        ins.run(id, states[i % states.length], dec, mjd, mjd, mjd);
      }
    })();
    console.log(`inserted ${n} groups in ${((performance.now() - tInsert) / 1000).toFixed(1)} s`);
    const span = { startMjd: t0, endMjd: t0 + n * five };
    console.log(
      `\n${'bins'.padStart(6)} ${'SQL+index ms'.padStart(13)} ${'SQL no-index'.padStart(13)} ${'JS binning ms'.padStart(14)}  index speed-up  vs JS`,
    );
    for (const bins of binsList) {
      const q = { ...span, bins, stripWidthDeg: 1 };
      const sql = time(repeats, () => coverageSummary(db, q));
      // Reference: every group read, then binned in JavaScript.
      const js = () => {
        const rows = raw
          .prepare('SELECT dec_deg, start_mjd, state FROM ingest_groups WHERE start_mjd >= ? AND start_mjd < ?')
          .all(q.startMjd, q.endMjd) as { dec_deg: number | null; start_mjd: number; state: string }[];
        const cells = new Map<string, number>();
        const bw = (q.endMjd - q.startMjd) / bins;
        for (const r of rows) {
          const k = `${r.dec_deg === null ? 'null' : Math.round(r.dec_deg)}:${Math.min(bins - 1, Math.floor((r.start_mjd - q.startMjd) / bw))}`;
          cells.set(k, (cells.get(k) ?? 0) + 1);
        }
        return cells;
      };
      const jsMs = time(repeats, js);
      // Same counts both ways.
      const summary = coverageSummary(db, q);
      const ref = js();
      let same = summary.totalGroups === n;
      for (const s of summary.strips) {
        s.groups.forEach((c, b) => {
          if (c > 0 && ref.get(`${s.decDeg === null ? 'null' : s.decDeg}:${b}`) !== c) same = false;
        });
      }
      raw.exec('DROP INDEX ingest_groups_by_time_dec_state');
      const noIndexSql =
        raw.prepare(`SELECT CAST(round(dec_deg / 1) AS INTEGER) AS strip, MIN(CAST((start_mjd - @s) / @bw AS INTEGER), @last) AS bin, COUNT(*) AS groups,
          SUM(state = 'completed') AS converted, SUM(state = 'collecting') AS incomplete FROM ingest_groups WHERE start_mjd >= @s AND start_mjd < @e GROUP BY strip, bin`);
      const noIndex = time(repeats, () =>
        noIndexSql.all({ s: q.startMjd, e: q.endMjd, bw: (q.endMjd - q.startMjd) / bins, last: bins - 1 }),
      );
      raw.exec('CREATE INDEX ingest_groups_by_time_dec_state ON ingest_groups (start_mjd, dec_deg, state)');
      console.log(
        `${String(bins).padStart(6)} ${sql.toFixed(1).padStart(13)} ${noIndex.toFixed(1).padStart(13)} ${jsMs.toFixed(1).padStart(14)}  ${(noIndex / sql).toFixed(2).padStart(14)}  ${(jsMs / sql).toFixed(2)}${same ? '' : '  (COUNTS DIFFER)'}`,
      );
    }
    // A one-day window (what the timeline shows zoomed in).
    const day = time(repeats, () =>
      coverageSummary(db, { startMjd: t0 + 180, endMjd: t0 + 181, bins: 288, stripWidthDeg: 1 }),
    );
    console.log(`\none day of the year, 288 bins: ${day.toFixed(2)} ms`);
    raw.close();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
