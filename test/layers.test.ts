/**
 * The direction of imports in src (src/layers.ts): no import points up or
 * sideways, no files and no folders import each other in a circle. The
 * second half feeds the checker made-up trees to show that it fails.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INNER_LAYERS, LAYERS } from '../src/layers.js';
import { checkLayering, importEdges, readSources, type Layering } from './support/layering.js';

const layering: Layering = { layers: LAYERS, inner: INNER_LAYERS };

describe('the layering of src', () => {
  const sources = readSources(fileURLToPath(new URL('../src', import.meta.url)));
  // No known cycles: every cycle fails the check (checkLayering's `known` is there for a temporary exception, named with the work that removes it).
  const report = checkLayering(sources, layering);

  it('reads every import of every file', () => {
    const edges = importEdges(sources);
    // A sanity floor: the tree has well over a hundred files and a few hundred imports.
    expect(sources.size).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(500);
  });

  it('has no import that points up or sideways', () => {
    expect(report.upward).toEqual([]);
  });

  it('has no cycle between files', () => {
    expect(report.fileCycles).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(report.folderCycles).toEqual([]);
  });

  it('keeps src/messages on src/model and src/util alone', () => {
    const targets = importEdges(sources)
      .filter((edge) => edge.from.startsWith('messages/'))
      .map((edge) => edge.to.split('/')[0])
      .filter((folder) => folder !== 'messages');
    expect(new Set(targets)).toEqual(new Set(targets.filter((folder) => folder === 'model' || folder === 'util')));
  });
});

describe('the layering check itself', () => {
  const tree = (files: Record<string, string>): Map<string, string> => new Map(Object.entries(files));

  it('names the file and the import of an upward import, type-only included', () => {
    const report = checkLayering(
      tree({
        'model/a.ts': 'export type A = number;\n',
        'runtime/r.ts': 'export const r = 1;\n',
        'messages/m.ts': "import type { A } from '../model/a.js';\n\nimport type { R } from '../runtime/r.js';\nexport type M = A;\n",
      }),
      layering,
    );
    expect(report.upward).toEqual(["src/messages/m.ts:3 imports '../runtime/r.js' (src/runtime/r.ts): src/messages may not import src/runtime, which is above it"]);
  });

  it('sees dynamic imports and re-exports', () => {
    const report = checkLayering(
      tree({
        'util/u.ts': "export const load = () => import('../cli/c.js');\n",
        'model/m.ts': "export { c } from '../cli/c.js';\n",
        'cli/c.ts': 'export const c = 1;\n',
      }),
      layering,
    );
    expect(report.upward).toEqual([
      "src/util/u.ts:1 imports '../cli/c.js' (src/cli/c.ts): src/util may not import src/cli, which is above it",
      "src/model/m.ts:1 imports '../cli/c.js' (src/cli/c.ts): src/model may not import src/cli, which is above it",
    ]);
  });

  it('refuses imports between folders side by side, and up inside a folder', () => {
    const report = checkLayering(
      tree({
        'guest/g.ts': "import { h } from '../host/h.js';\nexport const g = h;\n",
        'host/h.ts': 'export const h = 1;\n',
        'host/device/d.ts': "import { m } from '../manager/m.js';\nexport const d = m;\n",
        'host/manager/m.ts': 'export const m = 1;\n',
      }),
      layering,
    );
    expect(report.upward).toEqual([
      "src/guest/g.ts:1 imports '../host/h.js' (src/host/h.ts): src/guest and src/host sit side by side and never import each other",
      "src/host/device/d.ts:1 imports '../manager/m.js' (src/host/manager/m.ts): inside src/host, host/device may not import host/manager, which is above it",
    ]);
  });

  it('refuses a folder that is in no layer', () => {
    const report = checkLayering(tree({ 'newthing/n.ts': "import { u } from '../util/u.js';\n", 'util/u.ts': 'export const u = 1;\n' }), layering);
    expect(report.upward).toEqual(["src/newthing/n.ts:1 imports '../util/u.js' (src/util/u.ts): src/newthing is in no layer: add it to src/layers.ts"]);
  });

  it('finds a cycle between files and between folders, and a known cycle that is gone', () => {
    const report = checkLayering(
      tree({
        'runtime/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
        'runtime/b.ts': "import type { C } from './free/c.js';\nexport type B = C;\n",
        'runtime/free/c.ts': "import type { A } from '../a.js';\nexport type C = A | 1;\n",
      }),
      layering,
      [{ members: ['src/guest/x.ts', 'src/guest/y.ts'], why: 'made up' }],
    );
    expect(report.upward).toEqual([]);
    expect(report.fileCycles).toEqual(['files import each other in a circle: src/runtime/a.ts -> src/runtime/b.ts -> src/runtime/free/c.ts -> src/runtime/a.ts']);
    expect(report.folderCycles).toEqual(['folders import each other in a circle: src/runtime -> src/runtime/free -> src/runtime']);
    expect(report.staleExceptions).toEqual(['the known cycle src/guest/x.ts, src/guest/y.ts is gone: remove it from the known exceptions']);
  });

  it('accepts a known cycle', () => {
    const files = tree({ 'runtime/a.ts': "import './b.js';\n", 'runtime/b.ts': "import './a.js';\n" });
    expect(checkLayering(files, layering, [{ members: ['src/runtime/b.ts', 'src/runtime/a.ts'], why: 'made up' }]).fileCycles).toEqual([]);
    expect(checkLayering(files, layering).fileCycles).toEqual(['files import each other in a circle: src/runtime/a.ts -> src/runtime/b.ts -> src/runtime/a.ts']);
  });
});
