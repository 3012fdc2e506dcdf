// `dsa110 version`: application, Node, platform and native addon status.
import { appInfo, nativeStatus, type NativeStatus } from '../app-info';
import type { CliCommand } from './types';

export interface VersionReport {
  app: string;
  version: string;
  node: string;
  platform: string;
  native: NativeStatus;
}

export function versionReport(): VersionReport {
  const { name, version } = appInfo();
  return {
    app: name,
    version,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    native: nativeStatus(),
  };
}

export function formatNative(n: NativeStatus): string {
  if (n.status === 'loaded') return `loaded from ${n.path} (Node-API ${n.napiVersion}, up to ${n.maxThreads} threads)`;
  if (n.status === 'not built') return `not built (expected ${n.path}; run "npm run build:native")`;
  return `failed to load ${n.path}: ${n.error ?? 'unknown error'}`;
}

export const versionCommand: CliCommand = {
  name: 'version',
  register(program, ctx) {
    program
      .command('version')
      .description('print the application, Node and platform versions and the native addon status')
      .action(() => {
        const r = versionReport();
        ctx.result(r, () =>
          [
            `${r.app} ${r.version}`,
            `node      ${r.node}`,
            `platform  ${r.platform}`,
            `native    ${formatNative(r.native)}`,
          ].join('\n'),
        );
      });
  },
};
