// No import cycles in src/: the import graph (type-only imports included, since a type ties two
// modules together as much as a value does) read with the TypeScript compiler API, as the compiler
// resolves it. The detector is shown to find cycles on a fixture, and to pass an acyclic one.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilerOptionsOf, describeCycle, importCycles, importEdges, sourceFiles } from './import-graph';

const root = path.resolve(__dirname, '../..');
const options = compilerOptionsOf(path.join(root, 'tsconfig.base.json'));
const fixture = path.join(root, 'test', 'fixtures', 'import-cycle');

function cyclesIn(dir: string): string[] {
  return importCycles(importEdges(sourceFiles(dir), options)).map((c) => describeCycle(c, root));
}

describe('import cycles', () => {
  it('src/ has none', () => {
    const edges = importEdges(sourceFiles(path.join(root, 'src')), options);
    // The graph is really read: the engine facade's own imports are in it, type-only ones marked.
    const engineTs = path.join(root, 'src/main/engine/engine.ts');
    expect(edges.filter((e) => e.from === engineTs).map((e) => path.relative(root, e.to))).toContain(
      'src/main/engine/pipeline.ts',
    );
    expect(edges.some((e) => e.typeOnly)).toBe(true);
    expect(edges.length).toBeGreaterThan(500);
    expect(importCycles(edges).map((c) => describeCycle(c, root))).toEqual([]);
  });

  it('finds a cycle closed by a type-only import, and one closed by import() in a type', () => {
    const cycles = importCycles(importEdges(sourceFiles(fixture), options));
    const rel = (f: string) => path.relative(fixture, f);
    expect(cycles.map((c) => c.files.map(rel))).toEqual([
      ['a.ts', 'b.ts', 'c.ts'],
      ['d.ts', 'e.ts'],
    ]);
    const [abc, de] = cycles;
    expect(abc!.path.map((e) => [rel(e.from), rel(e.to), e.specifier, e.typeOnly])).toEqual([
      ['a.ts', 'b.ts', './b', false],
      ['b.ts', 'c.ts', './c.js', false],
      ['c.ts', 'a.ts', './a', true],
    ]);
    expect(de!.path.map((e) => [rel(e.from), rel(e.to), e.typeOnly])).toEqual([
      ['d.ts', 'e.ts', true],
      ['e.ts', 'd.ts', false],
    ]);
    expect(describeCycle(abc!, root)).toBe(
      'test/fixtures/import-cycle/a.ts -> test/fixtures/import-cycle/b.ts (test/fixtures/import-cycle/a.ts:2 "./b")' +
        ' -> test/fixtures/import-cycle/c.ts (test/fixtures/import-cycle/b.ts:2 "./c.js")' +
        ' -> test/fixtures/import-cycle/a.ts (test/fixtures/import-cycle/c.ts:2 "./a", type-only)',
    );
  });

  it('passes an acyclic graph (a diamond of value and type imports)', () => {
    const dir = path.join(fixture, 'acyclic');
    expect(importEdges(sourceFiles(dir), options)).toHaveLength(3);
    expect(cyclesIn(dir)).toEqual([]);
  });
});
