/**
 * `import()` of a module found at run time (a scenario's policy module,
 * DuckDB), in one place. The command line's bundles run from a V8 code cache
 * through `vm.Script` (bundle-loader.ts), where Node 20 cannot run `import()`
 * by itself; scripts/bundle.mjs swaps this module there for the loader's own
 * `import()`, which resolves a specifier as this module would.
 */
export function importModule(specifier: string): Promise<unknown> {
  return import(specifier);
}
