// Reading configuration layers: the JSON config file, DSA110_* environment variables and
// string-valued flags, each turned into a list of (key path, value, origin) settings.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PATH_FIELDS } from './schema';

export type OriginKind = 'default' | 'file' | 'env' | 'flag' | 'override';

/** Where one configuration value came from. */
export interface ConfigOrigin {
  kind: OriginKind;
  /** The file path, the environment variable, or the flag that set it ("default" for defaults). */
  detail: string;
}

/** One value set by one layer, at a dotted key path such as `imaging.niter`. */
export interface Setting {
  key: string;
  value: unknown;
  origin: ConfigOrigin;
}

export const ENV_PREFIX = 'DSA110_';

/** DSA110_* variables that are read elsewhere and are not configuration keys (no typo warning). */
export const NON_CONFIG_ENV: ReadonlySet<string> = new Set([
  'DSA110_NATIVE_ADDON', // path of the native addon, read by src/main/engine/native/addon.ts
  'DSA110_FAULT', // fault injection points for the publishing tests, read by src/main/engine/jobs/faults.ts
  'DSA110_STREAM_FREE_BYTES', // the free space the streaming disk guard sees (its tests), read by src/main/engine/stream/daemon.ts
]);

export function describeOrigin(o: ConfigOrigin): string {
  switch (o.kind) {
    case 'default':
      return 'the default';
    case 'file':
      return `config file ${o.detail}`;
    case 'env':
      return `environment variable ${o.detail}`;
    case 'flag':
      return `command-line flag ${o.detail}`;
    case 'override':
      return o.detail;
  }
}

/** A configuration problem, already attributed to its source. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: ConfigIssue[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
  /** True when every issue came from the command line (a usage error, not a broken file or environment). */
  get fromFlagsOnly(): boolean {
    return this.issues.length > 0 && this.issues.every((i) => i.origin?.kind === 'flag');
  }
}

export interface ConfigIssue {
  key: string;
  origin: ConfigOrigin | null;
  message: string;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The default value at a dotted key, or undefined when the key does not exist. */
export function lookup(tree: unknown, key: string): unknown {
  let node: unknown = tree;
  for (const part of key.split('.')) {
    if (!isPlainObject(node) || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

/** Every leaf key of a nested object (arrays are leaves). */
export function leafKeys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    isPlainObject(v) ? leafKeys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

const BOOLEANS: Record<string, boolean> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

/**
 * Turn a string from the environment or a flag into the type of the key's default. A string
 * that does not parse is passed through unchanged, so validation reports it with its source.
 */
export function coerceString(raw: string, defaultValue: unknown): unknown {
  const s = raw.trim();
  if (typeof defaultValue === 'number') return s !== '' && Number.isFinite(Number(s)) ? Number(s) : raw;
  if (typeof defaultValue === 'boolean') return BOOLEANS[s.toLowerCase()] ?? raw;
  if (Array.isArray(defaultValue)) {
    const parts = s === '' ? [] : s.split(',').map((p) => p.trim());
    if (typeof defaultValue[0] === 'number') {
      return parts.every((p) => p !== '' && Number.isFinite(Number(p))) ? parts.map(Number) : raw;
    }
    return parts;
  }
  if (defaultValue === null) return s === '' || s.toLowerCase() === 'null' ? null : raw;
  return raw;
}

/** Expand `~/` and make a relative path absolute against `base` (the config file's folder, or the cwd). */
export function resolvePath(value: string, base: string): string {
  const expanded = value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value;
  return path.resolve(base, expanded);
}

function resolvePathSetting(s: Setting, base: string): Setting {
  return PATH_FIELDS.has(s.key) && typeof s.value === 'string' && s.value !== ''
    ? { ...s, value: resolvePath(s.value, base) }
    : s;
}

/** `IMAGING__CELL_ARCSEC` -> `imaging.cellArcsec`. */
export function envNameToKey(name: string): string {
  return name
    .split('__')
    .map((seg) => seg.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()))
    .join('.');
}

/** `imaging.cellArcsec` -> `DSA110_IMAGING__CELL_ARCSEC`. */
export function keyToEnvName(key: string): string {
  return (
    ENV_PREFIX +
    key
      .split('.')
      .map((seg) => seg.replace(/([A-Z])/g, '_$1').toUpperCase())
      .join('__')
  );
}

/** Settings from DSA110_* variables; unknown DSA110_* names come back as warnings (probably typos). */
export function settingsFromEnv(
  env: Record<string, string | undefined>,
  defaults: Record<string, unknown>,
  cwd: string,
): { settings: Setting[]; warnings: string[] } {
  const settings: Setting[] = [];
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || NON_CONFIG_ENV.has(name)) continue;
    const key = envNameToKey(name.slice(ENV_PREFIX.length));
    const def = lookup(defaults, key);
    if (def === undefined || isPlainObject(def)) {
      const hint = name.slice(ENV_PREFIX.length).includes('__')
        ? ''
        : ' (nested keys use a double underscore, e.g. DSA110_IMAGING__NITER)';
      warnings.push(`environment variable ${name} is not a configuration key and is ignored${hint}`);
      continue;
    }
    settings.push(
      resolvePathSetting({ key, value: coerceString(raw, def), origin: { kind: 'env', detail: name } }, cwd),
    );
  }
  return { settings, warnings };
}

/**
 * Settings from a nested object (a config file's content, or programmatic overrides). Descends
 * only where the defaults have a section, so a wrong type is reported at the key that has it.
 */
export function settingsFromObject(
  obj: Record<string, unknown>,
  defaults: Record<string, unknown>,
  origin: (key: string) => ConfigOrigin,
  base: string,
  prefix = '',
): Setting[] {
  const out: Setting[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = `${prefix}${k}`;
    const def = lookup(defaults, key);
    if (isPlainObject(v) && isPlainObject(def)) out.push(...settingsFromObject(v, defaults, origin, base, `${key}.`));
    else out.push(resolvePathSetting({ key, value: v, origin: origin(key) }, base));
  }
  return out;
}

/** Read and parse a JSON config file; errors name the file and what was wrong. */
export function readConfigFile(file: string, required: boolean): Record<string, unknown> | null {
  if (!existsSync(file)) {
    if (!required) return null;
    throw new ConfigError(`config file ${file} does not exist`, [
      { key: '', origin: { kind: 'file', detail: file }, message: 'file not found' },
    ]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, [
      { key: '', origin: { kind: 'file', detail: file }, message: (err as Error).message },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const message = `not valid JSON: ${(err as Error).message}`;
    throw new ConfigError(`config file ${file} is ${message}`, [
      { key: '', origin: { kind: 'file', detail: file }, message },
    ]);
  }
  if (!isPlainObject(parsed)) {
    const message = `expected a JSON object at the top level, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`;
    throw new ConfigError(`config file ${file}: ${message}`, [
      { key: '', origin: { kind: 'file', detail: file }, message },
    ]);
  }
  return parsed;
}
