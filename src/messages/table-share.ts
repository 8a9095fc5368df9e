/**
 * How the frame ownership table travels to the threads that read or change
 * it: its shared memory and its length. The table lives in a WebAssembly
 * memory where one can hold it (the host's range moves run there, see
 * host/frame-moves.ts), whose buffer is a whole number of 64 KiB pages: longer
 * than the table, so a view of it must be cut to `frames`.
 */
import type { SharedWasmMemory } from '../util/wasm.js';

/** A shared WebAssembly memory, as far as this code needs to know it (util/wasm.ts). */
export type WasmMemory = SharedWasmMemory;

export interface TableShare {
  /** Frames in the table. */
  readonly frames: number;
  /** The memory the table lives in, or null where it is a plain SharedArrayBuffer. */
  readonly memory: WasmMemory | null;
  /** The table's bytes (`memory.buffer` where there is a memory): at least `frames` 32-bit owners. */
  readonly buffer: SharedArrayBuffer;
}

/** The table's owners, one 32-bit entry per frame: a view of exactly `frames` entries. */
export function ownersOf(share: TableShare): Int32Array {
  return new Int32Array(share.buffer, 0, share.frames);
}
