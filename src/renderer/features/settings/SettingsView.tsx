// Settings a user expects, persisted in the workspace's config file through config.setUser (the
// engine validates the whole file before writing; jobs already submitted keep their frozen
// configuration). The workspace and thread count belong to whoever starts the engine: shown with
// how to change them.
import { useEffect, useState, type FormEvent } from 'react';
import type { ConfigView } from '../../../shared/api';
import { api, errorMessage } from '../../api';

interface Field {
  key: string;
  label: string;
  help: string;
  kind: 'number' | 'boolean' | 'text' | 'select';
  options?: string[];
  nullable?: boolean;
}

const FIELDS: Field[] = [
  { key: 'imaging.size', label: 'Image size (px)', help: 'Pixels per side of each 5-minute image.', kind: 'number' },
  { key: 'imaging.cellArcsec', label: 'Cell (arcsec)', help: 'Pixel size.', kind: 'number' },
  { key: 'imaging.niter', label: 'CLEAN iterations', help: 'Minor-cycle iterations per image.', kind: 'number' },
  {
    key: 'mosaic.timespanMin',
    label: 'Default mosaic timespan (min)',
    help: 'Window length around a transit when none is given.',
    kind: 'number',
  },
  {
    key: 'mosaic.method',
    label: 'Mosaic method',
    help: 'How images are combined.',
    kind: 'select',
    options: ['mean', 'weighted', 'pbweighted'],
  },
  {
    key: 'qa.catalog',
    label: 'QA reference catalog',
    help: 'Catalog name in the sources table (dsa110 catalog import); empty: none.',
    kind: 'text',
    nullable: true,
  },
  {
    key: 'publishing.autoPublish',
    label: 'Auto-publish',
    help: 'Publish a product as soon as its QA allows it; otherwise leave it for a reviewer.',
    kind: 'boolean',
  },
  {
    key: 'publishing.minQaTier',
    label: 'Worst QA verdict published automatically',
    help: '`pass` only, or `warn` as well.',
    kind: 'select',
    options: ['pass', 'warn'],
  },
];

function lookup(values: Record<string, unknown>, key: string): unknown {
  let node: unknown = values;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | null)?.[part];
  return node;
}

export function SettingsView() {
  const [config, setConfig] = useState<ConfigView | null>(null);
  const [draft, setDraft] = useState<Record<string, string | boolean>>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    void api['config.get']({})
      .then((c) => {
        setConfig(c);
        const d: Record<string, string | boolean> = {};
        for (const f of FIELDS) {
          const v = lookup(c.values, f.key);
          d[f.key] = f.kind === 'boolean' ? Boolean(v) : v === null || v === undefined ? '' : String(v);
        }
        setDraft(d);
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!config) return;
    const settings: Record<string, string | number | boolean | null> = {};
    for (const f of FIELDS) {
      const v = draft[f.key];
      const current = lookup(config.values, f.key);
      let next: string | number | boolean | null;
      if (f.kind === 'boolean') next = Boolean(v);
      else if (f.kind === 'number') next = Number(v);
      else next = v === '' && f.nullable ? null : String(v);
      if (next !== current) settings[f.key] = next;
    }
    if (Object.keys(settings).length === 0) {
      setSaved('Nothing changed.');
      return;
    }
    setSaving(true);
    try {
      const r = await api['config.setUser']({ settings });
      setConfig(r);
      setError(null);
      setSaved(
        `Saved to ${r.path ?? 'the workspace config'}: ${r.changed.join(', ') || 'no change'}${
          r.shadowed.length ? `. Still overridden by the engine's environment or flags: ${r.shadowed.join(', ')}` : ''
        }`,
      );
    } catch (err) {
      setError(errorMessage(err));
      setSaved(null);
    } finally {
      setSaving(false);
    }
  }

  const workspace = config ? String(lookup(config.values, 'workspace') ?? '') : '';
  const threads = config ? String(lookup(config.values, 'threads') ?? '') : '';

  return (
    <div className="view settings">
      <section className="pane" aria-label="Settings">
        <h2>Settings</h2>
        {error ? <div className="error-banner">{error}</div> : null}
        {config ? (
          <form onSubmit={save} className="settings-form" aria-label="Settings form">
            <fieldset>
              <legend>Engine (set where the engine starts)</legend>
              <div className="settings-row">
                <span>Workspace</span>
                <span className="mono">{workspace}</span>
                <span className="muted">dsa110 --workspace DIR serve, or DSA110_WORKSPACE</span>
              </div>
              <div className="settings-row">
                <span>Threads</span>
                <span className="mono">{threads}</span>
                <span className="muted">--threads N or DSA110_THREADS</span>
              </div>
            </fieldset>
            <fieldset>
              <legend>Imaging, mosaics, QA and publishing</legend>
              {FIELDS.map((f) => (
                <label key={f.key} className="settings-row">
                  <span>{f.label}</span>
                  {f.kind === 'boolean' ? (
                    <input
                      type="checkbox"
                      checked={Boolean(draft[f.key])}
                      onChange={(e) => setDraft({ ...draft, [f.key]: e.target.checked })}
                    />
                  ) : f.kind === 'select' ? (
                    <select
                      value={String(draft[f.key] ?? '')}
                      onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                    >
                      {f.options?.map((o) => (
                        <option key={o} value={o}>
                          {o}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      type={f.kind === 'number' ? 'number' : 'text'}
                      value={String(draft[f.key] ?? '')}
                      step="any"
                      onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                    />
                  )}
                  <span className="muted" title={config.origins[f.key] ?? ''}>
                    {f.help} <em>({config.origins[f.key] ?? 'default'})</em>
                  </span>
                </label>
              ))}
            </fieldset>
            <div className="toolbar">
              <button type="submit" className="primary" disabled={saving}>
                {saving ? 'Saving…' : 'Save settings'}
              </button>
              {saved ? <span role="status">{saved}</span> : null}
            </div>
          </form>
        ) : (
          <p className="muted">Loading the configuration…</p>
        )}
      </section>
    </div>
  );
}
