// Validation at the boundary: inputs, outputs and event payloads against the contract, with
// errors that name the channel and the offending field.
import type { z } from 'zod';
import { events, requests } from './contract';
import { ApiError, isEventName, isRequestName, type ApiErrorCode, type EventName, type RequestName } from './protocol';
import type { ApiEvents, RequestInput, RequestOutput } from './types';

type Issue = z.core.$ZodIssue;

/** `a.b[2].c` from a zod path; an unknown key reports the key itself. */
function fieldOf(issue: Issue): string {
  const path: PropertyKey[] = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  if (path.length === 0) return '(root)';
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function describeIssue(issue: Issue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

function toApiError(code: ApiErrorCode, channel: string, what: string, error: z.ZodError): ApiError {
  const first = error.issues[0];
  const field = first ? fieldOf(first) : '(root)';
  const details = error.issues
    .slice(0, 5)
    .map((i) => `field "${fieldOf(i)}": ${describeIssue(i)}`)
    .join('; ');
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return new ApiError({ code, channel, field, message: `${what} "${channel}": ${details}${more}` });
}

function unknownChannel(kind: 'request' | 'event', channel: unknown): ApiError {
  return new ApiError({
    code: 'invalid_input',
    channel: String(channel),
    field: '(channel)',
    message: `unknown ${kind} "${String(channel)}"; expected one of ${Object.keys(kind === 'request' ? requests : events).join(', ')}`,
  });
}

/** Parses a request input; throws an `ApiError` (`invalid_input`) naming channel and field. */
export function validateInput<K extends RequestName>(channel: K, input: unknown): RequestInput<K>;
export function validateInput(channel: string, input: unknown): unknown;
export function validateInput(channel: string, input: unknown): unknown {
  if (!isRequestName(channel)) throw unknownChannel('request', channel);
  const r = requests[channel].input.safeParse(input ?? {});
  if (!r.success) throw toApiError('invalid_input', channel, 'invalid input for request', r.error);
  return r.data;
}

/** Parses a handler's reply; a failure is a bug in the engine (`invalid_output`). */
export function validateOutput<K extends RequestName>(channel: K, output: unknown): RequestOutput<K> {
  const r = requests[channel].output.safeParse(output);
  if (!r.success) throw toApiError('invalid_output', channel, 'engine returned an invalid reply to request', r.error);
  return r.data as RequestOutput<K>;
}

/** Parses an event payload; throws naming the event and the field. */
export function validateEvent<E extends EventName>(event: E, payload: unknown): ApiEvents[E];
export function validateEvent(event: string, payload: unknown): unknown;
export function validateEvent(event: string, payload: unknown): unknown {
  if (!isEventName(event)) throw unknownChannel('event', event);
  const r = events[event].safeParse(payload);
  if (!r.success) throw toApiError('invalid_output', event, 'invalid payload for event', r.error);
  return r.data;
}
