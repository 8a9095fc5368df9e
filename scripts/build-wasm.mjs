#!/usr/bin/env node
// `npm run build:wasm`: assembles each WebAssembly text file below with wabt and writes its bytes
// to the TypeScript module beside it, which the code imports (no WebAssembly tool is needed to
// build or run balloonsim). test/host/frame-moves.test.ts fails if the two differ.
// `--check` writes nothing and exits 1 if the committed bytes are not the text's (it compares the
// bytes only, so that a tool that rewrites the file's comments, as mutation testing's sandbox does,
// does not fail it).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { base64InModuleSource, wasmModuleSource } from './lib/wasm.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The text files, the modules their bytes go to, and the constants that hold them. */
const MODULES = [
  ['src/host/frame-moves.wat', 'src/host/frame-moves-wasm.ts', 'FRAME_MOVES_WASM_BASE64'],
  ['src/audit/table-scans.wat', 'src/audit/table-scans-wasm.ts', 'TABLE_SCANS_WASM_BASE64'],
  ['src/audit/page-scans.wat', 'src/audit/page-scans-wasm.ts', 'PAGE_SCANS_WASM_BASE64'],
];

const check = process.argv.includes('--check');
let stale = 0;
for (const [text, target, name] of MODULES) {
  const source = await wasmModuleSource(`${root}${text}`, name);
  if (check) {
    if (base64InModuleSource(readFileSync(`${root}${target}`, 'utf8')) !== base64InModuleSource(source)) {
      console.error(`${target} is not the assembly of ${text}: run \`npm run build:wasm\``);
      stale++;
    }
    continue;
  }
  writeFileSync(`${root}${target}`, source);
  console.log(`wrote ${target}`);
}
process.exit(stale > 0 ? 1 : 0);
