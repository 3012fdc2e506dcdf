// The import graph of a source tree, read with the TypeScript compiler API (so `import type`,
// `export ... from`, `import()` in values and in types, and `require` all count), module
// specifiers resolved as the compiler resolves them, and the import cycles in it.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** The importing file and the imported one (absolute paths). */
  from: string;
  to: string;
  /** As written. */
  specifier: string;
  line: number;
  /** `import type`, `export type`, an import with only `type` names, or `import('x')` in a type. */
  typeOnly: boolean;
}

export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** The compiler options of a tsconfig file (for module resolution). */
export function compilerOptionsOf(tsconfig: string): ts.CompilerOptions {
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
  if (read.error) throw new Error(`${tsconfig}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  return ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(tsconfig)).options;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return (
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

/** Every import of every file, resolved to the files of the same set (packages and outside files left out). */
export function importEdges(files: string[], options: ts.CompilerOptions): ImportEdge[] {
  const inSet = new Set(files.map((f) => path.resolve(f)));
  const host = ts.createCompilerHost(options);
  const cache = ts.createModuleResolutionCache(ts.sys.getCurrentDirectory(), (f) => f, options);
  const edges: ImportEdge[] = [];
  for (const file of inSet) {
    const text = ts.sys.readFile(file);
    if (text === undefined) throw new Error(`${file}: cannot be read`);
    const sf = ts.createSourceFile(
      file,
      text,
      ts.ScriptTarget.Latest,
      true,
      file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
    );
    const add = (spec: ts.Node, typeOnly: boolean) => {
      if (!ts.isStringLiteralLike(spec)) return;
      const resolved = ts.resolveModuleName(spec.text, file, options, host, cache).resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport) return;
      const to = path.resolve(resolved.resolvedFileName);
      if (!inSet.has(to)) return;
      edges.push({
        from: file,
        to,
        specifier: spec.text,
        line: sf.getLineAndCharacterOfPosition(spec.getStart(sf)).line + 1,
        typeOnly,
      });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, isTypeOnlyImport(node));
      else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node.moduleSpecifier, node.isTypeOnly);
      else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
        add(node.moduleReference.expression, node.isTypeOnly);
      else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
      else if (
        ts.isCallExpression(node) &&
        node.arguments[0] !== undefined &&
        (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
          (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
      ) {
        add(node.arguments[0], false);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return edges;
}

export interface ImportCycle {
  /** Every file of the knot (a strongly connected component), sorted. */
  files: string[];
  /** One closed path of imports through it, from its first file back to it. */
  path: ImportEdge[];
}

/**
 * The import cycles: one per strongly connected component of more than one file (or a file that
 * imports itself). Empty when the graph is acyclic.
 */
export function importCycles(edges: ImportEdge[]): ImportCycle[] {
  const out = new Map<string, ImportEdge[]>();
  for (const e of edges) {
    const list = out.get(e.from) ?? [];
    list.push(e);
    out.set(e.from, list);
  }
  // Tarjan's strongly connected components, iteratively (deep graphs must not overflow the stack).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1]!;
      const succ = out.get(top.node) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++]!.to;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.node);
        components.push(comp);
      }
    }
  }
  const cycles: ImportCycle[] = [];
  for (const comp of components) {
    const members = new Set(comp);
    const files = [...comp].sort();
    const start = files[0]!;
    const self = (out.get(start) ?? []).find((e) => e.to === start);
    if (comp.length === 1) {
      if (self) cycles.push({ files, path: [self] });
      continue;
    }
    // A shortest way back to the start inside the component (breadth first): one concrete cycle.
    const via = new Map<string, ImportEdge>();
    const queue = [start];
    while (queue.length && !via.has(start)) {
      const n = queue.shift()!;
      for (const e of out.get(n) ?? []) {
        if (!members.has(e.to) || via.has(e.to)) continue;
        via.set(e.to, e);
        queue.push(e.to);
      }
    }
    const cycle: ImportEdge[] = [];
    for (let e = via.get(start); e !== undefined; e = e.from === start ? undefined : via.get(e.from)) cycle.unshift(e);
    cycles.push({ files, path: cycle });
  }
  return cycles.sort((a, b) => a.files[0]!.localeCompare(b.files[0]!));
}

/** A cycle as people read it: `a.ts -> b.ts (a.ts:3 "./b") -> a.ts (...)`, paths relative to `root`. */
export function describeCycle(cycle: ImportCycle, root: string): string {
  const rel = (f: string) => path.relative(root, f);
  const steps = cycle.path.map(
    (e) => `-> ${rel(e.to)} (${rel(e.from)}:${e.line} "${e.specifier}"${e.typeOnly ? ', type-only' : ''})`,
  );
  const more =
    cycle.files.length > cycle.path.length
      ? ` [${cycle.files.length} files in this knot: ${cycle.files.map(rel).join(', ')}]`
      : '';
  return `${rel(cycle.path[0]!.from)} ${steps.join(' ')}${more}`;
}
