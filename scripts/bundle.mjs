#!/usr/bin/env node
// `npm run build` (after tsc): bundles the compiled command line and the worker entry it starts into
// one file each, dist/bundle/cli.js and dist/bundle/worker-entry.js. Each process or worker then
// reads and links one module instead of about 200 (about 0.2 s of CPU less per process here). The
// library (dist/index.js) stays as tsc wrote it. dist/bundle sits as deep as the other folders of
// dist/, so the paths the code finds from its own place (package.json, assets/) still hold, and the
// bundled CLI starts the bundled worker (worker-placement.ts: ./worker-entry.js beside itself).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'dist/cli/main.js', 'worker-entry': 'dist/runtime/worker-entry.js' },
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Native code (DuckDB), a browser driver for the docs tools, and piscina (it finds its own worker file) stay packages.
  external: ['@duckdb/*', 'playwright-core', 'piscina'],
  // Packages written as CommonJS call require(): give the ES module bundle one.
  banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
  logLevel: 'warning',
});
