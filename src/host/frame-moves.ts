/**
 * The frame table's range moves: frames [from, end) change owner from one
 * value to another, one compare-exchange per frame, stopping at the first
 * frame that is not the expected owner's. Grants, surrenders and take-backs
 * of runs of frames all come here, and a large run is millions of frames.
 *
 * `Atomics.compareExchange` in JavaScript is a call into the runtime for every
 * frame (about 10 ns here). So the table lives in a shared WebAssembly memory
 * where one can hold it, and the loop runs in WebAssembly (frame-moves.wat),
 * where a compare-exchange is one instruction and an aligned group of frames
 * goes in one 64-bit compare-exchange: all their owners checked and changed
 * at once, or none. The result is exactly that of one exchange per frame: a
 * failed group is tried frame by frame. A table too large for a 32-bit
 * WebAssembly memory, or one made from a plain SharedArrayBuffer, moves its
 * frames with the same loop in JavaScript.
 *
 * A locked exchange costs 15 to 20 ns here whatever its width, and the table
 * is far larger than the caches, so the owners are as narrow as the host's
 * owner values allow: 16 bits for up to 32,767 guests and 32,767 shards (a
 * group is four frames, and the table half the memory), else 32 (a group is
 * two). On examples/stress-1000.yaml, a billion frames change owner in ten
 * simulated minutes.
 */
import type { OwnerBits, Owners, TableShare } from '../messages/table-share.js';
import { compiledOnce, wasm } from '../util/wasm.js';
import { FRAME_MOVES_WASM_BASE64 } from './frame-moves-wasm.js';

/**
 * Moves frames [from, end) from `expected` to `newOwner`, each by a
 * compare-exchange; returns the first frame that did not move (its owner was
 * not `expected`, and it is unchanged), or `end`. The caller keeps [from,
 * end) inside the table.
 */
export type MoveRun = (from: number, end: number, expected: number, newOwner: number) => number;

/**
 * `MoveRun` going down: frames from - 1, from - 2, ..., end, in that order
 * (end <= from); returns s such that frames [s, from) moved: `end` if all
 * did, else frame s - 1 is the one that did not.
 */
export type MoveRunDown = MoveRun;

/** The range moves over one table, up and down. */
export interface FrameMoves {
  up: MoveRun;
  down: MoveRunDown;
}

/** A WebAssembly memory grows in pages of 64 KiB, and a 32-bit one has at most 65,536 of them (4 GiB). */
const WASM_PAGE_BYTES = 65_536;
const WASM_PAGES_MAX = 65_536;
/** The most frames a table in a WebAssembly memory holds, at this owner width. */
export function wasmTableFramesMax(ownerBits: OwnerBits): number {
  return (WASM_PAGES_MAX * WASM_PAGE_BYTES) / (ownerBits / 8);
}

/** The most frames a table of 32-bit owners in a WebAssembly memory holds: 2^30, a 4 TiB host of 4 KiB frames (twice that with 16-bit owners). */
export const WASM_TABLE_FRAMES_MAX = wasmTableFramesMax(32);

/** The compiled module (under a kilobyte). */
const frameMovesModule = compiledOnce(FRAME_MOVES_WASM_BASE64);

/**
 * Shared memory for a new table of `frames` free frames (all zero, OWNER_FREE)
 * with owners of `ownerBits` bits: a WebAssembly memory where one can hold
 * them, else a SharedArrayBuffer.
 */
export function allocateTable(frames: number, ownerBits: OwnerBits = 32): TableShare {
  const bytes = frames * (ownerBits / 8);
  if (wasm !== undefined && frames <= wasmTableFramesMax(ownerBits)) {
    const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
    const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    return { frames, ownerBits, memory, buffer: memory.buffer };
  }
  return { frames, ownerBits, memory: null, buffer: new SharedArrayBuffer(bytes) };
}

/** The range moves over a table: in WebAssembly when the table lives in a WebAssembly memory, else in JavaScript. */
export function frameMovesOf(share: TableShare, owners: Owners): FrameMoves {
  // (A memory made where WebAssembly runs always meets it here: threads of one process share a runtime.)
  const module = frameMovesModule();
  if (share.memory === null || wasm === undefined || module === null) {
    return {
      up: (from, end, expected, newOwner) => moveRunInJs(owners, from, end, expected, newOwner),
      down: (from, end, expected, newOwner) => moveRunDownInJs(owners, from, end, expected, newOwner),
    };
  }
  const { exports } = new wasm.Instance(module, { table: { owners: share.memory } });
  return share.ownerBits === 16
    ? { up: exports.move16 as MoveRun, down: exports.moveDown16 as MoveRunDown }
    : { up: exports.move as MoveRun, down: exports.moveDown as MoveRunDown };
}

/** The range move in JavaScript: one `Atomics.compareExchange` per frame (tables without a WebAssembly memory). */
export function moveRunInJs(owners: Owners, from: number, end: number, expected: number, newOwner: number): number {
  let frame = from;
  while (frame < end && Atomics.compareExchange(owners, frame, expected, newOwner) === expected) frame++;
  return frame;
}

/** The range move going down in JavaScript (`MoveRunDown`). */
export function moveRunDownInJs(owners: Owners, from: number, end: number, expected: number, newOwner: number): number {
  let top = from;
  while (top > end && Atomics.compareExchange(owners, top - 1, expected, newOwner) === expected) top--;
  return top;
}
