import { PageState, PAGE_STATE_COUNT, PAGE_STATE_NAMES, type PageStateValue } from './page-state.js';
import { Counter, GuestSharedViews, NO_FRAME } from './shared-memory.js';

/** States whose pages are kept on a stack, so that any one of them can be taken in O(1). */
const STACKED: ReadonlyArray<PageStateValue> = [PageState.FREE, PageState.FREE_UNBACKED, PageState.BALLOON];

const NONE = -1;

/** Page numbers per block of a stack. */
const BLOCK_SHIFT = 12;
const BLOCK = 1 << BLOCK_SHIFT;
const BLOCK_MASK = BLOCK - 1;

/**
 * A LIFO stack of page numbers: explicit entries in blocks of 4096 (4 bytes
 * per page on it, at most two blocks spare; pushing never copies), on top of
 * an implicit range of pages [rangeLow, rangeHigh) that costs nothing and is
 * taken lowest page first. A freshly booted guest's free pages and its
 * reserved range are such ranges, so a boot costs no per-page stack memory.
 */
class PageStack {
  readonly blocks: Int32Array[] = [];
  size = 0;
  rangeLow = 0;
  rangeHigh = 0;

  get count(): number {
    return this.size + this.rangeHigh - this.rangeLow;
  }

  /** Bytes of the blocks (for the memory budget). */
  get bytes(): number {
    return this.blocks.length * BLOCK * Int32Array.BYTES_PER_ELEMENT;
  }

  push(page: number): void {
    const block = this.size >> BLOCK_SHIFT;
    if (block === this.blocks.length) this.blocks.push(new Int32Array(BLOCK));
    this.blocks[block]![this.size & BLOCK_MASK] = page;
    this.size++;
  }

  pushMany(pages: Int32Array, from: number, count: number): void {
    let done = 0;
    while (done < count) {
      const block = this.size >> BLOCK_SHIFT;
      if (block === this.blocks.length) this.blocks.push(new Int32Array(BLOCK));
      const at = this.size & BLOCK_MASK;
      const n = Math.min(count - done, BLOCK - at);
      this.blocks[block]!.set(pages.subarray(from + done, from + done + n), at);
      this.size += n;
      done += n;
    }
  }

  pop(): number {
    if (this.size === 0) return this.rangeLow < this.rangeHigh ? this.rangeLow++ : NONE;
    this.size--;
    return this.blocks[this.size >> BLOCK_SHIFT]![this.size & BLOCK_MASK]!;
  }

  /** Pops up to `count` pages into `out[offset..]`, as `pop` would one by one; returns how many. */
  popMany(out: Int32Array, offset: number, count: number): number {
    let taken = 0;
    while (taken < count && this.size > 0) {
      const top = this.size - 1;
      const block = this.blocks[top >> BLOCK_SHIFT]!;
      const n = Math.min(count - taken, (top & BLOCK_MASK) + 1);
      for (let k = 0; k < n; k++) out[offset + taken + k] = block[(top & BLOCK_MASK) - k]!;
      this.size -= n;
      taken += n;
    }
    while (taken < count && this.rangeLow < this.rangeHigh) out[offset + taken++] = this.rangeLow++;
    return taken;
  }

  /** Page `index` counted from the top (for checks). */
  at(index: number): number {
    if (index >= this.size) return this.rangeLow + (index - this.size);
    const position = this.size - 1 - index;
    return this.blocks[position >> BLOCK_SHIFT]![position & BLOCK_MASK]!;
  }

  /** Gives back the blocks above the one in use, keeping one spare (called once a tick). */
  trim(): void {
    const needed = (this.size + BLOCK_MASK) >> BLOCK_SHIFT;
    if (this.blocks.length > needed + 1) this.blocks.length = needed + 1;
  }
}

/**
 * A map window closes after this many changes even if the step goes on, so
 * that a concurrent reader never waits long for an even map version.
 */
const MAP_WINDOW_CHANGES_MAX = 1024;

/**
 * A guest's physical memory: the state of every page, the frame behind it,
 * and the page allocator.
 *
 * Free, free-unbacked and balloon pages sit on LIFO stacks (blocks of page
 * numbers over ranges that cost nothing), so taking or giving back a page is
 * O(1) and costs at most 4 bytes per page on a stack, nothing for pages
 * elsewhere. Pages in use
 * (kernel, anon, cache) are owned by whoever allocated them and are on no
 * stack. The rule that keeps the stacks exact: a page leaves a stacked state
 * only by being taken from its stack, and enters one only through `put`.
 */
export class GuestMemory {
  readonly pages: number;
  private readonly frameOf: Int32Array;
  private readonly state: Uint8Array;
  private readonly counters: Int32Array;
  private readonly stacks: PageStack[] = [];
  /** Changes made in the open map window, or -1 when no window is open. */
  private mapWindowChanges = -1;

  constructor(readonly shared: GuestSharedViews) {
    this.pages = shared.pages;
    this.frameOf = shared.frameOf;
    this.state = shared.pageState;
    this.counters = shared.counters;
    for (let state = 0; state < PAGE_STATE_COUNT; state++) this.stacks.push(new PageStack());
  }

  /** Pages in a state. */
  count(state: PageStateValue): number {
    return this.counters[state]!;
  }

  /** Pages that map a frame. */
  get mappedPages(): number {
    return this.counters[Counter.MAPPED]!;
  }

  stateOf(page: number): PageStateValue {
    return this.state[page] as PageStateValue;
  }

  frameOfPage(page: number): number {
    return this.frameOf[page]!;
  }

  /**
   * Puts a page into a state. A page in a stacked state (free, free-unbacked,
   * balloon) must have been taken from its stack first.
   */
  put(page: number, state: PageStateValue): void {
    const from = this.state[page] as PageStateValue;
    this.counters[from]!--;
    this.counters[state]!++;
    this.state[page] = state;
    if (state === PageState.FREE || state === PageState.FREE_UNBACKED || state === PageState.BALLOON) this.stacks[state]!.push(page);
  }

  /** Takes any page of a stacked state off its stack (the one put there last), or returns -1. The page keeps its state until `put`. */
  take(state: PageStateValue): number {
    return this.stacks[state]!.pop();
  }

  /** Takes up to `count` pages of a stacked state into `out[offset..]`, as `take` would one by one; returns how many. */
  takeMany(state: PageStateValue, out: Int32Array, offset: number, count: number): number {
    return this.stacks[state]!.popMany(out, offset, count);
  }

  /** Puts `count` pages (`pages[offset..]`), all in state `from`, into state `to`: `put` for many at once. */
  putMany(pages: Int32Array, offset: number, count: number, from: PageStateValue, to: PageStateValue): void {
    if (count <= 0) return;
    this.counters[from]! -= count;
    this.counters[to]! += count;
    const state = this.state;
    for (let i = offset; i < offset + count; i++) state[pages[i]!] = to;
    if (to === PageState.FREE || to === PageState.FREE_UNBACKED || to === PageState.BALLOON) this.stacks[to]!.pushMany(pages, offset, count);
  }

  /**
   * Gives a page a frame. The page must have none.
   *
   * Every change of `frameOf` happens inside a map window: the first change
   * opens one (the map version becomes odd), and it closes (even again) after
   * MAP_WINDOW_CHANGES_MAX changes or at `publish`, which runs before the step's
   * messages leave. So a frame named in a release was unmapped in a window
   * that closed before the host could see the release; a reader that saw the
   * same even version around its reads saw no change that the host can have
   * acted on.
   */
  map(page: number, frame: number): void {
    if (!(frame >= 0)) throw new RangeError(`GuestMemory.map: frame must be a frame number, got ${frame} for page ${page}`);
    if (this.frameOf[page] !== NO_FRAME) {
      throw new Error(`GuestMemory.map: page ${page} already maps frame ${this.frameOf[page]}`);
    }
    this.openMapWindow();
    this.frameOf[page] = frame;
    this.counters[Counter.MAPPED]!++;
    this.countMapChange();
  }

  /** Takes a page's frame away and returns it (or NO_FRAME). */
  unmap(page: number): number {
    const frame = this.frameOf[page]!;
    if (frame !== NO_FRAME) {
      this.openMapWindow();
      this.frameOf[page] = NO_FRAME;
      this.counters[Counter.MAPPED]!--;
      this.countMapChange();
    }
    return frame;
  }

  /** Ends the open map window, if any: the map version becomes even. */
  closeMapWindow(): void {
    if (this.mapWindowChanges < 0) return;
    this.mapWindowChanges = -1;
    Atomics.add(this.counters, Counter.MAP_VERSION, 1);
  }

  private openMapWindow(): void {
    if (this.mapWindowChanges >= 0) return;
    this.mapWindowChanges = 0;
    Atomics.add(this.counters, Counter.MAP_VERSION, 1);
  }

  private countMapChange(): void {
    if (++this.mapWindowChanges >= MAP_WINDOW_CHANGES_MAX) this.closeMapWindow();
  }

  /**
   * Lays out a freshly booted guest: pages below `bootPages` are free and
   * unbacked, the rest of the address space is held by the balloon (the
   * reserved range that the guest grows into when its target rises).
   * Stacks are filled so that low pages are taken first.
   */
  layOut(bootPages: number): void {
    if (bootPages < 1 || bootPages > this.pages) {
      throw new RangeError(`GuestMemory.layOut: boot pages ${bootPages} outside 1..${this.pages}`);
    }
    if (this.counters[PageState.UNPOPULATED] !== this.pages) throw new Error('GuestMemory.layOut: the guest is laid out already');
    this.state.fill(PageState.FREE_UNBACKED, 0, bootPages);
    this.state.fill(PageState.BALLOON, bootPages, this.pages);
    this.counters[PageState.UNPOPULATED] = 0;
    this.counters[PageState.FREE_UNBACKED] = bootPages;
    this.counters[PageState.BALLOON] = this.pages - bootPages;
    const unbacked = this.stacks[PageState.FREE_UNBACKED]!;
    unbacked.rangeLow = 0;
    unbacked.rangeHigh = bootPages;
    const balloon = this.stacks[PageState.BALLOON]!;
    balloon.rangeLow = bootPages;
    balloon.rangeHigh = this.pages;
  }

  /** Bytes of typed arrays this memory uses, shared ones included (for the memory budget). */
  get footprintBytes(): number {
    const shared = this.shared;
    let bytes = shared.frameOf.byteLength + shared.pageState.byteLength + shared.counters.byteLength + shared.stats.byteLength;
    for (const stack of this.stacks) bytes += stack.bytes;
    return bytes;
  }

  /** Gives back stack memory that the last tick did not need (call once a tick). */
  trim(): void {
    for (const state of STACKED) this.stacks[state]!.trim();
  }

  /** Publishes a finished step (closing any map window): readers that saw the previous version know the view changed. */
  publish(): void {
    this.closeMapWindow();
    Atomics.add(this.counters, Counter.VERSION, 1);
  }

  /** Checks the stacks and counters against the page array (a full scan, for tests and audits). */
  selfCheck(): string[] {
    const problems: string[] = [];
    const counted = new Int32Array(PAGE_STATE_COUNT);
    let mapped = 0;
    for (let page = 0; page < this.pages; page++) {
      counted[this.state[page]!]!++;
      if (this.frameOf[page] !== NO_FRAME) mapped++;
    }
    for (let state = 0; state < PAGE_STATE_COUNT; state++) {
      if (counted[state] !== this.counters[state]) {
        problems.push(`${PAGE_STATE_NAMES[state]} pages: counter says ${this.counters[state]}, pages say ${counted[state]}`);
      }
    }
    if (mapped !== this.counters[Counter.MAPPED]) {
      problems.push(`mapped pages: counter says ${this.counters[Counter.MAPPED]}, pages say ${mapped}`);
    }
    const onStack = new Uint8Array(this.pages);
    for (const state of STACKED) {
      const stack = this.stacks[state]!;
      const length = stack.count;
      for (let i = 0; i < length; i++) {
        const page = stack.at(i);
        if (!(page >= 0 && page < this.pages)) {
          problems.push(`the ${PAGE_STATE_NAMES[state]} stack holds ${page}, which is no page`);
          break;
        }
        if (onStack[page] === 1) {
          problems.push(`page ${page} is on a stack twice`);
          break;
        }
        onStack[page] = 1;
        if (this.state[page] !== state) {
          problems.push(`page ${page} is on the ${PAGE_STATE_NAMES[state]} stack in state ${PAGE_STATE_NAMES[this.state[page]!]}`);
          break;
        }
      }
      if (problems.length === 0 && length !== counted[state]) {
        problems.push(`the ${PAGE_STATE_NAMES[state]} stack holds ${length} pages, ${counted[state]} are in that state`);
      }
    }
    return problems;
  }
}
