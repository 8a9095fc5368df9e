/**
 * Where runs of a guest's pages end, as the full audit reads them. A full
 * pass reads every page of every guest: its map word and its state (67
 * million pages on examples/dense-64.yaml). Pages come in runs, one state and
 * either no frame or consecutive frames, and finding where a run ends is
 * most of the cost.
 *
 * In WebAssembly (page-scans.wat) sixteen pages are compared a step with
 * 128-bit SIMD; in JavaScript, four (the states read as 32-bit words). So
 * where the guest's map and states live in a WebAssembly memory
 * (guest/page-map-arena.ts puts them in one where the runtime has it) runs
 * are found there, else in JavaScript. Both read plainly: the audit scans at
 * quiescent points.
 */
import type { WasmMemory } from '../messages/table-share.js';
import { compiledOnce, wasm } from '../util/wasm.js';
import { PAGE_SCANS_WASM_BASE64 } from './page-scans-wasm.js';

/** Where the runs of one guest's pages end. */
export interface PageRuns {
  /** Whether runs are found in WebAssembly (else in JavaScript). */
  readonly inWasm: boolean;
  /** The first page from `page` on that maps a frame or is not in `state` (or the page count): the end of a run without frames. */
  unmappedEnd(page: number, state: number): number;
  /**
   * The end of a run of consecutive frames going up (`frameStep` 1) or down
   * (-1) a page: the first page from `page` on, below `limit`, whose word is
   * not `word` less `frameStep` a page after `page`, or not in `state`; or `limit`.
   */
  mappedEnd(page: number, word: number, state: number, frameStep: 1 | -1, limit: number): number;
}

/** Pages of a run read in JavaScript before the rest of it is scanned in WebAssembly (a call costs about as much as a few dozen pages). */
const PAGES_READ_HERE = 16;

interface PageScanExports {
  unmappedEnd(page: number, pages: number, mapAt: number, stateAt: number, state: number): number;
  mappedEnd(page: number, pages: number, mapAt: number, stateAt: number, state: number, word: number, frameStep: number): number;
}

const pageScansModule = compiledOnce(PAGE_SCANS_WASM_BASE64);
/** The module's instance over each arena this thread has scanned. */
const instances = new WeakMap<WasmMemory, PageScanExports>();

function instanceOver(arena: WasmMemory): PageScanExports | null {
  let exports = instances.get(arena);
  if (exports === undefined) {
    const module = pageScansModule();
    if (module === null || wasm === undefined) return null;
    exports = new wasm.Instance(module, { arena: { memory: arena } }).exports as unknown as PageScanExports;
    instances.set(arena, exports);
  }
  return exports;
}

/**
 * The runs of a guest whose map and states are `mapWords` and `pageState`,
 * views of `arena` (or of a plain buffer, `arena` null): found in WebAssembly
 * where there is an arena, else in JavaScript.
 */
export function pageRunsOf(mapWords: Int32Array, pageState: Uint8Array, arena: WasmMemory | null): PageRuns {
  const exports = arena === null || mapWords.buffer !== arena.buffer || pageState.buffer !== arena.buffer ? null : instanceOver(arena);
  return exports === null ? pageRunsInJs(mapWords, pageState) : new WasmPageRuns(mapWords, pageState, exports);
}

/**
 * The runs found in JavaScript: four pages a step where the states start on
 * a 4-byte boundary (the arenas align every guest's states to 4 KiB) and the
 * page is on one, else one.
 */
export function pageRunsInJs(mapWords: Int32Array, pageState: Uint8Array): PageRuns {
  return new JsPageRuns(mapWords, pageState);
}

// Classes, not closures per guest: the audit's scan then calls one method for every guest.

/** Runs found in WebAssembly, after the first PAGES_READ_HERE pages of each, read here. */
class WasmPageRuns implements PageRuns {
  readonly inWasm = true;
  private readonly pages: number;
  private readonly mapAt: number;
  private readonly stateAt: number;

  constructor(
    private readonly mapWords: Int32Array,
    private readonly pageState: Uint8Array,
    private readonly exports: PageScanExports,
  ) {
    this.pages = mapWords.length;
    this.mapAt = mapWords.byteOffset;
    this.stateAt = pageState.byteOffset;
  }

  unmappedEnd(page: number, state: number): number {
    const { mapWords, pageState, pages } = this;
    const near = Math.min(pages, page + PAGES_READ_HERE);
    let end = page;
    while (end < near && mapWords[end] === 0 && pageState[end] === state) end++;
    return end < near || near === pages ? end : this.exports.unmappedEnd(near, pages, this.mapAt, this.stateAt, state);
  }

  mappedEnd(page: number, word: number, state: number, frameStep: 1 | -1, limit: number): number {
    const { mapWords, pageState } = this;
    const near = Math.min(limit, page + PAGES_READ_HERE);
    let end = page;
    while (end < near && mapWords[end] === word - (end - page) * frameStep && pageState[end] === state) end++;
    return end < near || near === limit ? end : this.exports.mappedEnd(near, limit, this.mapAt, this.stateAt, state, word - (near - page) * frameStep, frameStep);
  }
}

/** Runs found in JavaScript. (One loop for both steps: V8 keeps optimised code for a loop whose every branch has run, and these loops run long.) */
class JsPageRuns implements PageRuns {
  readonly inWasm = false;
  private readonly pages: number;
  /** The states as 32-bit words, four pages each, where they start on a 4-byte boundary. */
  private readonly quads: Int32Array | null;

  constructor(
    private readonly mapWords: Int32Array,
    private readonly pageState: Uint8Array,
  ) {
    this.pages = mapWords.length;
    this.quads = pageState.byteOffset % 4 === 0 ? new Int32Array(pageState.buffer, pageState.byteOffset, pageState.length >>> 2) : null;
  }

  unmappedEnd(page: number, state: number): number {
    const { mapWords, pageState, pages, quads } = this;
    const quad = Math.imul(state, 0x01010101);
    let end = page;
    for (;;) {
      if (
        quads !== null &&
        (end & 3) === 0 &&
        end + 4 <= pages &&
        quads[end >>> 2] === quad &&
        (mapWords[end]! | mapWords[end + 1]! | mapWords[end + 2]! | mapWords[end + 3]!) === 0
      ) {
        end += 4;
      } else if (end < pages && mapWords[end] === 0 && pageState[end] === state) {
        end += 1;
      } else {
        return end;
      }
    }
  }

  mappedEnd(page: number, word: number, state: number, frameStep: 1 | -1, limit: number): number {
    const { mapWords, pageState, quads } = this;
    const quad = Math.imul(state, 0x01010101);
    let end = page;
    for (;;) {
      const next = word - (end - page) * frameStep;
      if (
        quads !== null &&
        (end & 3) === 0 &&
        end + 4 <= limit &&
        quads[end >>> 2] === quad &&
        mapWords[end] === next &&
        mapWords[end + 1] === next - frameStep &&
        mapWords[end + 2] === next - 2 * frameStep &&
        mapWords[end + 3] === next - 3 * frameStep
      ) {
        end += 4;
      } else if (end < limit && mapWords[end] === next && pageState[end] === state) {
        end += 1;
      } else {
        return end;
      }
    }
  }
}
