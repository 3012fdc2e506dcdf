// `config.setUser`: user-level settings written to the configuration file that applies (the
// workspace's config.json, or the file the engine was opened with), validated as a whole before
// anything is written, and taken by the open engine at once. Jobs already submitted keep the
// configuration frozen with them; the workspace, threads and path settings belong to whoever
// starts the engine and cannot be set from a client.
import { ConfigSchema, defaultsFor, PATH_FIELDS, type ConfigOrigin, type LoadedConfig } from '../config';
import { isPlainObject, lookup, readConfigFile } from '../config/sources';
import type { Engine } from '../engine';
import { writeFileAtomic } from '../jobs';

/** Settings only the process that opens the engine decides (flags, environment, --config). */
export const MACHINE_SETTINGS: ReadonlySet<string> = new Set(['workspace', 'threads', ...PATH_FIELDS]);

export class SettingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingError';
  }
}

function setAt(tree: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Remove a key; sections left empty go too, so the file stays as small as the user wrote it. */
function deleteAt(tree: Record<string, unknown>, key: string): void {
  const parts = key.split('.');
  const chain: Record<string, unknown>[] = [tree];
  for (const part of parts.slice(0, -1)) {
    const next = chain[chain.length - 1]?.[part];
    if (!isPlainObject(next)) return;
    chain.push(next);
  }
  delete chain[chain.length - 1]?.[parts[parts.length - 1] as string];
  for (let i = chain.length - 1; i > 0; i--) {
    const node = chain[i];
    if (node && Object.keys(node).length === 0) delete chain[i - 1]?.[parts[i - 1] as string];
  }
}

export interface SetUserResult {
  loaded: LoadedConfig;
  file: string;
  changed: string[];
  shadowed: string[];
}

/**
 * Validate `settings` (dotted key -> value, null: back to the default), write them to the config
 * file atomically and reconfigure the engine. Nothing is written when any setting is refused;
 * the error names `settings.<key>`.
 */
export async function setUserSettings(engine: Engine, settings: Record<string, unknown>): Promise<SetUserResult> {
  const defaults = defaultsFor() as unknown as Record<string, unknown>;
  const file = engine.loaded.configFile ?? engine.paths.configFile;
  const content = readConfigFile(file, false) ?? {};
  const tree = structuredClone(engine.config) as unknown as Record<string, unknown>;
  const origins: Record<string, ConfigOrigin> = { ...engine.loaded.origins };
  const changed: string[] = [];
  const shadowed: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const field = `settings.${key}`;
    if (MACHINE_SETTINGS.has(key))
      throw new SettingError(
        field,
        `${field}: ${key} is set by whoever starts the engine (flag, environment or --config file), not by a client`,
      );
    const def = lookup(defaults, key);
    if (def === undefined)
      throw new SettingError(field, `${field}: no configuration key ${key} (see config.get for the keys)`);
    if (isPlainObject(def))
      throw new SettingError(
        field,
        `${field}: ${key} is a section; set its keys one by one (e.g. ${key}.${Object.keys(def)[0] ?? 'x'})`,
      );
    if (value === null) deleteAt(content, key);
    else setAt(content, key, value);
    const origin = origins[key];
    if (origin && (origin.kind === 'env' || origin.kind === 'flag' || origin.kind === 'override')) {
      shadowed.push(key);
      continue;
    }
    const next = value === null ? def : value;
    if (JSON.stringify(lookup(tree, key)) !== JSON.stringify(next)) changed.push(key);
    setAt(tree, key, next);
    origins[key] = value === null ? { kind: 'default', detail: 'default' } : { kind: 'file', detail: file };
  }
  const parsed = ConfigSchema.safeParse(tree);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue ? issue.path.join('.') : '';
    const field = key && key in settings ? `settings.${key}` : 'settings';
    throw new SettingError(field, `${field}: ${key ? `${key}: ` : ''}${issue?.message ?? 'invalid configuration'}`);
  }
  await writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`);
  const loaded: LoadedConfig = { config: parsed.data, origins, configFile: file, warnings: engine.loaded.warnings };
  engine.reconfigure(loaded);
  engine.log.info(
    { file, changed, shadowed },
    `configuration: ${changed.length ? changed.join(', ') : 'nothing'} changed in ${file}`,
  );
  return { loaded, file, changed, shadowed };
}
