// Build of the desktop app into out/: main (ESM, plus the worker threads' entries), the sandboxed
// preload (CommonJS, a single file) and the React renderer (with the CSP meta tag checked).
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type RendererViteConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { META_CONTENT_SECURITY_POLICY, devContentSecurityPolicy } from './src/main/electron/csp';
import { WORKER_ENTRIES } from './src/main/engine/native/worker-entries';

const root = import.meta.dirname;
// Native and WASM packages are loaded from node_modules at run time, never bundled.
const nodeExternals = ['better-sqlite3', 'piscina', 'h5wasm'];

/**
 * Keeps the renderer's meta-tag CSP equal to the policy main sends as a header (fails the build
 * otherwise); under `electron-vite dev` relaxes it for the React refresh preamble and HMR.
 */
function contentSecurityPolicy(): Plugin {
  const metaPattern = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"\s*\/?>/;
  let devServerUrl: string | null = null;
  return {
    name: 'dsa110:csp',
    configureServer(server) {
      server.httpServer?.once('listening', () => {
        devServerUrl = server.resolvedUrls?.local[0] ?? null;
      });
    },
    transformIndexHtml(html, ctx) {
      const match = metaPattern.exec(html);
      if (!match)
        throw new Error(`src/renderer/index.html: missing <meta http-equiv="Content-Security-Policy" content="...">`);
      if (match[1] !== META_CONTENT_SECURITY_POLICY) {
        throw new Error(
          `src/renderer/index.html: the CSP meta tag differs from src/main/electron/csp.ts; expected content="${META_CONTENT_SECURITY_POLICY}"`,
        );
      }
      if (!ctx.server) return html;
      const url = devServerUrl ?? `http://localhost:${ctx.server.config.server.port ?? 5173}`;
      return html.replace(
        metaPattern,
        `<meta http-equiv="Content-Security-Policy" content="${devContentSecurityPolicy(url)}" />`,
      );
    },
  };
}

/** The renderer build, also used by test/renderer to build into a temporary folder. */
export const rendererConfig: RendererViteConfig = {
  root: resolve(root, 'src/renderer'),
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  build: {
    outDir: resolve(root, 'out/renderer'),
    emptyOutDir: true,
    target: 'chrome130',
    // deck.gl is large; a single chunk over 500 kB is expected for a desktop app.
    chunkSizeWarningLimit: 2500,
    rolldownOptions: { input: resolve(root, 'src/renderer/index.html') },
  },
};

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      externalizeDeps: { include: nodeExternals },
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/electron/main.ts'),
          // The worker threads' entries (native-worker.js, convert-write-worker.js), built beside
          // index.js where the engine looks for them (src/main/engine/native/worker-entries.ts).
          ...Object.fromEntries(Object.entries(WORKER_ENTRIES).map(([name, source]) => [name, resolve(root, source)])),
        },
        // Shared chunks beside the entries too: bundled code finds the workers in its own folder.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload can only require('electron'): bundle everything else into one CJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: rendererConfig,
});
