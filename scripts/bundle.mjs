#!/usr/bin/env node
// `npm run build` (after tsc): bundles the compiled command line and the worker entry it starts into
// one file each, and gives each a V8 code cache.
//
// - dist/bundle/cli.cjs and dist/bundle/worker-entry.cjs (esbuild): a process or worker then reads one
//   file instead of about 200 modules (about 0.2 s of CPU less per process here). They are CommonJS so
//   that they can run from a code cache (src/util/bundle-loader.ts says why).
// - dist/bundle/cli.js and dist/bundle/worker-entry.js: two-line ES modules that run them through
//   the loader. bin/balloonsim.js imports cli.js; the bundled CLI starts ./worker-entry.js beside itself
//   (worker-placement.ts), so the paths the code finds from its own place (package.json, assets/) hold.
// - dist/bundle/*.cjs.cache: the bytecode of the functions a run compiles, recorded by warm-up runs:
//   the built-in scenario inline, examples/drivers.yaml (the four drivers, file pages, swap) inline,
//   then examples/drivers.yaml on one worker (which hosts all four guests). Each run starts from the
//   cache so far and writes it again with what it compiled too. A cache V8 does not accept (another
//   Node) is ignored; the build goes on without one if a warm-up fails.
//
// - dist/bundle/sweep-worker.cjs: what a sweep's thread runs (dist/sweep/sweep-worker.js, rewritten
//   the same way; sweep-thread.cjs imports it). It has no code cache: its threads are ended without warning.
// - dist/bundle/index.cjs: the library (tsc's dist/index.js and what it imports), and dist/index.js
//   rewritten as a short ES module that runs it through the loader and exports its names: code in one
//   module runs faster than the same code in two hundred (dense-64 inline through the command line's
//   bundle took 0.87 of the time of tsc's modules, docs/benchmarks.md), and library users run the same
//   scenarios. Its declarations (dist/index.d.ts) stay as tsc wrote them; its cache is recorded by a
//   warm-up run of the built-in scenario through the library.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Puts the loader's import() (a parameter of the bundle's wrapper, src/util/bundle-loader.ts) in place of util/import-module.js. */
function loaderImport() {
  return {
    name: 'loader-import',
    setup(plugin) {
      plugin.onResolve({ filter: /\/util\/import-module\.js$/ }, () => ({ path: 'import-module', namespace: 'loader-import' }));
      plugin.onLoad({ filter: /.*/, namespace: 'loader-import' }, () => ({ contents: 'export const importModule = (specifier) => __bundleImport(specifier);', loader: 'js' }));
    },
  };
}
const entries = { cli: 'dist/cli/main.js', 'worker-entry': 'dist/runtime/worker-entry.js', index: 'dist/index.js', 'sweep-worker': 'dist/sweep/sweep-worker.js' };
// The library's names, read from tsc's module before it is replaced by the one that runs the bundle.
const libraryNames = Object.keys(await import(pathToFileURL(`${root}dist/index.js`).href)).sort();

await build({
  absWorkingDir: root,
  entryPoints: entries,
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // Native code (DuckDB), a browser driver for the docs tools, and piscina (it finds its own worker file) stay packages.
  external: ['@duckdb/*', 'playwright-core', 'piscina'],
  // The sources are ES modules: strict mode (the directive must come first), and their own URL.
  define: { 'import.meta.url': '__bundleUrl' },
  // import() comes from the loader (src/util/import-module.ts says why).
  plugins: [loaderImport()],
  banner: { js: "'use strict';\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

/**
 * Writes `file` (under dist/) as a short ES module that runs a bundle through the loader: a comment, the
 * import of `runBundle` from the loader (`loader`, relative to `file`), then `line`. A source map tsc wrote
 * for the file no longer describes it, so it goes.
 */
function writeLoaderModule(file, comment, loader, line) {
  writeFileSync(`${root}${file}`, `// Written by scripts/bundle.mjs: ${comment} (src/util/bundle-loader.ts).\nimport { runBundle } from '${loader}';\n${line}\n`);
  rmSync(`${root}${file}.map`, { force: true });
}

const stubs = {
  cli: "export const { main } = runBundle(new URL('./cli.cjs', import.meta.url), 'exit').exports;",
  'worker-entry': "runBundle(new URL('./worker-entry.cjs', import.meta.url), 'control');",
};
for (const [name, line] of Object.entries(stubs)) writeLoaderModule(`dist/bundle/${name}.js`, `runs ${name}.cjs from its code cache`, '../util/bundle-loader.js', line);
writeLoaderModule(
  'dist/index.js',
  'the library runs from bundle/index.cjs and its code cache; its declarations are index.d.ts, as tsc wrote them',
  './util/bundle-loader.js',
  `export const {\n${libraryNames.map((name) => `  ${name},\n`).join('')}} = runBundle(new URL('./bundle/index.cjs', import.meta.url)).exports;`,
);
// A sweep's threads import dist/sweep/sweep-worker.js (through sweep-thread.cjs): it runs its bundle too.
writeLoaderModule(
  'dist/sweep/sweep-worker.js',
  "a sweep thread runs its cases from ../bundle/sweep-worker.cjs, as the command line and the library run theirs",
  '../util/bundle-loader.js',
  "export default runBundle(new URL('../bundle/sweep-worker.cjs', import.meta.url)).exports.default;",
);

// The warm-up runs that record the caches.
for (const name of Object.keys(entries)) rmSync(`${root}dist/bundle/${name}.cjs.cache`, { force: true });
const warmUps = [
  ['--placement', 'inline'],
  ['examples/drivers.yaml', '--placement', 'inline'],
  ['examples/drivers.yaml', '--workers', '1'],
];
for (const args of warmUps) {
  const run = spawnSync(process.execPath, [`${root}bin/balloonsim.js`, 'run', ...args, '--quiet'], {
    cwd: root,
    env: { ...process.env, BALLOONSIM_RECORD_CODE_CACHE: '1' },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    console.warn(`bundle: the warm-up run (${args.join(' ')}) failed, so the code cache may be missing (slower starts, same results):\n${run.stderr}`);
  }
}
const libraryWarmUp = spawnSync(
  process.execPath,
  ['--input-type=module', '-e', `import { defaultScenario, simulate } from ${JSON.stringify(pathToFileURL(`${root}dist/index.js`).href)}; await simulate(defaultScenario(), { placement: 'inline' });`],
  { cwd: root, env: { ...process.env, BALLOONSIM_RECORD_CODE_CACHE: '1' }, encoding: 'utf8' },
);
if (libraryWarmUp.status !== 0) {
  console.warn(`bundle: the library's warm-up run failed, so its code cache may be missing (slower starts, same results):\n${libraryWarmUp.stderr}`);
}
