// Electron entry point: one instance, one hardened window, the API over IPC, clean shutdown.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, ipcMain, session } from 'electron';
import { connectEngine, type EngineConnection } from './engine-binding';
import { registerIpc } from './ipc';
import { isAppFrame } from './trust';
import {
  createMainWindow,
  hardenSession,
  hardenWebContents,
  registerAppScheme,
  rendererEntry,
  serveRenderer,
} from './window';

// Bundled as out/main/index.js beside out/preload and out/renderer.
const here = dirname(fileURLToPath(import.meta.url));
const preloadPath = join(here, '../preload/index.cjs');
const rendererDir = join(here, '../renderer');

let mainWindow: BrowserWindow | null = null;
let engine: EngineConnection | null = null;
let disposeIpc: (() => void) | null = null;

function openWindow(url: string): void {
  mainWindow = createMainWindow(preloadPath, url);
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

async function start(): Promise<void> {
  const entry = rendererEntry();
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, entry.origin));
  hardenSession(session.defaultSession, entry.csp);
  serveRenderer(rendererDir, entry.csp);

  engine = await connectEngine({ appName: app.getName(), version: app.getVersion() });
  disposeIpc = registerIpc({
    ipcMain,
    handlers: engine.handlers,
    ...(engine.events ? { events: engine.events } : {}),
    isTrustedSender: (frame, sender) => isAppFrame(frame, sender, entry.origin),
    targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  });
  openWindow(entry.url);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow(entry.url);
  });
}

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the workspace (and its SQLite database): hand over and leave.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closing = false;
  app.on('will-quit', (event) => {
    if (closing || !engine) return;
    // Let the engine finish (cancel running jobs, close the database) before exiting.
    event.preventDefault();
    closing = true;
    disposeIpc?.();
    const current = engine;
    engine = null;
    current
      .close()
      .catch((error: unknown) => console.error('engine shutdown failed', error))
      .finally(() => app.quit());
  });
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      console.error('dsa110-contimg failed to start', error);
      app.exit(1);
    });
}
