// Builds the renderer (electron-vite's renderer config, as `npm run build` does) when `dsa110
// serve` finds none, so a fresh clone serves the UI without a separate build step.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export async function buildRenderer(outDir: string): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const [{ build }, { rendererConfig }] = await Promise.all([
    import('vite'),
    import(path.join(root, 'electron.vite.config.ts')) as Promise<typeof import('../../../electron.vite.config')>,
  ]);
  await build({
    ...rendererConfig,
    configFile: false,
    logLevel: 'warn',
    build: { ...rendererConfig.build, outDir, emptyOutDir: true },
  });
}
