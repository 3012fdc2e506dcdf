// Resolve the configuration: defaults < config file < DSA110_* environment < overrides (flags),
// recording where every value came from and naming that source in every validation error.
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { defaultWorkspace, type PlatformInfo } from './paths';
import { ConfigSchema, defaultConfig, type Config } from './schema';
import {
  coerceString,
  ConfigError,
  describeOrigin,
  isPlainObject,
  leafKeys,
  lookup,
  readConfigFile,
  resolvePath,
  settingsFromEnv,
  settingsFromObject,
  type ConfigIssue,
  type ConfigOrigin,
  type Setting,
} from './sources';

export interface LoadConfigOptions {
  /** Workspace directory (highest precedence, like --workspace). */
  workspace?: string;
  /** An explicit config file (--config); without it `<workspace>/config.json` is read if present. */
  configFile?: string;
  /** Environment to read DSA110_* variables from (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * Highest-precedence values, nested (`{ imaging: { niter: 500 } }`) or dotted
   * (`{ 'imaging.niter': '500' }`). Strings are converted to the key's type.
   */
  overrides?: Record<string, unknown>;
  /** How to name the source of an override in origins and errors (default: "override"). */
  overrideOrigin?: (key: string) => ConfigOrigin;
  /** Base for relative paths given in the environment or overrides (default process.cwd()). */
  cwd?: string;
  /** Platform facts for the default workspace (default: this machine). */
  platform?: PlatformInfo;
}

export interface LoadedConfig {
  config: Config;
  /** Dotted key -> where its value came from, for every leaf of the config. */
  origins: Record<string, ConfigOrigin>;
  /** The config file that was read, or null when there was none. */
  configFile: string | null;
  /** Non-fatal findings, such as DSA110_* variables that match no key. */
  warnings: string[];
}

export function defaultsFor(platform?: PlatformInfo): Config {
  return defaultConfig({ workspace: defaultWorkspace(platform), threads: os.availableParallelism() });
}

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const platform = opts.platform ?? { platform: process.platform, env, homedir: os.homedir() };
  const defaults = defaultsFor(platform) as unknown as Record<string, unknown>;

  const { settings: envSettings, warnings } = settingsFromEnv(env, defaults, cwd);
  const overrideOrigin = opts.overrideOrigin ?? (() => ({ kind: 'override' as const, detail: 'override' }));
  const overrides: Record<string, unknown> = { ...(opts.overrides ?? {}) };
  if (opts.workspace !== undefined) overrides.workspace = opts.workspace;
  const overrideSettings = settingsFromObject(withoutUndefined(overrides), defaults, overrideOrigin, cwd).map((s) =>
    coerceSetting(s, defaults),
  );

  let fileSettings: Setting[] = [];
  let configFile: string | null = null;
  if (opts.configFile !== undefined) {
    configFile = path.resolve(cwd, opts.configFile);
    fileSettings = fileLayer(configFile, readConfigFile(configFile, true) ?? {}, defaults);
  }

  // The workspace decides where the implicit config file is, so it is resolved first.
  const wsSetting = [...fileSettings, ...envSettings, ...overrideSettings].filter((s) => s.key === 'workspace').pop();
  const workspace = wsSetting ? wsSetting.value : defaults.workspace;
  if (configFile === null && typeof workspace === 'string') {
    const implicit = path.join(workspace, 'config.json');
    const content = readConfigFile(implicit, false);
    if (content !== null) {
      configFile = implicit;
      fileSettings = fileLayer(implicit, content, defaults);
      const own = fileSettings.find((s) => s.key === 'workspace');
      if (own && own.value !== workspace) {
        const message = `sets workspace to ${JSON.stringify(own.value)}, but it was found inside workspace ${workspace}; move "workspace" to a file given with --config`;
        throw new ConfigError(`config file ${implicit}: ${message}`, [
          { key: 'workspace', origin: own.origin, message },
        ]);
      }
    }
  }

  const tree = structuredClone(defaults);
  const origins: Record<string, ConfigOrigin> = Object.fromEntries(
    leafKeys(defaults).map((k) => [k, { kind: 'default', detail: 'default' }]),
  );
  for (const s of [...fileSettings, ...envSettings, ...overrideSettings]) {
    setAt(tree, s.key, s.value);
    for (const k of Object.keys(origins)) if (k.startsWith(`${s.key}.`)) delete origins[k];
    origins[s.key] = s.origin;
  }

  const parsed = ConfigSchema.safeParse(tree);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i) => toIssues(i, tree, origins));
    const lines = issues.map(
      (i) => `  - ${i.key || '(top level)'}: ${i.message}${i.origin ? ` (from ${describeOrigin(i.origin)})` : ''}`,
    );
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, issues);
  }
  return { config: parsed.data, origins, configFile, warnings };
}

/**
 * The config file that applies, found without reading or validating anything, so that a broken
 * file can still be located: --config, else `<workspace>/config.json` with the workspace from
 * the flag, DSA110_WORKSPACE or the default.
 */
export function locateConfigFile(
  opts: Pick<LoadConfigOptions, 'workspace' | 'configFile' | 'env' | 'cwd' | 'platform'> = {},
): string {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.configFile !== undefined) return path.resolve(cwd, opts.configFile);
  const ws = opts.workspace ?? env.DSA110_WORKSPACE;
  const workspace =
    ws !== undefined && ws !== ''
      ? resolvePath(ws, cwd)
      : defaultWorkspace(opts.platform ?? { platform: process.platform, env, homedir: os.homedir() });
  return path.join(workspace, 'config.json');
}

function fileLayer(file: string, content: Record<string, unknown>, defaults: Record<string, unknown>): Setting[] {
  // JSON Schema editors add "$schema"; it is not configuration.
  const { $schema: _ignored, ...rest } = content;
  return settingsFromObject(rest, defaults, () => ({ kind: 'file', detail: file }), path.dirname(file));
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, isPlainObject(v) ? withoutUndefined(v) : v]),
  );
}

function coerceSetting(s: Setting, defaults: Record<string, unknown>): Setting {
  if (typeof s.value !== 'string') return s;
  const def = lookup(defaults, s.key);
  if (def === undefined || typeof def === 'string') return s;
  // Same conversion as the environment: flags arrive as strings.
  return { ...s, value: coerceString(s.value, def) };
}

function setAt(tree: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!isPlainObject(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** The origin of a key: its own, else the most important one among the keys under it, else its section's. */
function originOf(key: string, origins: Record<string, ConfigOrigin>): ConfigOrigin | null {
  const own = origins[key];
  if (own) return own;
  const rank = { default: 0, file: 1, env: 2, flag: 3, override: 3 } as const;
  const below = Object.entries(origins)
    .filter(([k]) => key === '' || k.startsWith(`${key}.`))
    .map(([, o]) => o)
    .sort((a, b) => rank[b.kind] - rank[a.kind]);
  if (below[0]) return below[0];
  const parts = key.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const o = origins[parts.slice(0, n).join('.')];
    if (o) return o;
  }
  return null;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function toIssues(
  issue: z.core.$ZodIssue,
  tree: Record<string, unknown>,
  origins: Record<string, ConfigOrigin>,
): ConfigIssue[] {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const section = base === '' ? tree : lookup(tree, base);
    const known = isPlainObject(section) ? Object.keys(section).filter((k) => !issue.keys.includes(k)) : [];
    return issue.keys.map((k) => {
      const key = base === '' ? k : `${base}.${k}`;
      return { key, origin: originOf(key, origins), message: `unknown key; expected one of: ${known.join(', ')}` };
    });
  }
  const value = base === '' ? undefined : lookup(tree, base);
  const got = value === undefined ? '' : `, got ${show(value)}`;
  return [{ key: base, origin: originOf(base, origins), message: `${issue.message}${got}` }];
}
