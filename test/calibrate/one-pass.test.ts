// calibrateMs (solve and apply in one pass over the data) against solveMs then applyMs on twin
// copies of a simulated 0834+555 transit MS (24 antennas, 16 x 4 channels, 5 minutes, one dead
// antenna, no RFI), each in its own workspace: the same tables' QA, the applied record, and
// the same CORRECTED_DATA where both left a sample unflagged. The two differ by design in
// where the solutions come from (double precision in memory vs the tables' float32 CPARAM) and
// in the data's rounding; 1e-5 of the sample's amplitude bounds both with a wide margin. The
// one-pass FLAG holds the two-pass FLAG plus the solve's own flags (dead antennas' rows are
// flagged both ways; without RFI the rest is < 1 %). A solve that fails in every window
// leaves FLAG as it was.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_S } from '../../src/shared/instrument';
import { formatIsoUtc, transitMjd } from '../../src/shared/astro';
import { Engine } from '../../src/main/engine/engine';
import { indexDirectory } from '../../src/main/engine/ingest/indexer';
import { convertGroup } from '../../src/main/engine/convert';
import { simulate } from '../../src/main/engine/sim/simulate';
import { MeasurementSet } from '../../src/main/engine/ms';
import { APPLIED_KEYWORD, applyMs, calibrateMs, solveMs } from '../../src/main/engine/calibration/stage';
import { CalibrationError } from '../../src/main/engine/calibration/solve';
import type { ApplyResult, CalibrateResult, SolveResult } from '../../src/main/engine/calibration/stage';

const root = mkdtempSync(join(tmpdir(), 'calibrate-one-pass-'));
let twoPass: { solve: SolveResult; apply: ApplyResult; ms: string };
let onePass: CalibrateResult & { ms: string };
let failing: { error: unknown; ms: string; flagsBefore: Uint8Array };
let engines: Engine[] = [];

afterAll(async () => {
  for (const e of engines) await e.close();
  rmSync(root, { recursive: true, force: true });
});

beforeAll(async () => {
  const a = await Engine.open({ workspace: join(root, 'ws-a'), env: {}, overrides: { threads: 2 } });
  const b = await Engine.open({ workspace: join(root, 'ws-b'), env: {}, overrides: { threads: 2 } });
  // One dead antenna of 24 flags ~4 % of the bandpass solutions: above 1 % every window fails.
  const c = await Engine.open({
    workspace: join(root, 'ws-c'),
    env: {},
    overrides: { threads: 2, calibration: { maxBandpassFlaggedPct: 1 } },
  });
  engines = [a, b, c];
  const cal = a.db.calibration.requireCalibrator('0834+555');
  const tr = transitMjd((cal.raDeg * Math.PI) / 180, (cal.decDeg * Math.PI) / 180, 61055.4);
  const sim = await simulate(
    {
      outDir: join(root, 'raw'),
      start: formatIsoUtc(tr - CHUNK_S / 2 / 86400, 0).slice(0, 19),
      minutes: 5,
      decDeg: 55.57,
      seed: 5,
      antennas: 24,
      channelsPerSubband: 4,
      minApparentJy: 0,
      jitterS: 0,
      sources: [
        {
          name: cal.name,
          raDeg: cal.raDeg,
          decDeg: cal.decDeg,
          fluxJy: cal.flux1400Jy,
          spectralIndex: cal.spectralIndex,
          kind: 'calibrator',
        },
      ],
      corruptions: { gains: true, bandpass: true, noise: true, deadAntennas: 1, flaggedChannelFraction: 0, rfi: false },
    },
    a.native(),
  );
  await indexDirectory(a.db, join(root, 'raw'), { toleranceS: a.config.ingest.groupToleranceS, expectedSubbands: 16 });
  const msA = (await convertGroup(a.db, sim.chunks[0]!.groupId, a.paths.ms)).path;
  const msB = join(root, 'one-pass.ms');
  cpSync(msA, msB, { recursive: true });
  const msC = join(root, 'failing.ms');
  cpSync(msA, msC, { recursive: true });
  const before = MeasurementSet.open(msC);
  const flagsBefore = Uint8Array.from(before.main.getColumn('FLAG', 0, before.main.nrows) as Uint8Array);
  before.close();
  failing = {
    error: await calibrateMs(c, { msPath: msC }).then(
      () => null,
      (e: unknown) => e,
    ),
    ms: msC,
    flagsBefore,
  };
  const solve = await solveMs(a, { msPath: msA });
  twoPass = { solve, apply: await applyMs(a, { msPath: msA }), ms: msA };
  onePass = { ...(await calibrateMs(b, { msPath: msB })), ms: msB };
}, 600_000);

describe('calibrate in one pass', () => {
  it("solves the same: calibrator, reference antenna, dead antenna and the tables' QA", () => {
    expect(onePass.solve.calibrator).toBe(twoPass.solve.calibrator);
    expect(onePass.solve.refAnt).toBe(twoPass.solve.refAnt);
    expect(onePass.solve.deadAntennas).toEqual(twoPass.solve.deadAntennas);
    expect(onePass.solve.deadAntennas).toHaveLength(1);
    expect(onePass.solve.tables.map((t) => t.kind)).toEqual(['B', 'Gp', 'Gap']);
    onePass.solve.tables.forEach((t, i) => {
      const o = twoPass.solve.tables[i]!;
      expect(t.qa.flaggedFraction).toBe(o.qa.flaggedFraction);
      expect(Math.abs(t.qa.medianSnr / o.qa.medianSnr - 1)).toBeLessThan(1e-9);
    });
  });

  it('applies the tables it solved and records them in the MS', () => {
    const r = onePass.apply;
    expect(r.skipped).toBe(false);
    expect(r.bandpass.path).toBe(onePass.solve.tables[0]!.path);
    expect(r.gains.path).toBe(onePass.solve.tables[2]!.path);
    expect(r.bandpass.offsetH).toBe(0);
    const ms = MeasurementSet.open(onePass.ms);
    try {
      const kw = ms.main.keywords.get(APPLIED_KEYWORD);
      expect(kw?.kind).toBe('scalar');
      const rec = JSON.parse(kw?.kind === 'scalar' ? String(kw.value) : '{}') as {
        bandpass: { path: string };
        gains: { path: string };
      };
      expect(rec.bandpass.path).toBe(r.bandpass.path);
      expect(rec.gains.path).toBe(r.gains.path);
    } finally {
      ms.close();
    }
  });

  it('writes the CORRECTED_DATA of solve then apply (1e-5 of each amplitude) and at least its flags', () => {
    const a = MeasurementSet.open(twoPass.ms);
    const b = MeasurementSet.open(onePass.ms);
    try {
      const n = a.main.nrows;
      expect(b.main.nrows).toBe(n);
      const ca = a.main.getColumn('CORRECTED_DATA', 0, n) as Float32Array;
      const cb = b.main.getColumn('CORRECTED_DATA', 0, n) as Float32Array;
      const fa = a.main.getColumn('FLAG', 0, n) as Uint8Array;
      const fb = b.main.getColumn('FLAG', 0, n) as Uint8Array;
      let compared = 0;
      let worst = 0;
      let lostFlags = 0;
      let extraFlags = 0;
      for (let i = 0; i < fa.length; i++) {
        if (fa[i] && !fb[i]) lostFlags++;
        if (fb[i] && !fa[i]) extraFlags++;
        if (fa[i] || fb[i]) continue;
        const amp = Math.hypot(ca[2 * i]!, ca[2 * i + 1]!);
        const d = Math.hypot(ca[2 * i]! - cb[2 * i]!, ca[2 * i + 1]! - cb[2 * i + 1]!);
        worst = Math.max(worst, d / Math.max(amp, 1e-30));
        compared++;
      }
      expect(compared).toBeGreaterThan(0.8 * fa.length);
      expect(worst).toBeLessThan(1e-5);
      expect(lostFlags).toBe(0);
      expect(extraFlags / fa.length).toBeLessThan(0.01);
      expect(onePass.apply.flaggedFraction).toBeGreaterThanOrEqual(twoPass.apply.flaggedFraction);
    } finally {
      a.close();
      b.close();
    }
  });

  it('writes nothing into FLAG when every window fails to solve, and says why', () => {
    expect(failing.error).toBeInstanceOf(CalibrationError);
    expect(String((failing.error as Error).message)).toMatch(
      /every spectral window failed to solve: spw 0: bandpass: .* % of the solutions are flagged/,
    );
    const ms = MeasurementSet.open(failing.ms);
    try {
      const after = ms.main.getColumn('FLAG', 0, ms.main.nrows) as Uint8Array;
      expect(after.length).toBe(failing.flagsBefore.length);
      let changed = 0;
      for (let i = 0; i < after.length; i++) if (after[i] !== failing.flagsBefore[i]) changed++;
      expect(changed).toBe(0);
      expect(ms.main.keywords.get(APPLIED_KEYWORD)).toBeUndefined();
    } finally {
      ms.close();
    }
  });
});
