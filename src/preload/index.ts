// The sandboxed preload (built as CommonJS): exposes `window.dsa110`, the contract's named API
// and nothing else; names are checked here, inputs are validated again in main.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CANCEL_CHANNEL,
  eventChannel,
  isEventName,
  isRequestName,
  requestChannel,
  type ApiResult,
  type Dsa110Bridge,
  type RequestEnvelope,
} from '../shared/api/protocol';

const MAX_REQUEST_ID_LENGTH = 100;

const bridge: Dsa110Bridge = {
  invoke(channel, input, requestId) {
    if (!isRequestName(channel)) {
      const refused: ApiResult<unknown> = {
        ok: false,
        error: {
          code: 'invalid_input',
          channel: String(channel),
          field: '(channel)',
          message: `unknown request "${String(channel)}"`,
        },
      };
      return Promise.resolve(refused);
    }
    const envelope: RequestEnvelope = requestId === undefined ? { input } : { requestId, input };
    return ipcRenderer.invoke(requestChannel(channel), envelope) as Promise<ApiResult<unknown>>;
  },
  cancel(requestId) {
    if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > MAX_REQUEST_ID_LENGTH) return;
    ipcRenderer.send(CANCEL_CHANNEL, { requestId });
  },
  on(event, listener) {
    if (!isEventName(event)) throw new Error(`window.dsa110.on: unknown event "${String(event)}"`);
    if (typeof listener !== 'function') throw new Error(`window.dsa110.on("${event}"): listener must be a function`);
    const channel = eventChannel(event);
    // The IPC event object is dropped: it carries `sender`, i.e. ipcRenderer itself.
    const forward = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
};

contextBridge.exposeInMainWorld('dsa110', bridge);
