// Products and QA review: a filtered page of products, the selected product's audit trail,
// and approve/reject by a named reviewer.
import { create } from 'zustand';
import type { Product, ProductEvent, ProductStatus } from '../../shared/model';
import { api, errorMessage } from '../api';

export const PRODUCTS_PAGE_SIZE = 50;
/** The default filter: what awaits a reviewer. */
export const AWAITING_REVIEW: ProductStatus[] = ['qa_passed', 'qa_failed'];

interface ProductsState {
  items: Product[];
  total: number;
  offset: number;
  statuses: ProductStatus[];
  reviewer: string;
  loading: boolean;
  error: string | null;
  /** Per product id: the review action in flight. */
  busy: Record<string, 'approve' | 'reject'>;
  selected: { product: Product; events: ProductEvent[] } | null;
  load(offset?: number): Promise<void>;
  setStatuses(statuses: ProductStatus[]): Promise<void>;
  setReviewer(name: string): void;
  select(id: string | null): Promise<void>;
  approve(id: string, comment?: string): Promise<boolean>;
  reject(id: string, comment: string): Promise<boolean>;
}

export const useProducts = create<ProductsState>()((set, get) => {
  async function review(id: string, action: 'approve' | 'reject', comment: string | undefined): Promise<boolean> {
    const reviewer = get().reviewer.trim();
    if (!reviewer) {
      set({ error: 'Enter your name as reviewer before approving or rejecting a product.' });
      return false;
    }
    set({ busy: { ...get().busy, [id]: action } });
    try {
      const { product } =
        action === 'approve'
          ? await api['products.approve']({ id, reviewer, ...(comment ? { comment } : {}) })
          : await api['products.reject']({ id, reviewer, comment: comment ?? '' });
      const { statuses, items, selected } = get();
      const keep = statuses.length === 0 || statuses.includes(product.status);
      set({
        items: keep ? items.map((p) => (p.id === id ? product : p)) : items.filter((p) => p.id !== id),
        total: keep ? get().total : Math.max(0, get().total - 1),
        error: null,
        ...(selected?.product.id === id ? { selected: { ...selected, product } } : {}),
      });
      if (selected?.product.id === id) void get().select(id);
      return true;
    } catch (e) {
      set({ error: errorMessage(e) });
      return false;
    } finally {
      const busy = { ...get().busy };
      delete busy[id];
      set({ busy });
    }
  }

  return {
    items: [],
    total: 0,
    offset: 0,
    statuses: AWAITING_REVIEW,
    reviewer: '',
    loading: false,
    error: null,
    busy: {},
    selected: null,

    async load(offset = get().offset) {
      set({ loading: true });
      try {
        const { statuses } = get();
        const page = await api['products.list']({
          limit: PRODUCTS_PAGE_SIZE,
          offset,
          ...(statuses.length ? { statuses } : {}),
        });
        set({ items: page.items, total: page.total, offset: page.offset, loading: false, error: null });
      } catch (e) {
        set({ loading: false, error: errorMessage(e) });
      }
    },

    async setStatuses(statuses) {
      set({ statuses, offset: 0 });
      await get().load(0);
    },

    setReviewer(name) {
      set({ reviewer: name });
    },

    async select(id) {
      if (id === null) {
        set({ selected: null });
        return;
      }
      try {
        const detail = await api['products.get']({ id });
        set({ selected: detail });
      } catch (e) {
        set({ error: errorMessage(e) });
      }
    },

    approve: (id, comment) => review(id, 'approve', comment),
    reject: (id, comment) => review(id, 'reject', comment),
  };
});
