// Who may talk to the engine: only the app's own top-level frame at the app's origin.
// Kept free of electron runtime imports so it is testable under plain Node.
import type { WebContents, WebFrameMain } from 'electron';

/**
 * `scheme://host[:port]` of a URL. Node's URL reports origin "null" for custom schemes such as
 * app://, so the origin is rebuilt from protocol and host; null for unparsable URLs.
 */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}

/** True for the app's own top-level frame at the app's origin: the only trusted IPC sender. */
export function isAppFrame(frame: WebFrameMain | null, sender: WebContents, origin: string): boolean {
  if (!frame || frame !== sender.mainFrame) return false;
  return originOf(frame.url) === origin;
}
