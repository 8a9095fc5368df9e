/**
 * WebAssembly as the runtime offers it, for the small modules the project
 * assembles from `.wat` files (`npm run build:wasm` puts their bytes, in
 * base64, in generated `.ts` modules). The project's type libraries leave
 * WebAssembly out (its types live with the DOM's), so the parts used are
 * typed here.
 */

/** A shared WebAssembly memory, as far as this code needs to know it. */
export interface SharedWasmMemory {
  readonly buffer: SharedArrayBuffer;
}

/** The parts of the WebAssembly API used. */
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => SharedWasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

/** WebAssembly, where the runtime has it (`node --jitless` has none: callers then use their JavaScript loops). */
export const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * The module of the given base64 bytes, compiled on first use and then kept
 * (once per thread; the modules are a few hundred bytes, so compiling is quick
 * and synchronous), or null where there is no WebAssembly or it cannot compile
 * the module (a runtime without a feature the module uses).
 */
export function compiledOnce(base64: string): () => object | null {
  let compiled: object | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        compiled = wasm === undefined ? null : new wasm.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}
