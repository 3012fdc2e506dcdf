// The OpenAPI 3.1 document of the server, generated from the contract's zod schemas (through
// zod 4's JSON Schema output), so it cannot drift from what the dispatcher validates.
import { EVENT_NAMES, API_ERROR_CODES, REQUEST_NAMES, type RequestName } from '../../shared/api';
import { eventSchema, requestSchemas, sharedDefinitions, type JsonSchema } from './schemas';
import { isReadRequest, REST_ROUTES } from './routes';

export interface OpenApiOptions {
  version: string;
  cookieName: string;
}

const ApiErrorSchema: JsonSchema = {
  type: 'object',
  required: ['code', 'channel', 'message'],
  properties: {
    code: { type: 'string', enum: [...API_ERROR_CODES, 'unauthorized', 'payload_too_large', 'unsupported_media_type'] },
    channel: { type: 'string', description: 'The request the error belongs to' },
    message: { type: 'string' },
    field: { type: 'string', description: 'Dotted path of the offending field, e.g. `params.outputDir`' },
  },
};

const errorRef = { $ref: '#/components/schemas/ApiFailure' };

function errorResponses(extra: Record<string, string> = {}): Record<string, unknown> {
  const described: Record<string, string> = {
    '400': 'Invalid input: `error.field` names the offending field; nothing was changed',
    '401': 'Missing or wrong access token',
    '404': 'No such object (or no such request)',
    '409': 'The object is in a state that does not allow this',
    '413': 'Request body larger than the limit',
    '415': 'Body is not JSON',
    '500': 'Engine failure',
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(described).map(([code, description]) => [
      code,
      { description, content: { 'application/json': { schema: errorRef } } },
    ]),
  );
}

function success(output: JsonSchema, description = 'Success'): Record<string, unknown> {
  return {
    description,
    content: {
      'application/json': {
        schema: { type: 'object', required: ['ok', 'value'], properties: { ok: { const: true }, value: output } },
      },
    },
  };
}

function queryParameters(
  input: JsonSchema,
  skip: ReadonlySet<string> = new Set(),
  aliases: Record<string, string> = {},
): unknown[] {
  const props = (input.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((input.required ?? []) as string[]);
  const byField = Object.fromEntries(Object.entries(aliases).map(([alias, field]) => [field, alias]));
  return Object.entries(props)
    .filter(([k]) => !skip.has(k))
    .map(([k, schema]) => ({
      name: byField[k] ?? k,
      in: 'query',
      required: required.has(k),
      schema,
      ...(schema.type === 'array' ? { style: 'form', explode: false } : {}),
      ...(byField[k] ? { description: `Sets \`${k}\`` } : {}),
    }));
}

export function buildOpenApi(opts: OpenApiOptions): JsonSchema {
  const schemas = requestSchemas();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const name of REQUEST_NAMES) {
    const s = schemas.get(name);
    if (!s) continue;
    const ops: Record<string, unknown> = {
      post: {
        operationId: name,
        summary: s.summary,
        tags: [name.split('.')[0]],
        requestBody: {
          required: false,
          description: `The input of \`${name}\` (fields with defaults may be left out)`,
          content: { 'application/json': { schema: s.input } },
        },
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', minLength: 1, maxLength: 200 },
            description: 'A retried request with the same key gets the first reply and changes nothing again',
          },
        ],
        responses: { '200': success(s.output), ...errorResponses() },
      },
    };
    if (isReadRequest(name)) {
      ops.get = {
        operationId: `${name}.get`,
        summary: `${s.summary} (input as query parameters; arrays comma-separated)`,
        tags: [name.split('.')[0]],
        parameters: queryParameters(s.input),
        responses: { '200': success(s.output), ...errorResponses() },
      };
    }
    paths[`/api/rpc/${name}`] = ops;
  }
  for (const r of REST_ROUTES) {
    const s = schemas.get(r.channel as RequestName);
    if (!s) continue; // the engine does not offer this request (yet)
    const oapiPath = r.url.replace(/:([a-zA-Z]+)/g, '{$1}');
    const idField = r.url.includes(':id') ? (s.fields.has('id') ? 'id' : 'jobId') : null;
    const parameters: unknown[] = idField
      ? [
          {
            name: 'id',
            in: 'path',
            required: true,
            schema: { type: 'string' },
            description: `The job id (sets \`${idField}\`)`,
          },
        ]
      : [];
    const op: Record<string, unknown> = {
      operationId: `rest.${r.method.toLowerCase()}.${r.url.replace(/[/:]+/g, '.').replace(/^\.|\.$/g, '')}`,
      summary: `${s.summary} (REST form of \`${r.channel}\`)`,
      tags: ['jobs'],
      responses: { [String(r.status ?? 200)]: success(s.output), ...errorResponses() },
    };
    if (r.method === 'GET') {
      parameters.push(...queryParameters(s.input, new Set(idField ? [idField] : []), r.aliases ?? {}));
    } else {
      const props = { ...((s.input.properties ?? {}) as Record<string, unknown>) };
      if (idField) delete props[idField];
      op.requestBody = {
        required: r.channel === 'jobs.submit',
        content: {
          'application/json': {
            schema: {
              ...s.input,
              properties: props,
              required: ((s.input.required ?? []) as string[]).filter((f) => f !== idField),
            },
          },
        },
      };
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 200 },
        description: 'Two requests with the same key start or change one thing',
      });
    }
    op.parameters = parameters;
    (paths[oapiPath] ??= {})[r.method.toLowerCase()] = op;
  }
  const eventSchemas = Object.fromEntries(EVENT_NAMES.map((e) => [`Event_${e.replace('.', '_')}`, eventSchema(e)]));
  paths['/api/events'] = {
    get: {
      operationId: 'events',
      summary:
        'Server-sent events: every engine event, with ids; reconnect with Last-Event-ID to receive what was missed, in order',
      description: `Event names: ${EVENT_NAMES.join(', ')} (payloads: components.schemas.Event_*), plus \`ready\` on connect and \`resync\` when the missed events are no longer kept (reload your state).`,
      parameters: [
        { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } },
        {
          name: 'lastEventId',
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description: 'The same, for clients that cannot set headers',
        },
      ],
      responses: {
        '200': {
          description: 'An endless text/event-stream',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        '401': errorResponses()['401'],
      },
    },
  };
  paths['/api/openapi.json'] = {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      responses: {
        '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'DSA-110 continuum imaging engine',
      version: opts.version,
      description:
        'Every request of the engine contract (POST /api/rpc/NAME with the input as JSON; read requests also as GET with query parameters), the job API (/api/jobs) and the event stream. Every route needs the workspace token: `Authorization: Bearer TOKEN` or the session cookie set by opening /?token=TOKEN.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The token in <workspace>/server-token' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: opts.cookieName,
          description: 'Set (HttpOnly, SameSite=Strict) by GET /?token=TOKEN or POST /login',
        },
      },
      schemas: {
        ApiError: ApiErrorSchema,
        ApiFailure: {
          type: 'object',
          required: ['ok', 'error'],
          properties: { ok: { const: false }, error: { $ref: '#/components/schemas/ApiError' } },
        },
        ...eventSchemas,
        ...sharedDefinitions(),
      },
    },
  };
}
