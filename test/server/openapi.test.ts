// The OpenAPI document the server publishes: valid OpenAPI 3.1 (checked by an independent
// validator from npm), generated from the contract so every request appears with its input and
// output schema, every REST job route whose request exists, and the event stream.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NAMES, REQUEST_NAMES, isRequestName, requests } from '../../src/shared/api';
import { REST_ROUTES } from '../../src/main/server/routes';
import { startTestServer, type TestServer } from './helpers';

let s: TestServer;
let doc: Record<string, unknown>;
beforeAll(async () => {
  s = await startTestServer({ renderer: false });
  const r = await s.req('GET', '/api/openapi.json');
  expect(r.status).toBe(200);
  doc = r.body as Record<string, unknown>;
});
afterAll(async () => {
  await s?.stop();
});

type Op = {
  operationId: string;
  summary: string;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};

describe('GET /api/openapi.json', () => {
  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has every contract request, with its input and output schema from the contract', () => {
    const paths = doc.paths as Record<string, Record<string, Op>>;
    for (const name of REQUEST_NAMES) {
      const op = paths[`/api/rpc/${name}`]?.post;
      expect(op, name).toBeDefined();
      expect(op?.operationId).toBe(name);
      expect(op?.summary).toBe(requests[name].summary);
      // An object, or a union of objects (jobs.submit: one shape per job type).
      const input = op?.requestBody?.content['application/json']?.schema as
        | { type?: string; oneOf?: { type?: string }[]; anyOf?: { type?: string }[] }
        | undefined;
      const shapes = input?.type !== undefined ? [input] : [...(input?.oneOf ?? []), ...(input?.anyOf ?? [])];
      expect(shapes.length, name).toBeGreaterThan(0);
      for (const shape of shapes) expect(shape.type, name).toBe('object');
      const output = op?.responses['200']?.content?.['application/json']?.schema as {
        properties: { value: Record<string, unknown> };
      };
      expect(output.properties.value, name).toBeDefined();
      for (const code of ['400', '401', '413']) expect(op?.responses[code], `${name} ${code}`).toBeDefined();
    }
    // Strict inputs stay strict in the document.
    const list = paths['/api/rpc/jobs.list']?.post?.requestBody?.content['application/json']?.schema as {
      additionalProperties?: unknown;
      properties: Record<string, { maximum?: number }>;
    };
    expect(list.additionalProperties).toBe(false);
    expect(list.properties.limit?.maximum).toBe(500);
    // Read requests also as GET with query parameters.
    expect(paths['/api/rpc/jobs.list']?.get).toBeDefined();
    expect(paths['/api/rpc/products.approve']?.get).toBeUndefined();
  });

  it('has the REST job routes whose requests exist, the event stream and unique operation ids', () => {
    const paths = doc.paths as Record<string, Record<string, Op>>;
    for (const r of REST_ROUTES) {
      const op = paths[r.url.replace(':id', '{id}')]?.[r.method.toLowerCase()];
      if (isRequestName(r.channel)) expect(op, `${r.method} ${r.url}`).toBeDefined();
      else expect(op, `${r.method} ${r.url}`).toBeUndefined();
    }
    expect(paths['/api/events']?.get).toBeDefined();
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    for (const e of EVENT_NAMES) expect(schemas[`Event_${e.replace('.', '_')}`], e).toBeDefined();
    const opIds = Object.values(paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(new Set(opIds).size).toBe(opIds.length);
    // Every $ref points at something that exists.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const target = ref.slice(8, -1).replace(/^#\//, '').split('/');
      let node: unknown = doc;
      for (const part of target) node = (node as Record<string, unknown>)[part];
      expect(node, ref).toBeDefined();
    }
  });
});
