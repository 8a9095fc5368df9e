import { allocateGuestSignals } from '../messages/guest-signals.js';
import type { GuestSharedBuffers } from '../messages/runtime.js';
import { PAGE_STATE_COUNT } from './page-state.js';
import { allocatePageMaps } from './page-map-arena.js';

/**
 * What a guest publishes in shared memory so that the host's auditor can check
 * it from another thread without asking: its page-to-frame map, its page
 * states and a few counters. The guest is the only writer (the host writes
 * only when it tears down a dead guest, after the guest has stopped).
 */

/** Slots of the counters array. Slots 0..PAGE_STATE_COUNT-1 hold the count of pages in each state. */
export const Counter = {
  /** Pages that map a frame. */
  MAPPED: PAGE_STATE_COUNT,
  /** Bumped by the guest after every step, so that readers can tell a fresh view from a stale one. */
  VERSION: PAGE_STATE_COUNT + 1,
  /**
   * A seqlock over `frameOf`: odd while the guest is changing page-to-frame
   * mappings, even otherwise, and changed by every window of changes. A reader
   * on another thread (the free-running auditor) trusts what it read of
   * `frameOf` only if it saw the same even value before and after reading.
   * See `GuestMemory.map` for the windows and audit/concurrent-check.ts for
   * why this makes a concurrent check sound.
   */
  MAP_VERSION: PAGE_STATE_COUNT + 2,
  /** Pages whose contents the host paged out to its swap (frameOf HOST_SWAPPED or SWAP_IN_PENDING). */
  HOST_SWAPPED: PAGE_STATE_COUNT + 3,
  /** Host swap slots the guest holds, as it counts them: paged-out pages, and pages dropped while their swap-in was in flight. */
  HOST_SWAP_SLOTS: PAGE_STATE_COUNT + 4,
  /** Pages the host has plugged (hotplug, virtio-mem) that are not online yet (still unpopulated). */
  ONLINING: PAGE_STATE_COUNT + 5,
} as const;

export const COUNTER_SLOTS = PAGE_STATE_COUNT + 6;

/**
 * Slots of the Float64 stats array: running figures a guest publishes after
 * every step, so that samples and reports can be read without a message.
 * Totals count since boot; pages and averages are current values.
 */
export const Stat = {
  /** Pages of the guest's swap device in use. */
  SWAP_PAGES: 0,
  SWAP_IN_TOTAL: 1,
  SWAP_OUT_TOTAL: 2,
  MAJOR_FAULTS_TOTAL: 3,
  MINOR_FAULTS_TOTAL: 4,
  /** Seconds the workload spent stalled on memory. */
  STALL_SECONDS_TOTAL: 5,
  /** Pressure-stall averages over 10 s, as fractions (0..1) like Linux PSI's percentages / 100. */
  PSI_SOME_AVG10: 6,
  PSI_FULL_AVG10: 7,
  OOM_KILLS_TOTAL: 8,
  /** Allocations that reached the OOM path (deflate-on-OOM, a kill, or nothing to do). */
  OOM_EVENTS_TOTAL: 9,
  /** Pages the balloon gave back on OOM events. */
  DEFLATE_ON_OOM_PAGES_TOTAL: 10,
  /** Pages whose frames went back to the host by free page reporting. */
  REPORTED_FREE_PAGES_TOTAL: 11,
  /** Memory the guest could use without swapping (MemAvailable), in pages. */
  AVAILABLE_PAGES: 12,
  /** Distress messages sent to the host. */
  DISTRESS_TOTAL: 13,
  /** Host swap faults: touches of pages the host paged out, and reads of such pages by the guest's own swap-out (double paging). */
  HOST_SWAP_FAULTS_TOTAL: 14,
  /** Pages the guest swapped out that the host had paged out already (each read back from host swap first). */
  DOUBLE_PAGING_TOTAL: 15,
  /** Work the workload wanted to do and did since boot, in page touches and first touches (progress = done / wanted). */
  WORK_WANTED_TOTAL: 16,
  WORK_DONE_TOTAL: 17,
  /** The workload's progress (work done / wanted, 0..1), averaged over 10 s like PSI; 1 when it wants nothing. */
  PROGRESS_AVG10: 18,
  /** Page-cache pages read again after being dropped (workingset_refault_file). */
  REFAULTS_TOTAL: 19,
} as const;

export const STAT_SLOTS = 20;

/**
 * What a page's entry of the page-to-frame map says: a host frame number
 * (0 or more), or one of the three marks below. The shared map stores each
 * value as its bitwise complement (`~value`, see `wordOfFrame`), so that a
 * zero word means NO_FRAME: a fresh buffer needs no fill, and the operating
 * system backs only the parts of a guest's map that the guest has used (a
 * 1 GiB guest's map is 1 MiB, and a thousand mostly idle guests would
 * otherwise hold a gigabyte of -1s).
 */
/** A page with no frame behind it. */
export const NO_FRAME = -1;
/** A page whose frame the host took and whose contents are in host swap (host paging). */
export const HOST_SWAPPED = -2;
/** A paged-out page the guest touched: it has asked for a frame back (a swap-in in flight). */
export const SWAP_IN_PENDING = -3;

/** The word the shared map stores for a frame or mark (its bitwise complement: NO_FRAME is 0). */
export function wordOfFrame(frame: number): number {
  return ~frame;
}

/** The frame or mark a word of the shared map stands for (`wordOfFrame` undone). */
export function frameOfWord(word: number): number {
  return ~word;
}

/** Typed views over a guest's shared buffers. */
export class GuestSharedViews {
  /** The page-to-frame map, one word per guest page: `wordOfFrame` of its frame or mark (0 for NO_FRAME). */
  readonly mapWords: Int32Array;
  /** PageState of each guest page. */
  readonly pageState: Uint8Array;
  readonly counters: Int32Array;
  readonly stats: Float64Array;

  constructor(readonly buffers: GuestSharedBuffers) {
    for (const [name, view] of [['frameOf', buffers.frameOf], ['pageState', buffers.pageState]] as const) {
      if (!(view.buffer instanceof SharedArrayBuffer)) throw new TypeError(`GuestSharedViews: ${name} must be a view over shared memory`);
    }
    this.mapWords = buffers.frameOf;
    this.pageState = buffers.pageState;
    this.counters = new Int32Array(buffers.counters);
    this.stats = new Float64Array(buffers.stats);
    if (this.mapWords.length !== this.pageState.length) {
      throw new RangeError(
        `GuestSharedViews: frameOf has ${this.mapWords.length} pages but pageState has ${this.pageState.length}`,
      );
    }
  }

  /** Fresh buffers for a guest of `pages` pages: no page maps a frame, every page is UNPOPULATED (state 0). */
  static allocate(pages: number): GuestSharedViews {
    if (!Number.isSafeInteger(pages) || pages < 1) {
      throw new RangeError(`GuestSharedViews.allocate: pages must be a positive integer, got ${pages}`);
    }
    return GuestSharedViews.allocateMany([pages])[0]!;
  }

  /** `allocate` for guests of `pages[i]` pages at once, their maps and states packed in a few buffers (page-map-arena.ts). */
  static allocateMany(pages: ReadonlyArray<number>): GuestSharedViews[] {
    return allocatePageMaps(pages).map(({ frameOf, pageState, arena }) => {
      const views = new GuestSharedViews({
        frameOf,
        pageState,
        arena,
        counters: new SharedArrayBuffer(COUNTER_SLOTS * Int32Array.BYTES_PER_ELEMENT),
        stats: new SharedArrayBuffer(STAT_SLOTS * Float64Array.BYTES_PER_ELEMENT),
        signals: allocateGuestSignals(),
      });
      views.counters[0] = frameOf.length;
      return views;
    });
  }

  get pages(): number {
    return this.mapWords.length;
  }

  /** The frame behind `page`, or its mark (NO_FRAME, HOST_SWAPPED, SWAP_IN_PENDING). A plain read: for the guest's own thread, tests and quiescent audits. */
  frameAt(page: number): number {
    return frameOfWord(this.mapWords[page]!);
  }

  /**
   * Writes a page's entry directly, outside any map window: for tests that
   * corrupt a guest on purpose and for rebuilding a stopped guest's map. A
   * live guest changes its map through GuestMemory, which keeps the seqlock.
   */
  setFrameAt(page: number, frame: number): void {
    this.mapWords[page] = wordOfFrame(frame);
  }

  /**
   * Forgets everything: the guest's memory is gone (it crashed or was
   * destroyed). Only once the guest has stopped. The map version goes to a new
   * odd value while the map is wiped (a guest killed in the middle of a change
   * may have left it odd) and to the next even value after.
   */
  tearDown(): void {
    const version = Atomics.load(this.counters, Counter.VERSION);
    const mapVersion = Atomics.load(this.counters, Counter.MAP_VERSION);
    const wiping = mapVersion % 2 === 0 ? mapVersion + 1 : mapVersion + 2;
    Atomics.store(this.counters, Counter.MAP_VERSION, wiping);
    this.mapWords.fill(wordOfFrame(NO_FRAME));
    this.pageState.fill(0);
    for (let slot = 0; slot < this.counters.length; slot++) {
      if (slot !== Counter.MAP_VERSION) this.counters[slot] = 0;
    }
    this.counters[0] = this.pages;
    this.stats[Stat.SWAP_PAGES] = 0;
    Atomics.store(this.counters, Counter.VERSION, version + 1);
    Atomics.store(this.counters, Counter.MAP_VERSION, wiping + 1);
  }
}

/** Words of a page map in one chunk that `MapBacking` remembers: 4 KiB, as one page of the operating system's memory. */
const CHUNK_SHIFT = 10;
const CHUNK_WORDS = 1 << CHUNK_SHIFT;

/**
 * Makes the first touch of a guest's map words a write, without changing
 * them, and remembers where it has done so.
 *
 * Why: a guest's map is zero until the guest first gives a page a frame,
 * and the operating system backs it lazily. Mapping a page reads its word
 * (to check it had no frame) and then writes it. A first read of fresh
 * memory maps the shared zero page; the write that follows copies it
 * (copy-on-write) and must flush the old mapping from the TLB of every CPU
 * running one of the process's threads: an inter-processor interrupt per
 * 4 KiB on worker runs (dense-64: 80 thousand of them, most of the time
 * its workers lost against inline). A compare-exchange of 0 for 0 is one
 * locked instruction, a write for the MMU whether or not it changes the
 * word, so the page is backed at once, zeroed, with no zero page and no
 * flush. (`Atomics.add` and `Atomics.or` would not do: V8 runs them as a
 * load and a compare-exchange loop, and the load comes first.)
 *
 * The map goes in chunks of 1,024 words (4 KiB, whatever the buffer's
 * alignment: at most two pages of the operating system's memory, each of
 * which holds the chunk's first or its last word). A chunk's first and last
 * words are exchanged once, the first time a range reaches it; after that a
 * range costs a byte's test per chunk and no call into the runtime (which
 * is what `Atomics.compareExchange` is: stress-1000 maps 450 million pages
 * in runs, nearly all in chunks already backed).
 */
export class MapBacking {
  /** 1 for each chunk whose first and last words have been exchanged. */
  private readonly backed: Uint8Array;

  constructor(private readonly words: Int32Array) {
    this.backed = new Uint8Array((words.length + CHUNK_WORDS - 1) >> CHUNK_SHIFT);
  }

  /** Chunks backed so far. */
  get chunksBacked(): number {
    let chunks = 0;
    for (const flag of this.backed) chunks += flag;
    return chunks;
  }

  /** Makes sure the first touch of every word in [from, to] (either order) is a write. */
  writeBeforeRead(from: number, to: number): void {
    const words = this.words;
    const backed = this.backed;
    const last = Math.max(from, to) >> CHUNK_SHIFT;
    for (let chunk = Math.min(from, to) >> CHUNK_SHIFT; chunk <= last; chunk++) {
      if (backed[chunk] !== 0) continue;
      const first = chunk << CHUNK_SHIFT;
      Atomics.compareExchange(words, first, 0, 0);
      Atomics.compareExchange(words, Math.min(first + CHUNK_WORDS, words.length) - 1, 0, 0);
      backed[chunk] = 1;
    }
  }
}
