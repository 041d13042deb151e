// The import graph of src/, read from the sources with the TypeScript compiler's pre-processor
// (static imports, `import type`, re-exports and require() calls alike: a type-only import is
// still a dependency a reader has to follow).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const SRC = path.resolve(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return d.name.endsWith('.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null; // a package
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (candidate.startsWith(SRC) && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null; // outside src/ (schemas/*.json, package.json)
}

/** src-relative module path → the src-relative modules it imports. */
export function moduleGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const deps = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      const target = resolveImport(file, fileName);
      if (target && target !== file) deps.add(path.relative(SRC, target));
    }
    graph.set(path.relative(SRC, file), deps);
  }
  return graph;
}

/** The folder of a module: its first path segment under src/, or the file's own name at the top. */
export function folderOf(module: string): string {
  const parts = module.split(path.sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.ts$/, '');
}

/** folder → the other folders its modules import. */
export function folderGraph(modules: Map<string, Set<string>>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [m, deps] of modules) {
    const from = folderOf(m);
    const out = graph.get(from) ?? new Set<string>();
    for (const d of deps) if (folderOf(d) !== from) out.add(folderOf(d));
    graph.set(from, out);
  }
  return graph;
}

/** One cycle of the graph as a path a → … → a, or null when it has none. */
export function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of [...graph.keys()].sort()) {
    if (!state.has(n)) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return null;
}
