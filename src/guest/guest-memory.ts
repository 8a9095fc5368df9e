import { PageState, PAGE_STATE_COUNT, type PageStateValue } from './page-state.js';
import { checkGuestMemory } from './guest-memory-check.js';
import { PageStack } from './page-stack.js';
import { Counter, frameOfWord, GuestSharedViews, HOST_SWAPPED, NO_FRAME, SWAP_IN_PENDING, wordOfFrame, writeBeforeRead } from './shared-memory.js';

/** States whose pages are kept on a stack, so that any one of them can be taken in O(1) (unpopulated: the hotplug room). */
const STACKED: ReadonlyArray<PageStateValue> = [PageState.FREE, PageState.FREE_UNBACKED, PageState.BALLOON, PageState.UNPOPULATED];

function isStacked(state: PageStateValue): boolean {
  return state === PageState.FREE || state === PageState.FREE_UNBACKED || state === PageState.BALLOON || state === PageState.UNPOPULATED;
}

/**
 * A map window closes after this many changes even if the step goes on, so
 * that a concurrent reader never waits long for an even map version.
 */
const MAP_WINDOW_CHANGES_MAX = 1024;
/** Runs of page states up to this long are written in a loop rather than by `fill`. */
const FILL_LOOP_MAX = 64;

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
  /** The shared page-to-frame map, as words (`wordOfFrame`): read and written only through frameOfWord/wordOfFrame. */
  private readonly words: Int32Array;
  private readonly state: Uint8Array;
  private readonly counters: Int32Array;
  private readonly stacks: PageStack[] = [];
  /** Changes made in the open map window, or -1 when no window is open. */
  private mapWindowChanges = -1;

  constructor(readonly shared: GuestSharedViews) {
    this.pages = shared.pages;
    this.words = shared.mapWords;
    this.state = shared.pageState;
    this.counters = shared.counters;
    for (let state = 0; state < PAGE_STATE_COUNT; state++) this.stacks.push(new PageStack());
    // Every page starts unpopulated: the whole address space is the unpopulated stack's range.
    this.stacks[PageState.UNPOPULATED]!.rangeHigh = this.counters[PageState.UNPOPULATED]!;
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
    return frameOfWord(this.words[page]!);
  }

  /** The page-to-frame map's words (read only, through `frameOfWord`: for the tight loops that must tell pages the host paged out). */
  get mapWords(): Int32Array {
    return this.words;
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
    // `fill` is a call into the runtime (about 0.1 us): short runs, most of a balloon's or a workload's, go in a loop.
    if (count <= FILL_LOOP_MAX) for (let page = low; page < low + count; page++) this.state[page] = to;
    else this.state.fill(to, low, low + count);
    if (isStacked(to)) this.stacks[to]!.pushRun(first, count, step);
  }

  /**
   * Gives the run of pages `first`, `first + step`, ... the frames
   * `firstFrame`, `firstFrame + 1`, ... (a run of a grant): `map` for many,
   * in map windows of at most MAP_WINDOW_CHANGES_MAX changes.
   */
  mapPageRun(first: number, step: number, count: number, firstFrame: number): void {
    if (!(firstFrame >= 0)) throw new RangeError(`GuestMemory.mapPageRun: frames must be frame numbers, got ${firstFrame}`);
    const words = this.words;
    const noFrame = wordOfFrame(NO_FRAME);
    writeBeforeRead(words, first, first + (count - 1) * step);
    for (let done = 0; done < count; ) {
      this.openMapWindow();
      const n = Math.min(count - done, MAP_WINDOW_CHANGES_MAX - this.mapWindowChanges);
      let page = first + done * step;
      for (let i = done; i < done + n; i++) {
        if (words[page] !== noFrame) throw new Error(`GuestMemory.mapPageRun: page ${page} already maps frame ${frameOfWord(words[page]!)}`);
        words[page] = wordOfFrame(firstFrame + i);
        page += step;
      }
      this.counters[Counter.MAPPED]! += n;
      this.mapWindowChanges += n;
      if (this.mapWindowChanges >= MAP_WINDOW_CHANGES_MAX) this.closeMapWindow();
      done += n;
    }
  }

  /** Page `index` of a stacked state's stack, counted from the top (0 <= index < count(state)): a way to pick one at random without taking it. */
  stackPage(state: PageStateValue, index: number): number {
    return this.stacks[state]!.at(index);
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
    writeBeforeRead(this.words, page, page);
    if (this.frameOfPage(page) !== NO_FRAME) {
      throw new Error(`GuestMemory.map: page ${page} already maps frame ${this.frameOfPage(page)}`);
    }
    this.openMapWindow();
    this.words[page] = wordOfFrame(frame);
    this.counters[Counter.MAPPED]!++;
    this.countMapChange();
  }

  /** Takes a page's frame away and returns it (or NO_FRAME if it has none; a paged-out page keeps its mark). */
  unmap(page: number): number {
    const frame = this.frameOfPage(page);
    if (frame < 0) return NO_FRAME;
    this.openMapWindow();
    this.words[page] = wordOfFrame(NO_FRAME);
    this.counters[Counter.MAPPED]!--;
    this.countMapChange();
    return frame;
  }

  /**
   * `unmap` for the run of pages `first`, `first + step`, ... (`count` of
   * them): each one's frame (or NO_FRAME) goes into `out[offset..]`.
   */
  unmapPageRun(first: number, step: number, count: number, out: Int32Array, offset: number): void {
    const words = this.words;
    const noFrame = wordOfFrame(NO_FRAME);
    let unmapped = 0;
    let page = first;
    for (let i = 0; i < count; i++, page += step) {
      const frame = frameOfWord(words[page]!);
      if (frame < 0) {
        out[offset + i] = NO_FRAME;
        continue;
      }
      this.openMapWindow();
      words[page] = noFrame;
      out[offset + i] = frame;
      unmapped++;
      this.countMapChange();
    }
    this.counters[Counter.MAPPED]! -= unmapped;
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

  // ---- host paging: pages whose frames the host took behind the guest kernel's back

  /** Host swap slots freed without a read (the page's contents were dropped), not yet told to the host. */
  hostSwapDiscardedPages = 0;
  /** Host swap slots freed by a read (double paging), not yet told to the host. */
  hostSwapReadPages = 0;
  /** Whether a swap-in request is in flight (HostSwapUnit sets it while it waits for the answer): see `swapInDroppedPages`. */
  swapInAsked = false;
  /**
   * Free pages without a frame that the guest may not use yet: pages dropped
   * (shrunk, OOM-killed) while a swap-in request was in flight, among them
   * pages it asked for. The host has granted or reserved a frame for each of
   * those and does not count it as unbacked until the answer has come and
   * the guest has given the frame back; in lockstep the answer comes before
   * the next step, in free-running mode the guest can step first. The
   * allocator leaves this many unbacked pages alone (neither claimed nor
   * ballooned) until the answer (HostSwapUnit.onSwapInGrant sets it back to 0).
   */
  swapInDroppedPages = 0;

  /** Pages whose contents are in host swap (paged out, or with a swap-in in flight). */
  get hostSwappedPages(): number {
    return this.counters[Counter.HOST_SWAPPED]!;
  }

  /** The host pages out a page with a frame: its frame is returned; the page keeps its state and is marked HOST_SWAPPED. */
  pageOut(page: number): number {
    const frame = this.frameOfPage(page);
    if (!(frame >= 0)) throw new Error(`GuestMemory.pageOut: page ${page} maps no frame (${frame})`);
    this.openMapWindow();
    this.words[page] = wordOfFrame(HOST_SWAPPED);
    this.countMapChange();
    this.counters[Counter.MAPPED]!--;
    this.counters[Counter.HOST_SWAPPED]!++;
    this.counters[Counter.HOST_SWAP_SLOTS]!++;
    return frame;
  }

  /** A paged-out page was touched: it waits for a frame (a swap-in request). */
  markSwapInPending(page: number): void {
    if (this.frameOfPage(page) !== HOST_SWAPPED) throw new Error(`GuestMemory.markSwapInPending: page ${page} is not paged out (${this.frameOfPage(page)})`);
    this.words[page] = wordOfFrame(SWAP_IN_PENDING);
  }

  /**
   * A swap-in was answered for a page that asked: with a frame (it maps it;
   * the slot is freed), or without (it is paged out again, still in its slot).
   */
  resolveSwapIn(page: number, frame: number | null): void {
    if (this.frameOfPage(page) !== SWAP_IN_PENDING) throw new Error(`GuestMemory.resolveSwapIn: page ${page} has no swap-in in flight (${this.frameOfPage(page)})`);
    if (frame === null) {
      this.words[page] = wordOfFrame(HOST_SWAPPED);
      return;
    }
    if (!(frame >= 0)) throw new RangeError(`GuestMemory.resolveSwapIn: frame must be a frame number, got ${frame}`);
    this.openMapWindow();
    this.words[page] = wordOfFrame(frame);
    this.countMapChange();
    this.counters[Counter.MAPPED]!++;
    this.counters[Counter.HOST_SWAPPED]!--;
    this.counters[Counter.HOST_SWAP_SLOTS]!--;
  }

  /** A swap-in was answered for a page dropped meanwhile: its slot is freed (by the host's read, or as a discard). */
  releaseSwapSlot(discard: boolean): void {
    this.counters[Counter.HOST_SWAP_SLOTS]!--;
    if (discard) this.hostSwapDiscardedPages++;
  }

  /**
   * A page leaves the workload (freed, evicted, ballooned): if the host had
   * paged it out, it forgets that. A paged-out page frees its slot, as a read
   * (`read`: its contents were needed, double paging) or a discard; a page
   * with a swap-in in flight keeps its slot until the answer comes. Returns
   * what frameOf held (a frame, NO_FRAME, HOST_SWAPPED or SWAP_IN_PENDING).
   */
  dropHostSwap(page: number, read: boolean): number {
    const marker = this.frameOfPage(page);
    if (marker >= NO_FRAME) return marker;
    this.words[page] = wordOfFrame(NO_FRAME);
    this.counters[Counter.HOST_SWAPPED]!--;
    if (marker === SWAP_IN_PENDING && this.swapInAsked) this.swapInDroppedPages++;
    if (marker === HOST_SWAPPED) {
      this.counters[Counter.HOST_SWAP_SLOTS]!--;
      if (read) this.hostSwapReadPages++;
      else this.hostSwapDiscardedPages++;
    }
    return marker;
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
    this.state.fill(PageState.FREE_UNBACKED, 0, bootPages);
    if (!hotplugRoom) this.state.fill(PageState.BALLOON, bootPages, this.pages);
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
