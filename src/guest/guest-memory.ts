import { PageState, PAGE_STATE_COUNT, type PageStateValue } from './page-state.js';
import { checkGuestMemory } from './guest-memory-check.js';
import { PageStack } from './page-stack.js';
import { GuestPageMap } from './page-map.js';
import { Counter, GuestSharedViews } from './shared-memory.js';
import { WideFill } from '../util/wide-fill.js';

/** States whose pages are kept on a stack, so that any one of them can be taken in O(1) (unpopulated: the hotplug room). */
const STACKED: ReadonlyArray<PageStateValue> = [PageState.FREE, PageState.FREE_UNBACKED, PageState.BALLOON, PageState.UNPOPULATED];

function isStacked(state: PageStateValue): boolean {
  return state === PageState.FREE || state === PageState.FREE_UNBACKED || state === PageState.BALLOON || state === PageState.UNPOPULATED;
}

/**
 * A guest's physical memory: the state of every page and the page
 * allocator's stacks, over the frame behind each page (`GuestPageMap`, the
 * part the host reads).
 *
 * Free, free-unbacked and balloon pages sit on LIFO stacks (blocks of page
 * numbers over ranges that cost nothing), so taking or giving back a page is
 * O(1) and costs at most 4 bytes per page on a stack, nothing for pages
 * elsewhere. Pages in use
 * (kernel, anon, cache) are owned by whoever allocated them and are on no
 * stack. The rule that keeps the stacks exact: a page leaves a stacked state
 * only by being taken from its stack, and enters one only through `put`.
 */
export class GuestMemory extends GuestPageMap {
  private readonly state: Uint8Array;
  /** Writes runs of `state` several bytes a store (they live in shared memory, where a Uint8Array is written a byte a store). */
  private readonly stateRuns: WideFill;
  private readonly stacks: PageStack[] = [];

  constructor(shared: GuestSharedViews) {
    super(shared);
    this.state = shared.pageState;
    this.stateRuns = new WideFill(shared.pageState);
    for (let state = 0; state < PAGE_STATE_COUNT; state++) this.stacks.push(new PageStack());
    // Every page starts unpopulated: the whole address space is the unpopulated stack's range.
    this.stacks[PageState.UNPOPULATED]!.rangeHigh = this.counters[PageState.UNPOPULATED]!;
  }

  /** Pages in a state. */
  count(state: PageStateValue): number {
    return this.counters[state]!;
  }

  stateOf(page: number): PageStateValue {
    return this.state[page] as PageStateValue;
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
    if (isStacked(state)) this.stacks[state]!.push(page);
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
    if (isStacked(to)) this.stacks[to]!.pushMany(pages, offset, count);
  }

  /**
   * Takes the pages of a stacked state that `marked` accepts off its stack
   * (explicit entries only: the caller makes sure none is in the stack's
   * implicit range), into `out`; they keep their state until `put`. O(pages
   * on the stack): for rare, large operations (virtio-mem unplug).
   */
  takeMarked(state: PageStateValue, marked: (page: number) => boolean, out: Int32Array): number {
    return this.stacks[state]!.removeMarked(marked, out);
  }

  /** Whether `page` sits in the implicit range of its state's stack (which `takeMarked` cannot take from). */
  inStackRange(state: PageStateValue, page: number): boolean {
    return this.stacks[state]!.inRange(page);
  }

  /**
   * Takes up to `max` consecutive pages of a stacked state off its stack, in
   * the order `takeMany` would: `runFirst`, then each `runStep` (+1 or -1)
   * further. Returns how many; they keep their state until `putRun`.
   */
  takeRun(state: PageStateValue, max: number): number {
    const stack = this.stacks[state]!;
    const n = stack.popRun(max);
    this.runFirst = stack.runFirst;
    this.runStep = stack.runStep;
    return n;
  }

  /** The first page and the step of the run the last `takeRun` took. */
  runFirst = 0;
  runStep = 1;

  /** Puts `count` pages `first`, `first + step`, ..., all in state `from`, into state `to`: `putMany` for a run. */
  putRun(first: number, count: number, step: number, from: PageStateValue, to: PageStateValue): void {
    if (count <= 0) return;
    this.counters[from]! -= count;
    this.counters[to]! += count;
    const low = step === 1 ? first : first - count + 1;
    this.stateRuns.fill(to, low, low + count);
    if (isStacked(to)) this.stacks[to]!.pushRun(first, count, step);
  }

  /**
   * Puts `frames` behind pages of stacked state `from` (the pages `take`
   * gives one by one, run by run), which go into state `to`: frames a host
   * handed back. Returns how many; fewer than `frames.length` only if `from`
   * ran out.
   */
  mapFramesBehind(frames: Int32Array, from: PageStateValue, to: PageStateValue): number {
    let done = 0;
    while (done < frames.length) {
      const got = this.takeRun(from, frames.length - done);
      if (got === 0) break;
      this.mapPageFrames(this.runFirst, this.runStep, got, frames, done);
      this.putRun(this.runFirst, got, this.runStep, from, to);
      done += got;
    }
    return done;
  }

  /** Page `index` of a stacked state's stack, counted from the top (0 <= index < count(state)): a way to pick one at random without taking it. */
  stackPage(state: PageStateValue, index: number): number {
    return this.stacks[state]!.at(index);
  }

  // ---- growth past the boot size (hotplug, virtio-mem)

  /** Pages the host plugged that are not online yet. */
  get onliningPages(): number {
    return this.counters[Counter.ONLINING]!;
  }

  /** The host plugged `pages` pages; they come online later (`online`). */
  plugged(pages: number): void {
    this.counters[Counter.ONLINING]! += pages;
  }

  /** Brings `count` plugged pages online: unpopulated pages become free pages without frames. Returns how many. */
  online(count: number, scratch: Int32Array): number {
    const wanted = Math.min(count, this.counters[Counter.ONLINING]!);
    let done = 0;
    while (done < wanted) {
      const got = this.takeMany(PageState.UNPOPULATED, scratch, 0, Math.min(scratch.length, wanted - done));
      if (got === 0) break;
      this.putMany(scratch, 0, got, PageState.UNPOPULATED, PageState.FREE_UNBACKED);
      done += got;
    }
    this.counters[Counter.ONLINING]! -= done;
    return done;
  }

  /**
   * Lays out a freshly booted guest: pages below `bootPages` are free and
   * unbacked, the rest of the address space is held by the balloon (the
   * reserved range that the guest grows into when its target rises).
   * Stacks are filled so that low pages are taken first.
   */
  layOut(bootPages: number, hotplugRoom = false): void {
    if (bootPages < 1 || bootPages > this.pages) {
      throw new RangeError(`GuestMemory.layOut: boot pages ${bootPages} outside 1..${this.pages}`);
    }
    if (this.counters[PageState.UNPOPULATED] !== this.pages) throw new Error('GuestMemory.layOut: the guest is laid out already');
    // The room above boot: held by the balloon (a reserved range), or unpopulated until plugged (hotplug, virtio-mem).
    const room = hotplugRoom ? PageState.UNPOPULATED : PageState.BALLOON;
    this.stateRuns.fill(PageState.FREE_UNBACKED, 0, bootPages);
    if (!hotplugRoom) this.stateRuns.fill(PageState.BALLOON, bootPages, this.pages);
    const unpopulated = this.stacks[PageState.UNPOPULATED]!;
    unpopulated.rangeLow = 0;
    unpopulated.rangeHigh = 0;
    this.counters[PageState.UNPOPULATED] = 0;
    this.counters[PageState.FREE_UNBACKED] = bootPages;
    this.counters[room] = this.pages - bootPages;
    const unbacked = this.stacks[PageState.FREE_UNBACKED]!;
    unbacked.rangeLow = 0;
    unbacked.rangeHigh = bootPages;
    const above = this.stacks[room]!;
    above.rangeLow = bootPages;
    above.rangeHigh = this.pages;
  }

  /** Bytes of typed arrays this memory uses, shared ones included (for the memory budget). */
  get footprintBytes(): number {
    const shared = this.shared;
    let bytes = shared.mapWords.byteLength + shared.pageState.byteLength + shared.counters.byteLength + shared.stats.byteLength;
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
    return checkGuestMemory(this.shared, STACKED, (state) => this.stacks[state]!);
  }
}
