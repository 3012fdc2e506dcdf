// Builds the renderer (electron-vite's renderer config, as `npm run build` does) when `dsa110
// serve` finds none, so a fresh clone serves the UI without a separate build step. The config is
// TypeScript: vite's own config loader bundles and evaluates it, so this works from the bundled
// CLI under plain Node as well as from the sources under tsx.
import path from 'node:path';
import { appRoot } from '../cli/app-info';

export async function buildRenderer(outDir: string): Promise<void> {
  const { build, loadConfigFromFile } = await import('vite');
  const configFile = path.join(appRoot, 'electron.vite.config.ts');
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, configFile, appRoot, 'warn');
  const renderer = (loaded?.config as { renderer?: import('vite').InlineConfig } | undefined)?.renderer;
  if (!renderer) throw new Error(`${configFile}: expected a default export with a "renderer" build configuration`);
  await build({
    ...renderer,
    configFile: false,
    logLevel: 'warn',
    build: { ...renderer.build, outDir, emptyOutDir: true },
  });
}
