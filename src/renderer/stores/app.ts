// App-level state: which view is shown, the engine's identity and whether it is reachable.
import { create } from 'zustand';
import type { AppInfo } from '../../shared/api';
import { api, bridge, errorMessage } from '../api';

export const VIEWS = ['workflow', 'pipeline', 'data', 'calibrators', 'products', 'review', 'settings'] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Readonly<Record<View, string>> = {
  workflow: 'Timeline & mosaics',
  settings: 'Settings',
  pipeline: 'Pipeline & Jobs',
  data: 'Data',
  calibrators: 'Calibrators & transits',
  products: 'Products & QA review',
  review: 'Review & image viewer',
};

interface AppState {
  view: View;
  info: AppInfo | null;
  /** `connected`: app.info answered; `offline`: no bridge; `error`: the engine failed to answer. */
  status: 'connecting' | 'connected' | 'offline' | 'error';
  error: string | null;
  setView(view: View): void;
  connect(): Promise<void>;
}

export const useApp = create<AppState>()((set) => ({
  view: 'workflow',
  info: null,
  status: bridge ? 'connecting' : 'offline',
  error: null,
  setView(view) {
    set({ view });
  },
  async connect() {
    try {
      const info = await api['app.info']({});
      set({ info, status: 'connected', error: null });
    } catch (e) {
      set({ status: bridge ? 'error' : 'offline', error: errorMessage(e) });
    }
  },
}));
