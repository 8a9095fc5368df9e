#!/usr/bin/env node
// `npm run build:wasm`: assembles src/host/frame-moves.wat (WebAssembly text) with wabt and writes
// its bytes to src/host/frame-moves-wasm.ts, which the code imports (no WebAssembly tool is needed
// to build or run balloonsim). test/host/frame-moves.test.ts fails if the two differ.
// `--check` writes nothing and exits 1 if the committed bytes are not the text's (it compares the
// bytes only, so that a tool that rewrites the file's comments, as mutation testing's sandbox does,
// does not fail it).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { base64InModuleSource, wasmModuleSource } from './lib/wasm.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}src/host/frame-moves-wasm.ts`;
const source = await wasmModuleSource(`${root}src/host/frame-moves.wat`);
if (process.argv.includes('--check')) {
  const same = base64InModuleSource(readFileSync(target, 'utf8')) === base64InModuleSource(source);
  if (!same) console.error('src/host/frame-moves-wasm.ts is not the assembly of src/host/frame-moves.wat: run `npm run build:wasm`');
  process.exit(same ? 0 : 1);
}
writeFileSync(target, source);
console.log(`wrote ${target}`);
