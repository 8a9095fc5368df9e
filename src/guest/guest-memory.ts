import { PageState, PAGE_STATE_COUNT, PAGE_STATE_NAMES, type PageStateValue } from './page-state.js';
import { Counter, GuestSharedViews, NO_FRAME } from './shared-memory.js';

/** States whose pages are kept on a stack, so that any one of them can be taken in O(1). */
const STACKED: ReadonlyArray<PageStateValue> = [PageState.FREE, PageState.FREE_UNBACKED, PageState.BALLOON];

const NONE = -1;

/**
 * A map window closes after this many changes even if the step goes on, so
 * that a concurrent reader never waits long for an even map version.
 */
const MAP_WINDOW_CHANGES_MAX = 1024;

/**
 * A guest's physical memory: the state of every page, the frame behind it,
 * and the page allocator.
 *
 * Free, free-unbacked and balloon pages sit on intrusive stacks linked through
 * one `Int32Array` (a page is on at most one stack), so taking or giving back a
 * page is O(1) and costs 4 bytes per page. Pages in use (kernel, anon, cache)
 * are owned by whoever allocated them and are on no stack. The rule that keeps
 * the stacks exact: a page leaves a stacked state only by being taken from its
 * stack, and enters one only through `put`.
 */
export class GuestMemory {
  readonly pages: number;
  private readonly frameOf: Int32Array;
  private readonly state: Uint8Array;
  private readonly counters: Int32Array;
  private readonly next: Int32Array;
  private readonly heads = new Int32Array(PAGE_STATE_COUNT).fill(NONE);
  /** Changes made in the open map window, or -1 when no window is open. */
  private mapWindowChanges = -1;

  constructor(readonly shared: GuestSharedViews) {
    this.pages = shared.pages;
    this.frameOf = shared.frameOf;
    this.state = shared.pageState;
    this.counters = shared.counters;
    // No fill: a link is read only for a page on a stack, and `put` (or layOut) sets it when the page goes on one.
    this.next = new Int32Array(this.pages);
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
    if (state === PageState.FREE || state === PageState.FREE_UNBACKED || state === PageState.BALLOON) {
      this.next[page] = this.heads[state]!;
      this.heads[state] = page;
    }
  }

  /** Takes any page of a stacked state off its stack, or returns -1. The page keeps its state until `put`. */
  take(state: PageStateValue): number {
    const page = this.heads[state]!;
    if (page === NONE) return NONE;
    this.heads[state] = this.next[page]!;
    this.next[page] = NONE;
    return page;
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
    if (this.count(PageState.UNPOPULATED) !== this.pages) throw new Error('GuestMemory.layOut: the memory is already laid out');
    // What putting every page, from the top down, would do, in a few tight passes (a 4 GiB guest has a million pages).
    this.state.fill(PageState.FREE_UNBACKED, 0, bootPages);
    this.state.fill(PageState.BALLOON, bootPages, this.pages);
    linkRange(this.next, 0, bootPages);
    linkRange(this.next, bootPages, this.pages);
    this.heads[PageState.FREE_UNBACKED] = 0;
    this.heads[PageState.BALLOON] = bootPages < this.pages ? bootPages : NONE;
    this.counters[PageState.UNPOPULATED] = 0;
    this.counters[PageState.FREE_UNBACKED] = bootPages;
    this.counters[PageState.BALLOON] = this.pages - bootPages;
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
    for (const state of STACKED) {
      let length = 0;
      for (let page = this.heads[state]!; page !== NONE; page = this.next[page]!) {
        if (this.state[page] !== state) {
          problems.push(`page ${page} is on the ${PAGE_STATE_NAMES[state]} stack in state ${PAGE_STATE_NAMES[this.state[page]!]}`);
          break;
        }
        if (++length > this.pages) {
          problems.push(`the ${PAGE_STATE_NAMES[state]} stack has a cycle`);
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

/** Chains pages [from, to) into one stack, lowest on top: next[p] = p + 1, the last one ends it. */
function linkRange(next: Int32Array, from: number, to: number): void {
  for (let page = from; page < to - 1; page++) next[page] = page + 1;
  if (to > from) next[to - 1] = NONE;
}
