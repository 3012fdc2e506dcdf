// A job is a DAG of stage instances; this checks the graph and orders it.
import type { JsonObject } from '../../../shared/model/common';
import { StageId } from '../../../shared/model/jobs';

export interface StageInstance {
  /** Unique within the job. */
  id: string;
  /** Name of a registered stage. */
  stage: string;
  params: JsonObject;
  /** Ids of stages that must finish first. */
  deps: string[];
}

export class JobGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobGraphError';
  }
}

/**
 * Check ids are well-formed and unique, dependencies exist and there is no cycle; returns the
 * instances in a topological order that keeps the declaration order where it can (Kahn).
 */
export function topoOrder(what: string, nodes: readonly StageInstance[]): StageInstance[] {
  const byId = new Map<string, StageInstance>();
  for (const n of nodes) {
    if (!StageId.safeParse(n.id).success)
      throw new JobGraphError(`${what}: stage id ${JSON.stringify(n.id)} is not a valid id ([A-Za-z0-9_.:-], max 100)`);
    if (byId.has(n.id)) throw new JobGraphError(`${what}: stage id ${n.id} is used twice`);
    byId.set(n.id, n);
  }
  for (const n of nodes) {
    for (const d of n.deps) {
      if (!byId.has(d)) throw new JobGraphError(`${what}: stage ${n.id} depends on ${d}, which is not in the job`);
      if (d === n.id) throw new JobGraphError(`${what}: stage ${n.id} depends on itself`);
    }
  }
  const indeg = new Map(nodes.map((n) => [n.id, new Set(n.deps).size]));
  const order: StageInstance[] = [];
  const done = new Set<string>();
  while (order.length < nodes.length) {
    const next = nodes.find((n) => !done.has(n.id) && indeg.get(n.id) === 0);
    if (!next) {
      const left = nodes.filter((n) => !done.has(n.id)).map((n) => n.id);
      throw new JobGraphError(`${what}: the stage graph has a cycle among ${left.join(', ')}`);
    }
    order.push(next);
    done.add(next.id);
    for (const n of nodes) if (!done.has(n.id) && n.deps.includes(next.id)) indeg.set(n.id, (indeg.get(n.id) ?? 0) - 1);
  }
  return order;
}
