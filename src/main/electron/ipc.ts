// IPC wiring: one ipcMain.handle per contract request (sender checked, input validated, engine
// called through the shared dispatcher), the cancel channel, and engine events to the windows.
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import {
  ApiError,
  CANCEL_CHANNEL,
  CancelRegistry,
  REQUEST_NAMES,
  createDispatcher,
  eventChannel,
  requestChannel,
  validateEvent,
  type ApiEventSource,
  type ApiHandlers,
  type ApiResult,
} from '../../shared/api';

export interface IpcLog {
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
}

export interface IpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;
  /** The engine's implementation of every request. */
  handlers: ApiHandlers;
  /** The engine's events, forwarded to every target. */
  events?: ApiEventSource;
  /** True only for the app's own top-level frame (see `isAppFrame` in window.ts). */
  isTrustedSender(frame: WebFrameMain | null, sender: WebContents): boolean;
  /** The web contents that receive events (the app windows). */
  targets(): Iterable<WebContents>;
  log?: IpcLog;
}

const consoleLog: IpcLog = {
  warn: (m, d) => console.warn(m, d ?? ''),
  error: (m, d) => console.error(m, d ?? ''),
};

/** Registers the handlers; returns a function removing them all (for tests and shutdown). */
export function registerIpc(options: IpcOptions): () => void {
  const log = options.log ?? consoleLog;
  const dispatch = createDispatcher(options.handlers, {
    onServerError: (channel, error) => log.error(`request ${channel} failed in the engine`, error),
  });
  const cancels = new CancelRegistry();
  const watched = new Set<number>();

  const forget = (sender: WebContents) => {
    if (watched.has(sender.id)) return;
    watched.add(sender.id);
    sender.once('destroyed', () => {
      watched.delete(sender.id);
      cancels.cancelAll(String(sender.id));
    });
  };

  for (const name of REQUEST_NAMES) {
    options.ipcMain.handle(
      requestChannel(name),
      async (event: IpcMainInvokeEvent, envelope: unknown): Promise<ApiResult<unknown>> => {
        if (!options.isTrustedSender(event.senderFrame, event.sender)) {
          log.warn(`refused request ${name} from an untrusted frame`, event.senderFrame?.url ?? '(no frame)');
          return {
            ok: false,
            error: new ApiError({
              code: 'forbidden',
              channel: name,
              message: `request "${name}" refused: the sender is not the app's main frame`,
            }).toInfo(),
          };
        }
        forget(event.sender);
        const requestId =
          typeof envelope === 'object' && envelope !== null
            ? (envelope as { requestId?: unknown }).requestId
            : undefined;
        const { signal, end } = cancels.begin(
          String(event.sender.id),
          typeof requestId === 'string' ? requestId : undefined,
        );
        try {
          return await dispatch(name, envelope, signal);
        } finally {
          end();
        }
      },
    );
  }

  const onCancel = (event: IpcMainEvent, message: unknown) => {
    if (!options.isTrustedSender(event.senderFrame, event.sender)) return;
    const requestId =
      typeof message === 'object' && message !== null ? (message as { requestId?: unknown }).requestId : undefined;
    if (typeof requestId === 'string') cancels.cancel(String(event.sender.id), requestId);
  };
  options.ipcMain.on(CANCEL_CHANNEL, onCancel);

  const unsubscribe = options.events?.subscribe((event, payload) => {
    let checked: unknown;
    try {
      checked = validateEvent(event, payload);
    } catch (error) {
      // An invalid event is an engine bug: log it loudly, never forward it.
      log.error(`dropped invalid ${event} event`, error);
      return;
    }
    const channel = eventChannel(event);
    for (const target of options.targets()) {
      if (!target.isDestroyed()) target.send(channel, checked);
    }
  });

  return () => {
    for (const name of REQUEST_NAMES) options.ipcMain.removeHandler(requestChannel(name));
    options.ipcMain.removeListener(CANCEL_CHANNEL, onCancel);
    unsubscribe?.();
  };
}
