// Small shared widgets: status badges, progress bars, pagers, error banners, empty states.
import type { ReactNode } from 'react';

export type Tone = 'neutral' | 'info' | 'good' | 'warn' | 'bad';

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function ProgressBar({ value, tone = 'info' }: { value: number; tone?: Tone }) {
  const pct = Math.max(0, Math.min(1, value)) * 100;
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
      <div className={`progress-fill progress-${tone}`} style={{ width: `${pct}%` }} />
      <span className="progress-label">{pct.toFixed(0)} %</span>
    </div>
  );
}

/** Offset/limit pagination: lists are capped server-side, the pager walks through them. */
export function Pager({
  offset,
  limit,
  total,
  onPage,
}: {
  offset: number;
  limit: number;
  total: number;
  onPage: (offset: number) => void;
}) {
  if (total <= limit && offset === 0)
    return (
      <div className="pager muted">
        {total} {total === 1 ? 'row' : 'rows'}
      </div>
    );
  const last = Math.min(offset + limit, total);
  return (
    <div className="pager">
      <button type="button" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>
        ‹ Newer
      </button>
      <span>
        {total === 0 ? 0 : offset + 1}–{last} of {total}
      </span>
      <button type="button" disabled={last >= total} onClick={() => onPage(offset + limit)}>
        Older ›
      </button>
    </div>
  );
}

export function ErrorBanner({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="error-banner" role="alert">
      {message}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** Toggle chips for an enum filter; an empty selection means "all". */
export function FilterChips<T extends string>({
  options,
  labels,
  selected,
  onChange,
}: {
  options: readonly T[];
  labels: Readonly<Record<T, string>>;
  selected: readonly T[];
  onChange: (next: T[]) => void;
}) {
  return (
    <div className="chips" role="group">
      <button type="button" className={selected.length === 0 ? 'chip chip-on' : 'chip'} onClick={() => onChange([])}>
        All
      </button>
      {options.map((o) => {
        const on = selected.includes(o);
        return (
          <button
            key={o}
            type="button"
            className={on ? 'chip chip-on' : 'chip'}
            aria-pressed={on}
            onClick={() => onChange(on ? selected.filter((s) => s !== o) : [...selected, o])}
          >
            {labels[o]}
          </button>
        );
      })}
    </div>
  );
}
