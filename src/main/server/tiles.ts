// The image viewer's HTTP routes (binary, outside the JSON contract): what a product or image
// offers to view, each plane's pyramid description (with its WCS, beam, unit, display limits and
// header), float32 tiles, and exact pixel values. Under /api, so the token hook guards them.
//
//   GET /api/view/:kind/:id                           planes, product, provenance
//   GET /api/view/:kind/:id/:plane/meta               builds the pyramid when missing
//   GET /api/view/:kind/:id/:plane/tile/:level/:tx/:ty  256 x 256 float32 LE, row 0 at the bottom
//   GET /api/view/:kind/:id/pixel?x=&y=               exact values of every plane (0-based pixel)
import type { FastifyInstance, FastifyReply } from 'fastify';
import { restoringBeamFromHeader, skyGridFromHeader, type FitsValue } from '../engine/fits';
import { PLANES, TileError, type Plane, type TileService, type TileSourceKind } from '../engine/tiles/service';

function fail(reply: FastifyReply, status: number, channel: string, message: string) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ ok: false, error: { code: status === 404 ? 'not_found' : 'invalid_input', channel, message } });
}

function kindOf(k: string): TileSourceKind | null {
  return k === 'product' || k === 'image' ? k : null;
}

function planeOf(p: string): Plane | null {
  return (PLANES as readonly string[]).includes(p) ? (p as Plane) : null;
}

export function registerTileRoutes(app: FastifyInstance, tiles: TileService): void {
  const guard = async <T>(reply: FastifyReply, channel: string, f: () => Promise<T> | T) => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof TileError) return fail(reply, e.status, channel, e.message);
      return fail(reply, 422, channel, e instanceof Error ? e.message : String(e));
    }
  };

  app.get('/api/view/:kind/:id', async (request, reply) => {
    const { kind, id } = request.params as { kind: string; id: string };
    const k = kindOf(kind);
    if (!k) return fail(reply, 404, 'view', `unknown source kind ${kind} (expected product or image)`);
    return guard(reply, 'view', () => {
      const src = tiles.source(k, id);
      return reply.header('cache-control', 'no-store').send({
        ok: true,
        value: {
          kind: src.kind,
          id: src.id,
          label: src.label,
          planes: PLANES.filter((p) => src.files[p] !== undefined),
          files: src.files,
          product: src.product,
          provenance: src.provenance,
        },
      });
    });
  });

  app.get('/api/view/:kind/:id/pixel', async (request, reply) => {
    const { kind, id } = request.params as { kind: string; id: string };
    const q = request.query as Record<string, string | undefined>;
    const k = kindOf(kind);
    if (!k) return fail(reply, 404, 'view.pixel', `unknown source kind ${kind}`);
    const x = Number(q.x);
    const y = Number(q.y);
    if (!Number.isInteger(x) || !Number.isInteger(y))
      return fail(reply, 400, 'view.pixel', 'x and y must be integers (0-based pixel)');
    return guard(reply, 'view.pixel', () =>
      reply
        .header('cache-control', 'no-store')
        .send({ ok: true, value: { x, y, values: tiles.pixel(tiles.source(k, id), x, y) } }),
    );
  });

  app.get('/api/view/:kind/:id/:plane/meta', async (request, reply) => {
    const { kind, id, plane } = request.params as { kind: string; id: string; plane: string };
    const k = kindOf(kind);
    const p = planeOf(plane);
    if (!k || !p) return fail(reply, 404, 'view.meta', `unknown source ${kind} or plane ${plane}`);
    return guard(reply, 'view.meta', async () => {
      const src = tiles.source(k, id);
      const info = await tiles.pyramid(src, p);
      const kw = new Map<string, FitsValue>();
      for (const c of info.header) if (c.value !== undefined && !kw.has(c.keyword)) kw.set(c.keyword, c.value);
      let grid = null;
      let gridError: string | null = null;
      try {
        grid = skyGridFromHeader(kw, info.file);
      } catch (e) {
        gridError = e instanceof Error ? e.message : String(e);
      }
      const bunit = kw.get('BUNIT');
      return reply.header('cache-control', 'no-store').send({
        ok: true,
        value: {
          plane: p,
          file: info.file,
          nx: info.nx,
          ny: info.ny,
          tile: info.tile,
          levels: info.levels,
          stats: info.stats,
          buildMs: info.buildMs,
          header: info.header,
          grid,
          gridError,
          beam: restoringBeamFromHeader(kw),
          bunit: typeof bunit === 'string' ? bunit : null,
        },
      });
    });
  });

  app.get('/api/view/:kind/:id/:plane/tile/:level/:tx/:ty', async (request, reply) => {
    const t0 = performance.now();
    const { kind, id, plane, level, tx, ty } = request.params as Record<string, string>;
    const k = kindOf(kind ?? '');
    const p = planeOf(plane ?? '');
    const [l, x, y] = [Number(level), Number(tx), Number(ty)];
    if (!k || !p || !Number.isInteger(l) || !Number.isInteger(x) || !Number.isInteger(y))
      return fail(reply, 404, 'view.tile', `no tile ${request.url}`);
    return guard(reply, 'view.tile', async () => {
      const buf = await tiles.tile(tiles.source(k, id ?? ''), p, l, x, y);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('cache-control', 'private, max-age=3600')
        .header('server-timing', `tile;dur=${(performance.now() - t0).toFixed(2)}`)
        .send(buf);
    });
  });
}
