// Data: ingest groups, measurement sets and images (pages of each), live for ingest groups.
import { create } from 'zustand';
import type { Image, IngestGroup, MeasurementSet } from '../../shared/model';
import { api, errorMessage } from '../api';

export const DATA_PAGE_SIZE = 50;
/** Footprints drawn on the sky panel: the newest ones only, so the panel stays responsive. */
export const SKY_FOOTPRINT_LIMIT = 500;

interface Paged<T> {
  items: T[];
  total: number;
  offset: number;
}

const emptyPage = <T>(): Paged<T> => ({ items: [], total: 0, offset: 0 });

interface DataState {
  groups: Paged<IngestGroup>;
  ms: Paged<MeasurementSet>;
  images: Image[];
  loading: boolean;
  error: string | null;
  loadGroups(offset?: number): Promise<void>;
  loadMs(offset?: number): Promise<void>;
  loadImages(): Promise<void>;
  loadAll(): Promise<void>;
  applyGroup(group: IngestGroup): void;
}

export const useData = create<DataState>()((set, get) => ({
  groups: emptyPage(),
  ms: emptyPage(),
  images: [],
  loading: false,
  error: null,

  async loadGroups(offset = get().groups.offset) {
    try {
      const page = await api['groups.list']({ limit: DATA_PAGE_SIZE, offset });
      set({ groups: { items: page.items, total: page.total, offset: page.offset }, error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },

  async loadMs(offset = get().ms.offset) {
    try {
      const page = await api['ms.list']({ limit: DATA_PAGE_SIZE, offset });
      set({ ms: { items: page.items, total: page.total, offset: page.offset }, error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },

  async loadImages() {
    try {
      const page = await api['images.list']({ limit: SKY_FOOTPRINT_LIMIT });
      set({ images: page.items });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },

  async loadAll() {
    set({ loading: true });
    await Promise.all([get().loadGroups(), get().loadMs(), get().loadImages()]);
    set({ loading: false });
  },

  applyGroup(group) {
    const { groups } = get();
    const i = groups.items.findIndex((g) => g.id === group.id);
    if (i >= 0) {
      set({ groups: { ...groups, items: groups.items.map((g) => (g.id === group.id ? group : g)) } });
    } else if (groups.offset === 0) {
      set({ groups: { ...groups, items: [group, ...groups.items].slice(0, DATA_PAGE_SIZE), total: groups.total + 1 } });
    }
  },
}));
