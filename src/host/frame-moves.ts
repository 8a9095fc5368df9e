/**
 * The frame table's range moves: frames [from, end) change owner from one
 * value to another, one compare-exchange per frame, stopping at the first
 * frame that is not the expected owner's. Grants, surrenders and take-backs
 * of runs of frames all come here, and a large run is millions of frames.
 *
 * `Atomics.compareExchange` in JavaScript is a call into the runtime for every
 * frame (about 10 ns here). So the table lives in a shared WebAssembly memory
 * where one can hold it, and the loop runs in WebAssembly (frame-moves.wat),
 * where a compare-exchange is one instruction and an aligned pair of frames
 * goes in one 64-bit compare-exchange: both owners checked and changed at
 * once, or neither. The result is exactly that of one exchange per frame:
 * a failed pair is tried frame by frame. A table too large for a 32-bit
 * WebAssembly memory, or one made from a plain SharedArrayBuffer, moves its
 * frames with the same loop in JavaScript.
 */
import type { TableShare } from '../messages/table-share.js';
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

const BYTES_PER_OWNER = Int32Array.BYTES_PER_ELEMENT;
/** A WebAssembly memory grows in pages of 64 KiB, and a 32-bit one has at most 65,536 of them (4 GiB). */
const WASM_PAGE_BYTES = 65_536;
const WASM_PAGES_MAX = 65_536;
/** The most frames a table in a WebAssembly memory holds: 2^30, a 4 TiB host of 4 KiB frames. */
export const WASM_TABLE_FRAMES_MAX = (WASM_PAGES_MAX * WASM_PAGE_BYTES) / BYTES_PER_OWNER;

/** The compiled module (it is 269 bytes). */
const frameMovesModule = compiledOnce(FRAME_MOVES_WASM_BASE64);

/**
 * Shared memory for a new table of `frames` free frames (all zero, OWNER_FREE):
 * a WebAssembly memory where one can hold them, else a SharedArrayBuffer.
 */
export function allocateTable(frames: number): TableShare {
  if (wasm !== undefined && frames <= WASM_TABLE_FRAMES_MAX) {
    const pages = Math.ceil((frames * BYTES_PER_OWNER) / WASM_PAGE_BYTES);
    const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    return { frames, memory, buffer: memory.buffer };
  }
  return { frames, memory: null, buffer: new SharedArrayBuffer(frames * BYTES_PER_OWNER) };
}

/** The range moves over a table: in WebAssembly when the table lives in a WebAssembly memory, else in JavaScript. */
export function frameMovesOf(share: TableShare, owners: Int32Array): FrameMoves {
  // (A memory made where WebAssembly runs always meets it here: threads of one process share a runtime.)
  const module = frameMovesModule();
  if (share.memory === null || wasm === undefined || module === null) {
    return {
      up: (from, end, expected, newOwner) => moveRunInJs(owners, from, end, expected, newOwner),
      down: (from, end, expected, newOwner) => moveRunDownInJs(owners, from, end, expected, newOwner),
    };
  }
  const { exports } = new wasm.Instance(module, { table: { owners: share.memory } });
  return { up: exports.move as MoveRun, down: exports.moveDown as MoveRunDown };
}

/** The range move in JavaScript: one `Atomics.compareExchange` per frame (tables without a WebAssembly memory). */
export function moveRunInJs(owners: Int32Array, from: number, end: number, expected: number, newOwner: number): number {
  let frame = from;
  while (frame < end && Atomics.compareExchange(owners, frame, expected, newOwner) === expected) frame++;
  return frame;
}

/** The range move going down in JavaScript (`MoveRunDown`). */
export function moveRunDownInJs(owners: Int32Array, from: number, end: number, expected: number, newOwner: number): number {
  let top = from;
  while (top > end && Atomics.compareExchange(owners, top - 1, expected, newOwner) === expected) top--;
  return top;
}
