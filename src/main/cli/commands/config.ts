// `dsa110 config show|path`: the resolved configuration with the origin of every value, and
// which config file applies.
import { existsSync } from 'node:fs';
import { describeOrigin, keyToEnvName, type ConfigOrigin } from '../../engine/config';
import { UsageError } from '../errors';
import type { CliContext } from '../context';
import type { CliCommand } from './types';

function showValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function flatten(obj: unknown, prefix = ''): [string, unknown][] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [[prefix, obj]];
  return Object.entries(obj).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

/** Rows back into the nested shape of the config file, so filtered output reads like the full one. */
function unflatten(rows: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of rows) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1] as string] = value;
  }
  return out;
}

function originLabel(o: ConfigOrigin | undefined): string {
  if (!o) return '';
  return o.kind === 'default' ? 'default' : describeOrigin(o);
}

function show(ctx: CliContext, key: string | undefined): void {
  const { config, origins, configFile } = ctx.config();
  let rows = flatten(config);
  if (key !== undefined) {
    rows = rows.filter(([k]) => k === key || k.startsWith(`${key}.`));
    if (rows.length === 0) {
      const sections = Object.keys(config).join(', ');
      throw new UsageError(`config show: no configuration key "${key}"; top-level keys: ${sections}`);
    }
  }
  const data = {
    configFile,
    config: key === undefined ? config : unflatten(rows),
    origins: Object.fromEntries(rows.map(([k]) => [k, origins[k] ?? null])),
  };
  ctx.result(data, () => {
    const width = Math.max(...rows.map(([k]) => k.length));
    // Long values (paths, the refant chain) overflow their column instead of widening every row.
    const valueWidth = Math.max(1, ...rows.map(([, v]) => showValue(v).length).filter((n) => n <= 24));
    const lines = rows.map(([k, v]) =>
      `${k.padEnd(width)}  ${showValue(v).padEnd(valueWidth)}  ${originLabel(origins[k])}`.trimEnd(),
    );
    return [`# config file: ${configFile ?? 'none'}`, ...lines].join('\n');
  });
}

export const configCommand: CliCommand = {
  name: 'config',
  register(program, ctx) {
    const config = program
      .command('config')
      .description('show the resolved configuration and where it comes from')
      .addHelpText(
        'after',
        `
Every key can be set in the config file (JSON, nested), in the environment as
DSA110_<SECTION>__<KEY> (e.g. ${keyToEnvName('imaging.cellArcsec')}=4) or with --set section.key=value.`,
      );
    config
      .command('show')
      .description('print every configuration value and its origin (default, file, environment, flag)')
      .argument('[key]', 'only this key or section, e.g. imaging or imaging.niter (--json keeps the nesting)')
      .action((key: string | undefined) => show(ctx, key));
    config
      .command('path')
      .description('print the path of the configuration file that applies (it need not exist yet)')
      .action(() => {
        const g = ctx.globals();
        // Found without validating the rest, so a broken file can still be located.
        const file = ctx.configFile();
        const exists = existsSync(file);
        ctx.result({ configFile: file, exists }, () => file);
        if (!exists && !g.json) ctx.note(`(${file} does not exist; defaults, environment and flags apply)`);
      });
  },
};
