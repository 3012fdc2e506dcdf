// Calibration tables out of a solve: the B, Gp and Gap tables of every window (windows whose
// solve failed get unit, flagged rows), written into <workspace>/caltables (temp + rename) and
// registered with their QA; shared by the solve stage and the one-pass calibrate.
import { basename, join } from 'node:path';
import { DISH_DIAMETER_M } from '../../../shared/instrument';
import type { Calibrator, CalTableKind } from '../../../shared/model/calibration';
import type { Config } from '../config';
import type { Database } from '../db';
import { produceAtomic } from '../jobs/fsutil';
import { jonesToRows, writeCalTable } from './caltable';
import type { CalTableContents, CalTableRow, VisCal } from './caltable';
import type { MsLayout } from './ms-block';
import { registerCalTable } from './registry';
import type { CalTableQa, RegistryConfig } from './registry';
import { CalibrationError } from './solve';
import type { JonesTable } from './solve';

/** What writing tables needs from the engine. */
export interface TableDeps {
  db: Database;
  config: Config;
  paths: { caltables: string };
}

export function registryConfig(config: Config): RegistryConfig {
  const c = config.calibration;
  return { bandpassValidityH: c.bandpassValidityH, gainValidityH: c.gainValidityH, freshH: c.freshH, agingH: c.agingH };
}

export interface SolvedTable {
  kind: CalTableKind;
  path: string;
  id: number;
  qa: CalTableQa;
}

/** One window's solutions: bandpass, phase-only and amplitude+phase gains. */
export interface SolvedWindow {
  spw: number;
  b: JonesTable;
  p: JonesTable;
  g: JonesTable;
}

function qaOf(tables: JonesTable[], failedSpws: number): CalTableQa {
  let flagged = 0;
  let total = 0;
  const snrs: number[] = [];
  for (const t of tables) {
    const per = t.nslot * t.ngroup;
    for (let s = 0; s < per; s++) {
      for (const a of t.antennas) {
        for (let p = 0; p < t.npol; p++) {
          const k = (s * t.nant + a) * t.npol + p;
          total++;
          if (t.flags[k]) flagged++;
          else snrs.push(t.snr[k] as number);
        }
      }
    }
  }
  snrs.sort((x, y) => x - y);
  return {
    flaggedFraction: total > 0 ? flagged / total : 1,
    medianSnr: snrs.length > 0 ? (snrs[Math.floor(snrs.length / 2)] as number) : 0,
    spwsSolved: tables.length,
    spwsFailed: failedSpws,
  };
}

/** Rows of a window whose solve failed: unit gains, all flagged, at the MS mid-time. */
function flaggedRows(spw: number, layout: MsLayout, ngroup: number): CalTableRow[] {
  const n = layout.npol * ngroup;
  return Array.from(
    { length: layout.nant },
    (_, a): CalTableRow => ({
      timeS: layout.midMjd * 86400,
      intervalS: (layout.endMjd - layout.startMjd) * 86400,
      fieldId: 0,
      spw,
      antenna: a,
      refant: -1,
      scan: 1,
      obsId: 0,
      nchan: ngroup,
      param: Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? 1 : 0)),
      paramErr: new Float32Array(n),
      flag: new Uint8Array(n).fill(1),
      snr: new Float32Array(n),
      weight: null,
    }),
  );
}

function mostCommonRefant(tables: JonesTable[]): number {
  const count = new Map<number, number>();
  for (const t of tables) for (const r of t.refant) if (r >= 0) count.set(r, (count.get(r) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? -1;
}

/** A free path for a new table: <caltables>/<ms stem>.<kind>, suffixed when the database has it. */
function tablePath(db: Database, dir: string, msPath: string, kind: CalTableKind): string {
  const stem = basename(msPath).replace(/\.ms$/i, '');
  let p = join(dir, `${stem}.${kind}`);
  for (let v = 2; db.calibration.getTableByPath(p); v++) p = join(dir, `${stem}.${kind}.v${v}`);
  return p;
}

/**
 * Write and register the B, Gp and Gap tables of a solve; throws CalibrationError when no
 * window solved. Returns the tables and the reference antenna most cells used.
 */
export async function writeSolvedTables(
  deps: TableDeps,
  o: {
    msPath: string;
    layout: MsLayout;
    calibrator: Calibrator;
    solintS: number;
    solved: SolvedWindow[];
    failedSpws: { spw: number; error: string }[];
  },
): Promise<{ tables: SolvedTable[]; refAnt: string | null }> {
  // Two processes solving on one MS take turns choosing table paths and registering them.
  return deps.db.leases.hold(
    `calibrate:${o.msPath}`,
    `write and register the calibration tables solved on ${o.msPath}`,
    () => writeSolvedTablesHeld(deps, o),
  );
}

async function writeSolvedTablesHeld(
  deps: TableDeps,
  o: {
    msPath: string;
    layout: MsLayout;
    calibrator: Calibrator;
    solintS: number;
    solved: SolvedWindow[];
    failedSpws: { spw: number; error: string }[];
  },
): Promise<{ tables: SolvedTable[]; refAnt: string | null }> {
  const { layout, solved, failedSpws, solintS } = o;
  const cal = o.calibrator;
  const cfg = deps.config.calibration;
  const beamName = deps.config.imaging.beamModel;
  if (solved.length === 0)
    throw new CalibrationError(
      `${o.msPath}: every spectral window failed to solve: ${failedSpws.map((f) => `spw ${f.spw}: ${f.error}`).join('; ')}`,
    );
  const refIdx = mostCommonRefant(solved.map((s) => s.g));
  const refAnt = layout.antennas[refIdx]?.name ?? null;
  const base = {
    msName: basename(o.msPath),
    npol: layout.npol,
    antennas: layout.antennas.map((a) => ({
      name: a.name,
      station: a.station,
      positionM: a.positionM,
      diameterM: DISH_DIAMETER_M,
    })),
    fields: [
      {
        name: cal.name,
        raRad: (cal.raDeg * Math.PI) / 180,
        decRad: (cal.decDeg * Math.PI) / 180,
        timeS: layout.midMjd * 86400,
      },
    ],
    observation: {
      telescope: 'DSA_110',
      observer: 'dsa110-contimg',
      project: 'dsa110-continuum',
      startS: layout.startMjd * 86400,
      endS: layout.endMjd * 86400,
    },
    writer: 'dsa110-contimg calibrate',
  };
  const scanS = (layout.endMjd - layout.startMjd) * 86400;
  const kinds: { kind: CalTableKind; visCal: VisCal; pick: (s: SolvedWindow) => JonesTable; intervalS: number }[] = [
    { kind: 'B', visCal: 'B Jones', pick: (s) => s.b, intervalS: scanS },
    { kind: 'Gp', visCal: 'G Jones', pick: (s) => s.p, intervalS: Number.isFinite(solintS) ? solintS : scanS },
    { kind: 'Gap', visCal: 'G Jones', pick: (s) => s.g, intervalS: Number.isFinite(solintS) ? solintS : scanS },
  ];
  const params = {
    calibrator: cal.name,
    fluxJy: cal.flux1400Jy,
    spectralIndex: cal.spectralIndex,
    beamModel: beamName,
    minSnr: cfg.minSnr,
    refantChain: cfg.refantChain,
    gainSolint: cfg.gainSolint,
    bandpassSolint: 'inf',
    maxBandpassFlaggedPct: cfg.maxBandpassFlaggedPct,
    msPath: o.msPath,
  };
  const msRow = deps.db.ms.getByPath(o.msPath) ?? null;
  const tables: SolvedTable[] = [];
  for (const k of kinds) {
    const rows = layout.spws.flatMap((sp) => {
      const s = solved.find((x) => x.spw === sp.id);
      return s
        ? jonesToRows(k.pick(s), sp.id, { fieldId: 0, scan: 1, intervalS: k.intervalS })
        : flaggedRows(sp.id, layout, k.kind === 'B' ? sp.freqsHz.length : 1);
    });
    const spws = layout.spws.map((sp) =>
      k.kind === 'B'
        ? { name: sp.name, freqsHz: sp.freqsHz, widthsHz: sp.widthsHz, refFreqHz: sp.refFreqHz }
        : {
            name: sp.name,
            freqsHz: Float64Array.of(sp.freqsHz.reduce((a, f) => a + f, 0) / sp.freqsHz.length),
            widthsHz: Float64Array.of(sp.widthsHz.reduce((a, w) => a + Math.abs(w), 0)),
            refFreqHz: sp.refFreqHz,
          },
    );
    const contents: CalTableContents = { ...base, visCal: k.visCal, rows, spws };
    const path = tablePath(deps.db, deps.paths.caltables, o.msPath, k.kind);
    await produceAtomic(path, async (tmp) => writeCalTable(tmp, contents));
    const qa = qaOf(solved.map(k.pick), failedSpws.length);
    const row = registerCalTable(
      deps.db,
      {
        path,
        kind: k.kind,
        calibrator: cal.name,
        msId: msRow?.id ?? null,
        refAnt,
        solveMjd: layout.midMjd,
        params,
        qa,
      },
      registryConfig(deps.config),
    );
    tables.push({ kind: k.kind, path, id: row.id, qa });
  }
  return { tables, refAnt };
}
