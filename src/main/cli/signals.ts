// SIGINT and SIGTERM for one CLI invocation: the first one asks the running work to stop at its
// next safe point (jobs are recorded interrupted and resumable, partial outputs are removed);
// a second one exits at once (what a restart cleans up is left behind).
import { CliError } from './errors';

/** Exit codes of a command stopped by a signal (128 + signal number, as shells report). */
export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

let controller = new AbortController();
let received: 'SIGINT' | 'SIGTERM' | null = null;
let normalStop = false;
const hooks = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();

/** Aborted when the invocation receives SIGINT or SIGTERM. */
export function interruptSignal(): AbortSignal {
  return controller.signal;
}

/** The signal received, if any (none for a service whose normal stop it is: stopSignalsAreNormal). */
export function interruptedBy(): 'SIGINT' | 'SIGTERM' | null {
  return normalStop ? null : received;
}

/**
 * For a service (`dsa110 stream`), SIGINT/SIGTERM is the normal way to stop: once it has stopped
 * cleanly the invocation exits 0, not 130/143. A second signal still exits at once.
 */
export function stopSignalsAreNormal(): void {
  normalStop = true;
}

/** Call `fn` on the first SIGINT/SIGTERM (at once if one already came); returns the unsubscribe. */
export function onInterrupt(fn: (signal: 'SIGINT' | 'SIGTERM') => void): () => void {
  if (received) fn(received);
  hooks.add(fn);
  return () => hooks.delete(fn);
}

/** A command's failure because it was interrupted: exit 130 / 143. */
export class InterruptedError extends CliError {
  constructor(message: string, signal: 'SIGINT' | 'SIGTERM') {
    super(message, SIGNAL_EXIT[signal]);
    this.name = 'InterruptedError';
  }
}

/** Throw an InterruptedError naming `what` if a signal came. */
export function throwIfInterrupted(what: string): void {
  if (received) throw new InterruptedError(`${what} interrupted by ${received}; partial outputs removed`, received);
}

/** Install the handlers for one invocation; returns their removal. */
export function installSignalHandlers(write: (s: string) => void): () => void {
  controller = new AbortController();
  received = null;
  normalStop = false;
  const handler = (sig: 'SIGINT' | 'SIGTERM') => {
    if (received) {
      write(`dsa110: second ${sig}: exiting now; run the command again (or dsa110 doctor) to clean up\n`);
      process.exit(SIGNAL_EXIT[sig]);
    }
    received = sig;
    write(`dsa110: ${sig}: stopping at the next safe point (send it again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${sig}`));
    for (const h of hooks) {
      try {
        h(sig);
      } catch {
        // A hook that fails must not stop the others.
      }
    }
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    hooks.clear();
  };
}
