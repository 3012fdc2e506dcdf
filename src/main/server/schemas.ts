// JSON Schemas of the contract (zod 4's toJSONSchema), computed once: for the OpenAPI document,
// for coercing query strings to the types a request expects, and for knowing a request's fields.
import { z } from 'zod';
import { EVENT_NAMES, events, requests, REQUEST_NAMES, type EventName, type RequestName } from '../../shared/api';

export type JsonSchema = Record<string, unknown>;

/** Definitions the schemas share (recursive types such as JSON values), by component name. */
const definitions: Record<string, JsonSchema> = {};

/**
 * One schema, standalone except for recursive parts: zod puts those under `$defs` with
 * `#/$defs/x` references; they move to the OpenAPI components (`label.x`) and the references follow.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', label: string): JsonSchema {
  const s = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    reused: 'inline',
  }) as JsonSchema;
  delete s.$schema;
  const defs = s.$defs as Record<string, JsonSchema> | undefined;
  delete s.$defs;
  if (!defs) return s;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] =
        k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
          ? `#/components/schemas/${label}.${v.slice(8)}`
          : rewrite(v);
    }
    return out;
  };
  for (const [key, def] of Object.entries(defs)) definitions[`${label}.${key}`] = rewrite(def) as JsonSchema;
  return rewrite(s) as JsonSchema;
}

/** The shared definitions referenced from request and event schemas (call after requestSchemas()). */
export function sharedDefinitions(): Record<string, JsonSchema> {
  requestSchemas();
  for (const e of EVENT_NAMES) eventSchema(e);
  return { ...definitions };
}

export interface RequestSchemas {
  input: JsonSchema;
  output: JsonSchema;
  summary: string;
  /** Top-level input fields. */
  fields: ReadonlySet<string>;
}

let cache: Map<RequestName, RequestSchemas> | null = null;

/** Every request's input and output schema, in contract order. */
export function requestSchemas(): Map<RequestName, RequestSchemas> {
  if (cache) return cache;
  const out = new Map<RequestName, RequestSchemas>();
  for (const name of REQUEST_NAMES) {
    const r = requests[name] as { input: z.ZodType; output: z.ZodType; summary: string };
    const input = toSchema(r.input, 'input', `${name}.input`);
    out.set(name, {
      input,
      output: toSchema(r.output, 'output', `${name}.output`),
      summary: r.summary,
      fields: new Set(Object.keys(propertiesOf(input))),
    });
  }
  cache = out;
  return out;
}

export function eventSchema(name: EventName): JsonSchema {
  return toSchema(events[name] as z.ZodType, 'output', `event.${name}`);
}

/** Top-level properties of an object schema, or of every alternative of a union (jobs.submit: one shape per job type). */
export function propertiesOf(schema: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = { ...((schema.properties ?? {}) as Record<string, unknown>) };
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list))
      for (const alt of list)
        if (typeof alt === 'object' && alt !== null) Object.assign(out, propertiesOf(alt as JsonSchema), out);
  }
  return out;
}

/** The JSON type a property accepts (first non-null type of a union), for query coercion. */
function typeOf(schema: unknown): { type: string; items?: unknown } | null {
  if (typeof schema !== 'object' || schema === null) return null;
  const s = schema as JsonSchema;
  if (typeof s.type === 'string' && s.type !== 'null') return { type: s.type, items: s.items };
  if (Array.isArray(s.type)) {
    const t = (s.type as unknown[]).find((x) => x !== 'null');
    if (typeof t === 'string') return { type: t, items: s.items };
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) {
      for (const alt of list) {
        const t = typeOf(alt);
        if (t) return t;
      }
    }
  }
  return null;
}

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function coerceScalar(value: string, type: string | undefined): unknown {
  if ((type === 'number' || type === 'integer') && NUMBER.test(value.trim())) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  // Anything else stays a string, so validation reports the field with what was expected.
  return value;
}

/**
 * A query string as a request input: numbers, booleans and arrays (repeated keys or
 * comma-separated) as the request's schema expects them. Unknown keys pass through, so the
 * contract's strict validation names them.
 */
export function coerceQuery(name: RequestName, query: Record<string, unknown>): Record<string, unknown> {
  const schemas = requestSchemas().get(name);
  const props = schemas ? propertiesOf(schemas.input) : {};
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    const t = typeOf(props[key]);
    const values = Array.isArray(raw) ? raw.map(String) : [String(raw)];
    if (t?.type === 'array') {
      const itemType = typeOf(t.items)?.type;
      out[key] = values
        .flatMap((v) => v.split(','))
        .filter((v) => v !== '')
        .map((v) => coerceScalar(v, itemType));
    } else {
      out[key] =
        values.length === 1 ? coerceScalar(values[0] ?? '', t?.type) : values.map((v) => coerceScalar(v, t?.type));
    }
  }
  return out;
}
