/**
 * How the frame ownership table travels to the threads that read or change
 * it: its shared memory, its length and the width of its owners. The table
 * lives in a WebAssembly memory where one can hold it (the host's range moves
 * run there, see host/frame-moves.ts), whose buffer is a whole number of
 * 64 KiB pages: longer than the table, so a view of it must be cut to
 * `frames`.
 */
import type { SharedWasmMemory } from '../util/wasm.js';

/** A shared WebAssembly memory, as far as this code needs to know it (util/wasm.ts). */
export type WasmMemory = SharedWasmMemory;

/**
 * Bits of one owner in the table: 16 when every owner value of the host fits
 * (host/owners.ts, `ownerBitsFor`: up to 32,767 guests and 32,767 shards),
 * else 32.
 */
export type OwnerBits = 16 | 32;

/** The table's owners: one entry per frame. */
export type Owners = Int16Array | Int32Array;

export interface TableShare {
  /** Frames in the table. */
  readonly frames: number;
  /** Bits of one owner. */
  readonly ownerBits: OwnerBits;
  /** The memory the table lives in, or null where it is a plain SharedArrayBuffer. */
  readonly memory: WasmMemory | null;
  /** The table's bytes (`memory.buffer` where there is a memory): at least `frames` owners. */
  readonly buffer: SharedArrayBuffer;
}

/** The table's owners, one entry per frame: a view of exactly `frames` entries. */
export function ownersOf(share: TableShare): Owners {
  return share.ownerBits === 16 ? new Int16Array(share.buffer, 0, share.frames) : new Int32Array(share.buffer, 0, share.frames);
}
