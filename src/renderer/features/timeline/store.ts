// The data timeline's state: the visible time range and the binned summary the main process
// counted for it (never every group), the workspace's extent and declination strips, and the
// position linked with the sky view (hovered or clicked on either).
import { create } from 'zustand';
import type { TimelineSummary } from '../../../shared/api';
import { api, errorMessage } from '../../api';

/** Smallest visible range: about one group (5 min) plus its neighbours. */
export const MIN_SPAN_DAYS = 15 / 1440;

export interface LinkedPoint {
  mjd: number;
  decDeg: number | null;
  /** What put it there, for the tooltip: `timeline` or `sky`. */
  from: 'timeline' | 'sky';
}

interface TimelineState {
  viewStart: number;
  viewEnd: number;
  summary: TimelineSummary | null;
  /** Every strip with data over the whole workspace (stable lanes while zooming). */
  stripDecs: number[];
  extent: [number, number] | null;
  loading: boolean;
  error: string | null;
  /** ms the last summary took from request to reply (shown, and read by the benchmark). */
  lastLoadMs: number | null;
  linked: LinkedPoint | null;
  init(bins: number): Promise<void>;
  setView(start: number, end: number, bins: number): Promise<void>;
  fit(bins: number): Promise<void>;
  reload(bins: number): Promise<void>;
  setLinked(p: LinkedPoint | null): void;
}

let seq = 0;

export const useTimeline = create<TimelineState>()((set, get) => ({
  viewStart: 0,
  viewEnd: 1,
  summary: null,
  stripDecs: [],
  extent: null,
  loading: false,
  error: null,
  lastLoadMs: null,
  linked: null,

  async init(bins) {
    set({ loading: true });
    try {
      // One coarse count over all time: the workspace's extent and every strip with data.
      const all = await api['timeline.summary']({ startMjd: 0, endMjd: 100_000, bins: 1, stripWidthDeg: 1 });
      const stripDecs = all.strips.map((s) => s.decDeg).filter((d): d is number => d !== null);
      const extent: [number, number] | null = all.extent ? [all.extent.firstMjd, all.extent.lastMjd + 5 / 1440] : null;
      set({ stripDecs, extent });
      await get().fit(bins);
    } catch (e) {
      set({ loading: false, error: errorMessage(e) });
    }
  },

  async fit(bins) {
    const { extent } = get();
    if (!extent) {
      set({ loading: false });
      return;
    }
    const pad = Math.max((extent[1] - extent[0]) * 0.03, 5 / 1440);
    await get().setView(extent[0] - pad, extent[1] + pad, bins);
  },

  async setView(start, end, bins) {
    if (end - start < MIN_SPAN_DAYS) {
      const mid = (start + end) / 2;
      start = mid - MIN_SPAN_DAYS / 2;
      end = mid + MIN_SPAN_DAYS / 2;
    }
    const mine = ++seq;
    set({ viewStart: start, viewEnd: end, loading: true });
    const t0 = performance.now();
    try {
      const summary = await api['timeline.summary']({
        startMjd: start,
        endMjd: end,
        bins: Math.max(1, Math.min(4000, Math.round(bins))),
        stripWidthDeg: 1,
      });
      if (mine !== seq) return;
      const known = new Set(get().stripDecs);
      const extra = summary.strips.map((s) => s.decDeg).filter((d): d is number => d !== null && !known.has(d));
      set({
        summary,
        loading: false,
        error: null,
        lastLoadMs: performance.now() - t0,
        ...(extra.length ? { stripDecs: [...get().stripDecs, ...extra].sort((a, b) => b - a) } : {}),
      });
    } catch (e) {
      if (mine === seq) set({ loading: false, error: errorMessage(e) });
    }
  },

  async reload(bins) {
    const { viewStart, viewEnd } = get();
    const all = await api['timeline.summary']({ startMjd: 0, endMjd: 100_000, bins: 1, stripWidthDeg: 1 });
    set({
      extent: all.extent ? [all.extent.firstMjd, all.extent.lastMjd + 5 / 1440] : null,
    });
    await get().setView(viewStart, viewEnd, bins);
  },

  setLinked(p) {
    set({ linked: p });
  },
}));
