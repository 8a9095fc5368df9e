/**
 * Checks the imports of src against the layering written in src/layers.ts:
 * every relative import (static, `export ... from`, dynamic `import('...')`,
 * type-only) must point to the same folder or down, and neither files nor
 * folders may import each other in a cycle. Works on file texts, so that a
 * test can feed it a made-up tree and see it fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import ts from 'typescript';

/** One import of one file: `from` and `to` are paths relative to src, `to` ending in .ts. */
export interface ImportEdge {
  from: string;
  to: string;
  /** As written in the file. */
  specifier: string;
  /** 1-based. */
  line: number;
}

export interface Layering {
  layers: ReadonlyArray<ReadonlyArray<string>>;
  inner: Readonly<Record<string, ReadonlyArray<ReadonlyArray<string>>>>;
}

/** A cycle the project knows about and has not removed yet: its members, and why it is still there. */
export interface KnownCycle {
  members: readonly string[];
  why: string;
}

export interface LayeringReport {
  /** Imports that point up or sideways, one line each naming the file and the import. */
  upward: string[];
  /** Unknown cycles between files, each as `a.ts -> b.ts -> a.ts`. */
  fileCycles: string[];
  /** Unknown cycles between folders. */
  folderCycles: string[];
  /** Known cycles that are gone: remove them from the list. */
  staleExceptions: string[];
}

/** Every .ts file under `srcDir`, as paths relative to it (with `/`) mapped to their text. */
export function readSources(srcDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(srcDir, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(srcDir);
  return files;
}

/** The relative imports of every file; an import that names no file of the tree is an error (it would not build either). */
export function importEdges(files: ReadonlyMap<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, text] of files) {
    const info = ts.preProcessFile(text, true, true);
    for (const imported of info.importedFiles) {
      const specifier = imported.fileName;
      if (!specifier.startsWith('.')) continue;
      const line = text.slice(0, imported.pos).split('\n').length;
      const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
      const candidates = [joined.replace(/\.js$/, '.ts'), `${joined}.ts`, `${joined}/index.ts`];
      const to = candidates.find((candidate) => files.has(candidate));
      if (to === undefined) throw new Error(`src/${from}:${line} imports ${JSON.stringify(specifier)}, which is no file under src`);
      edges.push({ from, to, specifier, line });
    }
  }
  return edges;
}

const folderOf = (file: string): string => posix.dirname(file);

/** Where a file sits: its rank among LAYERS (the entry files on top), and its rank inside its folder. */
function placeOf(file: string, layering: Layering): { top: string; rank: number; innerRank: number } | string {
  const parts = file.split('/');
  if (parts.length === 1) return { top: '', rank: layering.layers.length, innerRank: 0 };
  const top = parts[0]!;
  const rank = layering.layers.findIndex((layer) => layer.includes(top));
  if (rank < 0) return `src/${top} is in no layer: add it to src/layers.ts`;
  const inner = layering.inner[top];
  let innerRank = 0;
  if (inner !== undefined && parts.length > 2) {
    const index = inner.findIndex((layer) => layer.includes(parts[1]!));
    if (index < 0) return `src/${top}/${parts[1]} is in no layer of src/${top}: add it to INNER_LAYERS in src/layers.ts`;
    innerRank = index + 1;
  }
  return { top, rank, innerRank };
}

function upwardImports(edges: readonly ImportEdge[], layering: Layering): string[] {
  const problems: string[] = [];
  for (const edge of edges) {
    const from = placeOf(edge.from, layering);
    const to = placeOf(edge.to, layering);
    const where = `src/${edge.from}:${edge.line} imports '${edge.specifier}' (src/${edge.to})`;
    if (typeof from === 'string' || typeof to === 'string') {
      problems.push(`${where}: ${typeof from === 'string' ? from : to}`);
      continue;
    }
    if (from.top === to.top) {
      if (to.innerRank > from.innerRank) problems.push(`${where}: inside src/${from.top}, ${folderOf(edge.from)} may not import ${folderOf(edge.to)}, which is above it`);
      else if (to.innerRank === from.innerRank && to.innerRank > 0 && edge.from.split('/')[1] !== edge.to.split('/')[1]) {
        problems.push(`${where}: inside src/${from.top}, ${folderOf(edge.from)} and ${folderOf(edge.to)} sit side by side`);
      }
      continue;
    }
    if (to.rank > from.rank) problems.push(`${where}: src/${from.top} may not import src/${to.top}, which is above it`);
    else if (to.rank === from.rank) problems.push(`${where}: src/${from.top} and src/${to.top} sit side by side and never import each other`);
  }
  return problems;
}

/** Strongly connected components with more than one member (Tarjan), members and components in a stable order. */
export function cyclesOf(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One loop through a component, for the message: `a -> b -> a`. */
function loopThrough(component: readonly string[], graph: ReadonlyMap<string, ReadonlySet<string>>): string {
  const members = new Set(component);
  const start = component[0]!;
  // Breadth-first from start back to start, inside the component.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start].join(' -> ');
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return component.join(', ');
}

function graphOf(pairs: Iterable<[string, string]>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [from, to] of pairs) {
    if (from === to) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  return graph;
}

const sameMembers = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().every((member, i) => member === [...b].sort()[i]);

/** Checks a tree of sources; `known` lists the cycles not yet removed (files as `src/...`, folders as `src/...`). */
export function checkLayering(files: ReadonlyMap<string, string>, layering: Layering, known: readonly KnownCycle[] = []): LayeringReport {
  const edges = importEdges(files);
  const used = new Set<KnownCycle>();
  const unknown = (component: readonly string[]): boolean => {
    const match = known.find((cycle) => sameMembers(cycle.members, component));
    if (match !== undefined) used.add(match);
    return match === undefined;
  };
  const fileGraph = graphOf(edges.map((edge) => [`src/${edge.from}`, `src/${edge.to}`]));
  const folderGraph = graphOf(edges.map((edge) => [`src/${folderOf(edge.from)}`, `src/${folderOf(edge.to)}`]));
  const fileCycles = cyclesOf(fileGraph).filter(unknown).map((component) => `files import each other in a circle: ${loopThrough(component, fileGraph)}`);
  const folderCycles = cyclesOf(folderGraph).filter(unknown).map((component) => `folders import each other in a circle: ${loopThrough(component, folderGraph)}`);
  const staleExceptions = known.filter((cycle) => !used.has(cycle)).map((cycle) => `the known cycle ${cycle.members.join(', ')} is gone: remove it from the known exceptions`);
  return { upward: upwardImports(edges, layering), fileCycles, folderCycles, staleExceptions };
}
