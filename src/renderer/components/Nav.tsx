// Left navigation between the work areas, with live counts where they help.
import { VIEWS, VIEW_LABELS, useApp } from '../stores/app';
import { useData } from '../stores/data';
import { useJobs } from '../stores/jobs';
import { useProducts } from '../stores/products';

const ICONS = {
  workflow: '◷',
  pipeline: '⚙',
  data: '▤',
  calibrators: '✦',
  products: '✔',
  review: '◐',
  settings: '☰',
} as const;

export function Nav() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const counts = {
    pipeline: useJobs((s) => s.total),
    data: useData((s) => s.groups.total),
    calibrators: null,
    products: useProducts((s) => s.total),
    review: null,
    workflow: null,
    settings: null,
  };
  return (
    <nav className="nav" aria-label="Main">
      {VIEWS.map((v) => (
        <button
          key={v}
          type="button"
          className={v === view ? 'nav-item nav-on' : 'nav-item'}
          aria-current={v === view ? 'page' : undefined}
          onClick={() => setView(v)}
        >
          <span className="nav-icon" aria-hidden="true">
            {ICONS[v]}
          </span>
          <span className="nav-label">{VIEW_LABELS[v]}</span>
          {counts[v] !== null && counts[v] > 0 ? <span className="nav-count">{counts[v]}</span> : null}
        </button>
      ))}
    </nav>
  );
}
