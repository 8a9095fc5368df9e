/**
 * Where guests' page maps and page states live: packed into a few large
 * shared buffers (arenas), each guest's map and states in their own 4 KiB
 * pages of one.
 *
 * A guest's map (4 bytes a page) and states (1 byte a page) are mostly
 * untouched: the operating system backs only what the guest uses, as long as
 * the memory comes fresh from `mmap`. A SharedArrayBuffer is allocated with
 * `calloc`, and glibc serves allocations below its mmap threshold from the
 * heap, clearing them with memset: every byte backed at once. That threshold
 * starts at 128 KiB and rises (up to 32 MiB) each time a larger mapped block
 * is freed, which the runtime does before the guests are made; so a thousand
 * guests of 1 GiB, each with a 1 MiB map and 256 KiB of states, had 260 MB
 * of them written with zeros at the start of stress-1000 (65 thousand page
 * faults) and held in memory for the whole run. An arena of at least the
 * threshold's ceiling always comes from `mmap`.
 *
 * Regions start on 4 KiB boundaries of the arena, with 4 KiB left unused
 * after each (the arena's own start need not be on a page: glibc puts a
 * 16-byte header before it): no two guests share a page of memory, nor a
 * cache line (guests on different threads write their maps at once). The
 * gaps cost address space only; nothing touches them.
 *
 * An arena is a shared WebAssembly memory where the runtime has one (it
 * comes from `mmap` whatever its size, and zeroed): the full audit scans the
 * maps and states there (audit/page-scans.ts). Its size is then a whole
 * number of 64 KiB pages.
 */
import { wasm, type SharedWasmMemory } from '../util/wasm.js';

/** glibc's largest mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX), and a margin for its header. */
const MMAP_THRESHOLD_CEILING = 32 * 2 ** 20 + 64 * 2 ** 10;
/** Below this for all the guests, the arena is allocated at its size: clearing it costs too little to be worth the address space. */
const ARENA_PADDED_FROM = 4 * 2 ** 20;
/** An arena holds at most this much; a guest needing more gets an arena of its own. */
const ARENA_BYTES_MAX = 2 ** 30;
const REGION_ALIGN = 4096;
/** A WebAssembly memory's page. */
const WASM_PAGE_BYTES = 65_536;

/** One guest's page map (one word a page) and page states (one byte a page), views over shared memory. */
export interface PageMapViews {
  frameOf: Int32Array;
  pageState: Uint8Array;
  /** The WebAssembly memory both views are of, or null where the arena is a plain SharedArrayBuffer. */
  arena: SharedWasmMemory | null;
}

function aligned(bytes: number): number {
  return Math.ceil(bytes / REGION_ALIGN) * REGION_ALIGN;
}

/** Bytes a guest of `pages` pages takes in an arena: its map and its states, each on whole 4 KiB pages and followed by a 4 KiB gap. */
function regionBytes(pages: number): number {
  return aligned(pages * Int32Array.BYTES_PER_ELEMENT) + aligned(pages) + 2 * REGION_ALIGN;
}

/** Zeroed page maps and states for guests of `pages[i]` pages, in order: every word 0 (no frame), every state 0 (unpopulated). */
export function allocatePageMaps(pages: ReadonlyArray<number>): PageMapViews[] {
  for (const count of pages) {
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`allocatePageMaps: pages must be positive integers, got ${count}`);
  }
  const small = pages.reduce((sum, count) => sum + regionBytes(count), 0) < ARENA_PADDED_FROM;
  const views: PageMapViews[] = [];
  let first = 0;
  while (first < pages.length) {
    // As many guests as fit in one arena (at least one).
    let end = first + 1;
    let bytes = regionBytes(pages[first]!);
    while (end < pages.length && bytes + regionBytes(pages[end]!) <= ARENA_BYTES_MAX) bytes += regionBytes(pages[end++]!);
    const { buffer: arena, memory } = allocateArena(small ? bytes : Math.max(bytes, MMAP_THRESHOLD_CEILING));
    let offset = 0;
    for (let guest = first; guest < end; guest++) {
      const count = pages[guest]!;
      const frameOf = new Int32Array(arena, offset, count);
      offset += aligned(count * Int32Array.BYTES_PER_ELEMENT) + REGION_ALIGN;
      const pageState = new Uint8Array(arena, offset, count);
      offset += aligned(count) + REGION_ALIGN;
      views.push({ frameOf, pageState, arena: memory });
    }
    first = end;
  }
  return views;
}

/** Zeroed shared memory of at least `bytes`: a WebAssembly memory where the runtime can make one, else a SharedArrayBuffer. */
function allocateArena(bytes: number): { buffer: SharedArrayBuffer; memory: SharedWasmMemory | null } {
  if (wasm !== undefined) {
    const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
    try {
      const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
      return { buffer: memory.buffer, memory };
    } catch {
      // No shared WebAssembly memory here (a browser page that is not cross-origin isolated, say): a plain buffer.
    }
  }
  return { buffer: new SharedArrayBuffer(bytes), memory: null };
}
