// The QA reviewer's state: the review queue (products awaiting a decision or a publish), the
// selected product with its QA result, audit trail and viewable planes, the reviewer's name
// (remembered in this browser), and the decide / publish actions.
import { create } from 'zustand';
import type { Product, ProductEvent, ProductStatus } from '../../../shared/model';
import { api, errorMessage, onEvent } from '../../api';
import { fetchSource, type SourceInfo } from '../viewer/source';

export type QaResult = Awaited<ReturnType<(typeof api)['qa.get']>>;

export const QUEUE_STATUSES: ProductStatus[] = ['qa_passed', 'qa_failed', 'approved'];
const REVIEWER_KEY = 'dsa110.reviewer';

function storedReviewer(): string {
  try {
    return globalThis.localStorage?.getItem(REVIEWER_KEY) ?? '';
  } catch {
    return '';
  }
}

export interface PublishState {
  running: boolean;
  progress: number;
  message: string | null;
  result: { outcome: string; jobId: string; publishedPath: string | null; sha256: string } | null;
  error: string | null;
}

interface ReviewState {
  queue: Product[];
  statuses: ProductStatus[];
  loading: boolean;
  error: string | null;
  selectedId: string | null;
  product: Product | null;
  events: ProductEvent[];
  qa: QaResult | null;
  qaError: string | null;
  source: SourceInfo | null;
  sourceError: string | null;
  reviewer: string;
  busy: 'approve' | 'reject' | null;
  publish: PublishState;
  load(): Promise<void>;
  setStatuses(s: ProductStatus[]): Promise<void>;
  select(id: string | null): Promise<void>;
  move(delta: number): void;
  setReviewer(name: string): void;
  decide(action: 'approve' | 'reject', comment: string): Promise<boolean>;
  publishSelected(): Promise<void>;
}

const idlePublish: PublishState = { running: false, progress: 0, message: null, result: null, error: null };

export const useReview = create<ReviewState>()((set, get) => ({
  queue: [],
  statuses: QUEUE_STATUSES,
  loading: false,
  error: null,
  selectedId: null,
  product: null,
  events: [],
  qa: null,
  qaError: null,
  source: null,
  sourceError: null,
  reviewer: storedReviewer(),
  busy: null,
  publish: idlePublish,
  async load() {
    set({ loading: true });
    try {
      const page = await api['products.list']({
        statuses: get().statuses.length ? get().statuses : undefined,
        kinds: ['mosaic', 'image'],
        limit: 200,
        offset: 0,
      });
      set({ queue: page.items, loading: false, error: null });
      if (!get().selectedId && page.items[0]) void get().select(page.items[0].id);
    } catch (e) {
      set({ loading: false, error: errorMessage(e) });
    }
  },
  async setStatuses(statuses) {
    set({ statuses });
    await get().load();
  },
  async select(id) {
    if (id === null) {
      set({ selectedId: null, product: null, events: [], qa: null, source: null });
      return;
    }
    const same = id === get().selectedId;
    set({
      selectedId: id,
      ...(same ? {} : { qa: null, qaError: null, source: null, sourceError: null, publish: idlePublish }),
    });
    try {
      const { product, events } = await api['products.get']({ id });
      if (get().selectedId !== id) return;
      set({ product, events });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
    api['qa.get']({ productId: id })
      .then((qa) => get().selectedId === id && set({ qa, qaError: null }))
      .catch((e: unknown) => get().selectedId === id && set({ qaError: errorMessage(e) }));
    if (!same || !get().source)
      fetchSource('product', id)
        .then((source) => get().selectedId === id && set({ source, sourceError: null }))
        .catch((e: unknown) => get().selectedId === id && set({ sourceError: errorMessage(e) }));
  },
  move(delta) {
    const { queue, selectedId } = get();
    if (!queue.length) return;
    const i = queue.findIndex((p) => p.id === selectedId);
    const next = queue[Math.max(0, Math.min(queue.length - 1, (i < 0 ? 0 : i) + delta))];
    if (next && next.id !== selectedId) void get().select(next.id);
  },
  setReviewer(name) {
    set({ reviewer: name });
    try {
      globalThis.localStorage?.setItem(REVIEWER_KEY, name);
    } catch {
      // private mode: not remembered
    }
  },
  async decide(action, comment) {
    const { product, reviewer } = get();
    if (!product) return false;
    if (!reviewer.trim()) {
      set({ error: 'Enter your name as reviewer first.' });
      return false;
    }
    set({ busy: action, error: null });
    try {
      const out =
        action === 'approve'
          ? await api['products.approve']({
              id: product.id,
              reviewer: reviewer.trim(),
              ...(comment.trim() ? { comment: comment.trim() } : {}),
            })
          : await api['products.reject']({ id: product.id, reviewer: reviewer.trim(), comment: comment.trim() });
      set({ product: out.product, queue: get().queue.map((p) => (p.id === out.product.id ? out.product : p)) });
      await get().select(product.id);
      return true;
    } catch (e) {
      set({ error: errorMessage(e) });
      return false;
    } finally {
      set({ busy: null });
    }
  },
  async publishSelected() {
    const { product, reviewer } = get();
    if (!product) return;
    set({ publish: { ...idlePublish, running: true, message: 'submitting the publish job' } });
    // The publish job's progress, while the request waits for it.
    const off = onEvent('job.progress', (e) => {
      if (!get().publish.running) return;
      set({ publish: { ...get().publish, progress: e.progress, message: e.message } });
    });
    try {
      const out = await api['products.publish']({ id: product.id, actor: reviewer.trim() || 'reviewer' });
      set({
        publish: {
          running: false,
          progress: 1,
          message: null,
          result: {
            outcome: out.outcome,
            jobId: out.jobId,
            publishedPath: out.product.publishedPath,
            sha256: out.product.sha256,
          },
          error: null,
        },
        product: out.product,
        queue: get().queue.map((p) => (p.id === out.product.id ? out.product : p)),
        // Its files moved into the products root: the viewer reopens them there.
        source: null,
      });
      await get().select(product.id);
    } catch (e) {
      set({ publish: { ...idlePublish, error: errorMessage(e) } });
    } finally {
      off();
    }
  },
}));
