// The scientist's workflow state: the calibrator picked (by name or by a declination with data),
// its transits over the data, the window (centred on a transit or brushed on the timeline), the
// plan of a mosaic over that window, and the job that builds it, followed to the end.
import { create } from 'zustand';
import type { CalibratorMatch, CalibratorTransit, JobStatus, MosaicPlanView, MosaicSummary } from '../../../shared/api';
import { formatIsoUtc } from '../../../shared/astro/time';
import type { QaTier } from '../../../shared/model';
import { api, errorMessage, onEvent } from '../../api';

const MINUTE = 1 / 1440;
/** One ingest group is a 5-minute observation: the plan's image count is one per group. */
export const GROUP_MIN = 5;

export type TransitCoverage = 'covered' | 'partial' | 'none';
export interface TransitRow extends CalibratorTransit {
  coverage: TransitCoverage | null;
  /** Groups found in the default window around it, and how many it should hold. */
  found: number;
  expected: number;
}

export interface Window {
  startMjd: number;
  endMjd: number;
  /** The transit the window was centred on (null: brushed or typed). */
  transitMjd: number | null;
  calibrator: string | null;
  decDeg: number | null;
}

interface PlanState {
  query: string;
  searching: boolean;
  searchError: string | null;
  matches: CalibratorMatch[];
  selected: CalibratorMatch | null;
  transits: TransitRow[];
  transitsLoading: boolean;
  transitsTruncated: boolean;
  /** Declination strips that hold data (from the timeline), for one-click search. */
  timespanMin: number;
  window: Window | null;
  name: string;
  nameEdited: boolean;
  tier: QaTier;
  plan: MosaicPlanView | null;
  planning: boolean;
  planError: string | null;
  jobId: string | null;
  job: JobStatus | null;
  launching: boolean;
  launchError: string | null;
  result: MosaicSummary | null;
  /** Bumped when a job ends, so the timeline and the sky reload. */
  dataVersion: number;
  setQuery(q: string): void;
  search(opts: { name?: string; decDeg?: number; stripDecs: number[]; extent: [number, number] | null }): Promise<void>;
  pick(m: CalibratorMatch, extent: [number, number] | null): Promise<void>;
  pickTransit(t: CalibratorTransit): void;
  setTimespan(min: number): void;
  shift(startDeltaMin: number, endDeltaMin: number): void;
  setWindow(w: Window): void;
  setName(name: string): void;
  setTier(tier: QaTier): void;
  makePlan(): Promise<void>;
  launch(): Promise<void>;
  cancel(): Promise<void>;
  refreshJob(): Promise<void>;
}

/** A product-safe name: `0834+555_2026-01-15T0843_180m`. */
export function defaultName(w: Window): string {
  const t = formatIsoUtc(w.transitMjd ?? (w.startMjd + w.endMjd) / 2, 0);
  const stamp = `${t.slice(0, 10)}T${t.slice(11, 13)}${t.slice(14, 16)}`;
  const span = Math.round((w.endMjd - w.startMjd) / MINUTE);
  const who = (w.calibrator ?? `dec${w.decDeg === null ? 'x' : w.decDeg.toFixed(1)}`).replace(/[^A-Za-z0-9_+-]/g, '-');
  return `${who}_${stamp}_${span}m`;
}

function isoOf(mjd: number): string {
  return formatIsoUtc(mjd, 0).replace(/Z$/, '');
}

/** The declination strip (with data) nearest to a calibrator, or its own declination. */
function nearestStrip(decDeg: number, stripDecs: number[]): number {
  let best = decDeg;
  let bestD = Infinity;
  for (const s of stripDecs) {
    const d = Math.abs(s - decDeg);
    if (d < bestD) {
      bestD = d;
      best = s;
    }
  }
  return bestD <= 5 ? best : decDeg;
}

let planSeq = 0;
let unsubscribe: (() => void) | null = null;

export const usePlan = create<PlanState>()((set, get) => ({
  query: '',
  searching: false,
  searchError: null,
  matches: [],
  selected: null,
  transits: [],
  transitsLoading: false,
  transitsTruncated: false,
  timespanMin: 60,
  window: null,
  name: '',
  nameEdited: false,
  tier: 'quicklook',
  plan: null,
  planning: false,
  planError: null,
  jobId: null,
  job: null,
  launching: false,
  launchError: null,
  result: null,
  dataVersion: 0,

  setQuery(q) {
    set({ query: q });
  },

  async search({ name, decDeg, stripDecs, extent }) {
    set({ searching: true, searchError: null });
    try {
      let items: CalibratorMatch[];
      if (name !== undefined) {
        const first = await api['calibrators.search']({ name, limit: 20 });
        // Weight each by the primary beam at the strip with data nearest to it.
        items = await Promise.all(
          first.items.map(async (m) => {
            const strip = nearestStrip(m.calibrator.decDeg, stripDecs);
            const again = await api['calibrators.search']({ name: m.calibrator.name, decDeg: strip, limit: 1 });
            const weighted = again.items[0];
            return weighted ? { ...weighted, matchedName: m.matchedName ?? null } : m;
          }),
        );
      } else {
        items = (await api['calibrators.search']({ decDeg: decDeg ?? 0, radiusDeg: 2.5, minFluxJy: 1, limit: 50 }))
          .items;
      }
      set({ matches: items, searching: false });
      if (items.length === 1 && items[0]) await get().pick(items[0], extent);
    } catch (e) {
      set({ searching: false, searchError: errorMessage(e), matches: [] });
    }
  },

  async pick(m, extent) {
    set({ selected: m, transits: [], transitsLoading: true, transitsTruncated: false });
    if (!extent) {
      set({ transitsLoading: false });
      return;
    }
    try {
      const r = await api['calibrators.transits']({
        name: m.calibrator.name,
        startMjd: extent[0] - 0.5,
        endMjd: Math.min(extent[1] + 0.5, extent[0] - 0.5 + 366),
        limit: 400,
      });
      const rows: TransitRow[] = r.items.map((t) => ({ ...t, coverage: null, found: 0, expected: 0 }));
      set({ transits: rows, transitsTruncated: r.truncated, transitsLoading: false });
      await markCoverage(get, set, m);
    } catch (e) {
      set({ transitsLoading: false, searchError: errorMessage(e) });
    }
  },

  pickTransit(t) {
    const span = get().timespanMin * MINUTE;
    const w: Window = {
      startMjd: t.transitMjd - span / 2,
      endMjd: t.transitMjd + span / 2,
      transitMjd: t.transitMjd,
      calibrator: t.calibrator,
      decDeg: t.decDeg,
    };
    get().setWindow(w);
  },

  setTimespan(min) {
    const { window } = get();
    set({ timespanMin: min });
    if (window?.transitMjd != null) {
      const span = min * MINUTE;
      get().setWindow({ ...window, startMjd: window.transitMjd - span / 2, endMjd: window.transitMjd + span / 2 });
    }
  },

  shift(a, b) {
    const { window } = get();
    if (!window) return;
    const startMjd = window.startMjd + a * MINUTE;
    const endMjd = window.endMjd + b * MINUTE;
    if (endMjd - startMjd < GROUP_MIN * MINUTE) return;
    get().setWindow({ ...window, startMjd, endMjd });
  },

  setWindow(w) {
    const { nameEdited, name } = get();
    set({
      window: w,
      timespanMin: Math.round((w.endMjd - w.startMjd) / MINUTE),
      name: nameEdited ? name : defaultName(w),
      plan: null,
      planError: null,
    });
    void get().makePlan();
  },

  setName(name) {
    set({ name, nameEdited: true, plan: null });
    void get().makePlan();
  },

  setTier(tier) {
    set({ tier });
    void get().makePlan();
  },

  async makePlan() {
    const { window, name, tier, selected } = get();
    if (!window) return;
    const seq = ++planSeq;
    set({ planning: true, planError: null });
    try {
      const calibrator = window.calibrator ?? selected?.calibrator.name;
      const plan = await api['mosaics.plan']({
        type: 'mosaic.range',
        params: {
          name,
          since: isoOf(window.startMjd),
          until: isoOf(window.endMjd),
          ...(calibrator ? { calibrator } : {}),
          tier,
          review: false,
        },
      });
      if (seq === planSeq) set({ plan, planning: false });
    } catch (e) {
      if (seq === planSeq) set({ planning: false, planError: errorMessage(e), plan: null });
    }
  },

  async launch() {
    const { window, name, tier, selected, plan } = get();
    if (!window || !plan) return;
    set({ launching: true, launchError: null, result: null });
    try {
      const calibrator = window.calibrator ?? selected?.calibrator.name;
      const r = await api['jobs.submit']({
        type: 'mosaic.range',
        params: {
          name,
          since: isoOf(window.startMjd),
          until: isoOf(window.endMjd),
          ...(calibrator ? { calibrator } : {}),
          tier,
          review: false,
        },
        dryRun: false,
        // One job per plan: a second click (or a reload) does not start it twice.
        idempotencyKey: `ui-${name.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
      });
      if (!r.job) throw new Error('the engine returned no job');
      set({ jobId: r.job.id, launching: false });
      follow(get, set, r.job.id);
      await get().refreshJob();
    } catch (e) {
      set({ launching: false, launchError: errorMessage(e) });
    }
  },

  async cancel() {
    const { jobId } = get();
    if (!jobId) return;
    try {
      await api['jobs.cancel']({ id: jobId, reason: 'cancelled from the plan view' });
      await get().refreshJob();
    } catch (e) {
      set({ launchError: errorMessage(e) });
    }
  },

  async refreshJob() {
    const { jobId, name } = get();
    if (!jobId) return;
    const job = await api['jobs.status']({ id: jobId });
    if (get().jobId !== jobId) return;
    set({ job });
    if (['succeeded', 'failed', 'cancelled'].includes(job.state)) {
      unsubscribe?.();
      unsubscribe = null;
      const mosaics = await api['mosaics.list']({ limit: 50 });
      set({ result: mosaics.items.find((m) => m.name === name) ?? null, dataVersion: get().dataVersion + 1 });
      // The plan again: its groups are converted now, and the plan is recorded with its job.
      void get().makePlan();
    }
  },
}));

/** Follows a job: its progress events move the bar at once; its state events refresh the status. */
function follow(get: () => PlanState, set: (p: Partial<PlanState>) => void, jobId: string): void {
  unsubscribe?.();
  const offProgress = onEvent('job.progress', (e) => {
    const job = get().job;
    if (e.jobId === jobId && job) set({ job: { ...job, progress: e.progress, message: e.message ?? job.message } });
  });
  const offState = onEvent('job.state', (e) => {
    if (e.job.id === jobId) void get().refreshJob();
  });
  const offStage = onEvent('job.stage', (e) => {
    if (e.stage.jobId === jobId) void get().refreshJob();
  });
  unsubscribe = () => {
    offProgress();
    offState();
    offStage();
  };
}

/** Marks each transit covered / partly covered / without data by counting groups in the window around it. */
async function markCoverage(get: () => PlanState, set: (p: Partial<PlanState>) => void, m: CalibratorMatch) {
  const span = get().timespanMin * MINUTE;
  const expected = Math.max(1, Math.round(get().timespanMin / GROUP_MIN));
  const rows = get().transits;
  const out = rows.slice();
  // The transits with data first, at most 60 (the list shows the others as unknown until asked).
  const order = rows.map((r, i) => i).filter((i) => rows[i]?.groupId !== null);
  for (const i of order.slice(0, 60)) {
    const t = rows[i];
    if (!t) continue;
    const c = await api['coverage.summary']({
      startMjd: t.transitMjd - span / 2,
      endMjd: t.transitMjd + span / 2,
      bins: 1,
      stripWidthDeg: 1,
    });
    const near = c.strips.filter((s) => s.decDeg !== null && Math.abs(s.decDeg - m.calibrator.decDeg) <= 1.5);
    const found = near.reduce((a, s) => a + s.total, 0);
    out[i] = { ...t, found, expected, coverage: found >= expected ? 'covered' : found > 0 ? 'partial' : 'none' };
    if (get().selected !== m) return;
  }
  for (let i = 0; i < out.length; i++) {
    const t = out[i];
    if (t && t.groupId === null) out[i] = { ...t, coverage: 'none', found: 0, expected };
  }
  set({ transits: out });
}
