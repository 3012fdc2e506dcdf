// How CLI commands reach the engine: one Engine per invocation, opened with the configuration and
// logger the CLI already resolved, and API calls whose errors become CLI exit codes.
import {
  ApiError,
  validateInput,
  validateOutput,
  type RequestArgs,
  type RequestName,
  type RequestOutput,
} from '../../../shared/api';
import { createApiHandlers } from '../../engine/api';
import { Engine } from '../../engine/engine';
import { appInfo } from '../app-info';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { onInterrupt } from '../signals';

const sessions = new WeakMap<CliContext, Promise<Engine>>();

/** The invocation's engine, opened on first use; `closeEngine` (or `withEngine`) closes it. */
export function engineFor(ctx: CliContext): Promise<Engine> {
  let session = sessions.get(ctx);
  if (!session) {
    const { name, version } = appInfo();
    session = Engine.open({ config: ctx.config(), logger: ctx.logger(), app: { name, version, runtime: 'node' } });
    sessions.set(ctx, session);
    // SIGINT/SIGTERM: the jobs running here stop at their next safe point, recorded as interrupted.
    void session.then(
      (engine) => onInterrupt((sig) => engine.interrupt(sig)),
      () => undefined,
    );
  }
  return session;
}

export async function closeEngine(ctx: CliContext): Promise<void> {
  const session = sessions.get(ctx);
  if (!session) return;
  sessions.delete(ctx);
  await (await session).close();
}

/** Run `fn` with the invocation's engine and close it afterwards, also on failure. */
export async function withEngine<T>(ctx: CliContext, fn: (engine: Engine) => Promise<T> | T): Promise<T> {
  try {
    return await fn(await engineFor(ctx));
  } finally {
    await closeEngine(ctx);
  }
}

export interface CallLabels {
  /** The command as the user typed it, e.g. "jobs show", to start every message with. */
  command: string;
  /** Contract field -> the option or argument that sets it, e.g. { decDeg: '--dec' }. */
  flags?: Record<string, string>;
}

/** `request "x": ...` / `invalid input for request "x": field "f": ...` in the user's terms. */
function cliMessage(message: string, labels: CallLabels): string {
  const body = message
    .replace(/^(invalid input for )?request "[^"]+": /, '')
    .replace(/field "([^"]+)"/g, (_m, field: string) => labels.flags?.[field] ?? field);
  return `${labels.command}: ${body}`;
}

/**
 * Call one API request in process, validated against the contract both ways (so the CLI shows
 * exactly what the desktop app would). Invalid input is a usage error (2); a missing or
 * conflicting object is a failure (1) with the engine's message.
 */
export async function callApi<K extends RequestName>(
  engine: Engine,
  channel: K,
  args: RequestArgs<K>,
  labels: CallLabels,
): Promise<RequestOutput<K>> {
  const handlers = createApiHandlers(engine);
  let input: unknown;
  try {
    input = validateInput(channel, args);
  } catch (err) {
    if (err instanceof ApiError) throw new UsageError(cliMessage(err.message, labels));
    throw err;
  }
  const controller = new AbortController();
  try {
    const handler = handlers[channel] as (
      i: unknown,
      c: { requestId: undefined; signal: AbortSignal },
    ) => Promise<unknown>;
    return validateOutput(channel, await handler(input, { requestId: undefined, signal: controller.signal }));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_found')
      throw new CliError(`${cliMessage(err.message, labels)} (database ${engine.paths.database})`);
    if (err instanceof ApiError && err.code === 'conflict') throw new CliError(cliMessage(err.message, labels));
    throw err;
  }
}
