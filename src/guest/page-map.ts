/**
 * The frame behind each page of a guest: the page-to-frame map the guest
 * shares with the host (its device side checks releases against it, the
 * auditor scans it), changed only inside map windows, and the host's paging
 * marks in it. `GuestMemory` adds the pages' states and stacks on top.
 */
import { Counter, frameOfWord, GuestSharedViews, HOST_SWAPPED, MapBacking, NO_FRAME, SWAP_IN_PENDING, wordOfFrame } from './shared-memory.js';

/**
 * A map window closes after this many changes even if the step goes on, so
 * that a concurrent reader never waits long for an even map version.
 */
const MAP_WINDOW_CHANGES_MAX = 1024;

/** A guest's page-to-frame map. Its errors name `GuestMemory`, the class guests use. */
export class GuestPageMap {
  readonly pages: number;
  /** The shared page-to-frame map, as words (`wordOfFrame`): read and written only through frameOfWord/wordOfFrame. */
  private readonly words: Int32Array;
  /** The shared counters (pages per state, mapped pages, versions): GuestMemory counts its states here too. */
  protected readonly counters: Int32Array;
  /** Changes made in the open map window, or -1 when no window is open. */
  private mapWindowChanges = -1;
  /** Makes a map word's first touch a write (mapping reads a word, then writes it). */
  private readonly backing: MapBacking;

  constructor(readonly shared: GuestSharedViews) {
    this.pages = shared.pages;
    this.words = shared.mapWords;
    this.counters = shared.counters;
    this.backing = new MapBacking(this.words);
  }

  /** Pages that map a frame. */
  get mappedPages(): number {
    return this.counters[Counter.MAPPED]!;
  }

  frameOfPage(page: number): number {
    return frameOfWord(this.words[page]!);
  }

  /** The page-to-frame map's words (read only, through `frameOfWord`: for the tight loops that must tell pages the host paged out). */
  get mapWords(): Int32Array {
    return this.words;
  }

  /**
   * Gives the run of pages `first`, `first + step`, ... the frames
   * `firstFrame`, `firstFrame + 1`, ... (a run of a grant): `map` for many,
   * in map windows of at most MAP_WINDOW_CHANGES_MAX changes.
   */
  mapPageRun(first: number, step: number, count: number, firstFrame: number): void {
    if (!(firstFrame >= 0)) throw new RangeError(`GuestMemory.mapPageRun: frames must be frame numbers, got ${firstFrame}`);
    this.mapPages(first, step, count, null, firstFrame);
  }

  /** `mapPageRun` with the frames `frames[offset..]`, one for each page of the run (frames a host handed back). */
  mapPageFrames(first: number, step: number, count: number, frames: Int32Array, offset: number): void {
    this.mapPages(first, step, count, frames, offset);
  }

  /** The run's pages get `frames[from + i]` or, without a list, `from + i`. */
  private mapPages(first: number, step: number, count: number, frames: Int32Array | null, from: number): void {
    // An empty run maps nothing (and its last page, first - step, may be outside the map).
    if (count <= 0) return;
    const words = this.words;
    const noFrame = wordOfFrame(NO_FRAME);
    this.backing.writeBeforeRead(first, first + (count - 1) * step);
    for (let done = 0; done < count; ) {
      this.openMapWindow();
      const n = Math.min(count - done, MAP_WINDOW_CHANGES_MAX - this.mapWindowChanges);
      let page = first + done * step;
      // Two loops, so that a grant's run (the hot one) has no per-page test of its source.
      if (frames === null) {
        for (let i = done; i < done + n; i++, page += step) {
          if (words[page] !== noFrame) this.alreadyMapped('mapPageRun', page);
          words[page] = wordOfFrame(from + i);
        }
      } else {
        for (let i = done; i < done + n; i++, page += step) {
          if (words[page] !== noFrame) this.alreadyMapped('mapPageFrames', page);
          const frame = frames[from + i]!;
          if (!(frame >= 0)) throw new RangeError(`GuestMemory.mapPageFrames: frames must be frame numbers, got ${frame} for page ${page}`);
          words[page] = wordOfFrame(frame);
        }
      }
      this.counters[Counter.MAPPED]! += n;
      this.mapWindowChanges += n;
      if (this.mapWindowChanges >= MAP_WINDOW_CHANGES_MAX) this.closeMapWindow();
      done += n;
    }
  }

  private alreadyMapped(method: string, page: number): never {
    throw new Error(`GuestMemory.${method}: page ${page} already maps frame ${frameOfWord(this.words[page]!)}`);
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
    this.backing.writeBeforeRead(page, page);
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
    const end = offset + count;
    // The same windows as `unmap` page by page: a page without a frame opens none, and a window closes after its last change.
    let unmapped = 0;
    let page = first;
    let i = offset;
    while (i < end) {
      if (this.mapWindowChanges < 0) {
        // Pages without a frame (NO_FRAME, or a host paging mark, which stays) have nothing to unmap.
        while (i < end && frameOfWord(words[page]!) < 0) {
          out[i++] = NO_FRAME;
          page += step;
        }
        if (i === end) break;
        this.openMapWindow();
      }
      // At most this many pages can change before the window is full: no check per page.
      const chunkEnd = Math.min(end, i + MAP_WINDOW_CHANGES_MAX - this.mapWindowChanges);
      let changed = 0;
      for (; i < chunkEnd; i++, page += step) {
        const frame = frameOfWord(words[page]!);
        if (frame < 0) {
          out[i] = NO_FRAME;
          continue;
        }
        words[page] = noFrame;
        out[i] = frame;
        changed++;
      }
      unmapped += changed;
      this.mapWindowChanges += changed;
      if (this.mapWindowChanges >= MAP_WINDOW_CHANGES_MAX) this.closeMapWindow();
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
}
