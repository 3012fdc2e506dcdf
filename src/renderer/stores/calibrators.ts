// Calibrators: the search around a pointing declination and its matches with next transits.
import { create } from 'zustand';
import type { CalibratorMatch } from '../../shared/api';
import { api, errorMessage } from '../api';

interface CalibratorsState {
  decDeg: number | null;
  radiusDeg: number;
  minFluxJy: number;
  matches: CalibratorMatch[];
  searched: boolean;
  loading: boolean;
  error: string | null;
  setQuery(q: Partial<Pick<CalibratorsState, 'decDeg' | 'radiusDeg' | 'minFluxJy'>>): void;
  search(): Promise<void>;
}

export const useCalibrators = create<CalibratorsState>()((set, get) => ({
  decDeg: null,
  // The operational selection: within about 2.5 degrees of the pointing, brighter than 1 Jy.
  radiusDeg: 2.5,
  minFluxJy: 1,
  matches: [],
  searched: false,
  loading: false,
  error: null,

  setQuery(q) {
    set(q);
  },

  async search() {
    const { decDeg, radiusDeg, minFluxJy } = get();
    if (decDeg === null) return;
    set({ loading: true });
    try {
      const { items } = await api['calibrators.search']({ decDeg, radiusDeg, minFluxJy, limit: 100 });
      set({ matches: items, searched: true, loading: false, error: null });
    } catch (e) {
      set({ loading: false, searched: true, error: errorMessage(e) });
    }
  },
}));
