import type { GuestMemory } from './guest-memory.js';
import type { PageRuns } from './page-runs.js';
import { PageState, type PageStateValue } from './page-state.js';
import { RECLAIM_BATCH_PAGES, type Reclaimer } from './reclaim.js';
import type { VmEvents } from './vm-events.js';
import type { Watermarks } from './watermarks.js';

/** `allocate` could not give a backed page now, but claimed an unbacked one: the guest asks the host to back it, and the caller waits a tick. */
export const DEFERRED = -2;
/** `allocate` found nothing, even after direct reclaim: the caller takes the OOM path. */
export const FAILED = -1;

/** Times a direct reclaim is retried while it makes progress (Linux's MAX_RECLAIM_RETRIES is 16; each of ours goes down to a whole lap). */
const RECLAIM_RETRIES_MAX = 4;

/** The time of one task (a workload component) in the current tick: what it has left, and how much of it was stall. */
export class TaskClock {
  remainingMs = 0;
  stallMs = 0;
  /** Whether the task had anything to do this tick (for `full` pressure). */
  active = false;

  reset(tickMs: number): void {
    this.remainingMs = tickMs;
    this.stallMs = 0;
    this.active = false;
  }

  /** Time spent working (minor faults: not a stall). */
  spend(ms: number): void {
    this.remainingMs -= ms;
  }

  /** Time spent waiting on memory (major faults, direct reclaim, OOM handling). */
  stall(ms: number): void {
    this.remainingMs -= ms;
    this.stallMs += ms;
  }
}

/**
 * The guest's page allocator for ordinary allocations (the workload and the
 * kernel), on top of GuestMemory's free lists:
 *
 * - Free memory, as the guest kernel sees it, is free backed pages plus
 *   free pages with no frame behind them yet (never touched, deflated by
 *   virtio or VMware, or reported free). Taking an unbacked one needs a frame
 *   from the host: it is claimed now, asked for in one `populate` request
 *   per tick, and used when the grant comes (next tick; the granted pages are
 *   earmarked for the workload until the end of its step).
 * - An allocation succeeds only while free memory stays above the min
 *   watermark; below it the allocating task enters direct reclaim (its time
 *   counts as stall), and if that frees nothing, the OOM path.
 */
export class PageAllocator {
  /** Claimed unbacked pages whose frames are asked for or about to be. */
  pendingPopulatePages = 0;
  /** Claimed this tick, not yet asked for. */
  private populateAskPages = 0;
  /** Backed free pages granted for earlier claims, kept for the workload during its step. */
  private earmarkedPages = 0;
  /** Pages an OOM event just freed (deflate-on-OOM): they may be allocated below the min watermark, as the retried allocation would. */
  oomReservePages = 0;

  constructor(
    private readonly memory: GuestMemory,
    private readonly reclaimer: Reclaimer,
    readonly watermarks: Watermarks,
    private readonly events: VmEvents,
  ) {}

  /** Free pages with no frame that nobody has claimed, less those a swap-in in flight may still back (GuestMemory.swapInDroppedPages). */
  get unbackedSparePages(): number {
    const memory = this.memory;
    return memory.count(PageState.FREE_UNBACKED) - this.pendingPopulatePages - memory.swapInDroppedPages;
  }

  /** Free memory as the guest kernel sees it, in pages. */
  get availablePages(): number {
    return this.memory.count(PageState.FREE) - this.earmarkedPages + this.unbackedSparePages;
  }

  /**
   * One page for an ordinary allocation: a free backed page (the caller puts
   * it in its state), DEFERRED (an unbacked page was claimed), or FAILED
   * (nothing, even after direct reclaim: the OOM path is next). Reclaim time
   * is charged to `task` as stall.
   */
  allocate(task: TaskClock | null): number {
    if (this.earmarkedPages > 0) {
      const page = this.memory.take(PageState.FREE);
      if (page >= 0) {
        this.earmarkedPages--;
        return page;
      }
      this.earmarkedPages = 0;
    }
    if (this.availablePages <= this.watermarks.minPages) {
      if (this.oomReservePages > 0) this.oomReservePages--;
      else if (!this.directReclaim(task)) return FAILED;
    }
    const page = this.memory.take(PageState.FREE);
    if (page >= 0) return page;
    if (this.unbackedSparePages > 0) {
      this.pendingPopulatePages++;
      this.populateAskPages++;
      return DEFERRED;
    }
    return FAILED;
  }

  /**
   * The fast path of `allocate` for many pages: takes up to `count` free
   * backed pages (earmarked ones first, then others while free memory stays
   * above the min watermark), without reclaim, in the order `allocate` would
   * take them, puts them into `state` and appends them to `runs`, a run of
   * the free stack at a time. Returns how many; 0 means the caller needs
   * unbacked pages or the slow path.
   */
  takeFree(runs: PageRuns, count: number, state: PageStateValue): number {
    if (count <= 0) return 0;
    const allowed = this.earmarkedPages > 0 ? Math.min(count, this.earmarkedPages) : Math.min(count, this.availablePages - this.watermarks.minPages);
    if (allowed <= 0) return 0;
    const memory = this.memory;
    let taken = 0;
    while (taken < allowed) {
      const n = memory.takeRun(PageState.FREE, allowed - taken);
      if (n === 0) break;
      memory.putRun(memory.runFirst, n, memory.runStep, PageState.FREE, state);
      runs.add(memory.runFirst, memory.runStep, n);
      taken += n;
    }
    if (this.earmarkedPages > 0) this.earmarkedPages = Math.max(0, this.earmarkedPages - taken);
    return taken;
  }

  /** Claims up to `count` more unbacked pages at once (after a DEFERRED), without going below the min watermark; returns how many. */
  claimUnbacked(count: number): number {
    const room = Math.min(count, this.unbackedSparePages, this.availablePages - this.watermarks.minPages - 1);
    if (room <= 0) return 0;
    this.pendingPopulatePages += room;
    this.populateAskPages += room;
    return room;
  }

  /**
   * Makes sure `count` pages can be had next tick without waiting for the
   * host: claims unbacked pages for what free backed memory does not cover.
   */
  reserveAhead(count: number): void {
    const backed = this.memory.count(PageState.FREE) - this.earmarkedPages;
    if (count > backed) this.claimUnbacked(count - backed);
  }

  /**
   * Direct reclaim until free memory is above the min watermark, or until a
   * pass frees nothing. Returns whether it got there; the time is `task`'s stall.
   */
  directReclaim(task: TaskClock | null): boolean {
    this.events.allocStalls++;
    for (let attempt = 0; attempt < RECLAIM_RETRIES_MAX && this.availablePages <= this.watermarks.minPages; attempt++) {
      const want = Math.max(RECLAIM_BATCH_PAGES, this.watermarks.minPages - this.availablePages + 1);
      const got = this.reclaimer.reclaim(want, 'direct');
      if (task !== null) task.stall(this.reclaimer.lastCostMs);
      if (got === 0) break;
    }
    return this.availablePages > this.watermarks.minPages;
  }

  /** A populate grant came: `granted` of the `asked` claimed pages now have frames, earmarked for the workload. */
  onPopulateGrant(asked: number, granted: number): void {
    this.pendingPopulatePages -= asked;
    this.earmarkedPages += granted;
  }

  /** Pages to ask the host to back this tick (and forget the count). */
  takePopulateAsk(): number {
    const pages = this.populateAskPages;
    this.populateAskPages = 0;
    return pages;
  }

  /** After the workload's step: earmarks not used go back to plain free memory. */
  endWorkloadStep(): void {
    this.earmarkedPages = 0;
  }

  /** At the end of a tick: an OOM reserve not used is forgotten. */
  endTick(): void {
    this.oomReservePages = 0;
  }
}

/**
 * The OOM path, as the workload sees it: returns true if something was done
 * (the balloon gave pages back, or a component was killed) so that the
 * allocation may be tried again.
 */
export type OomHandler = (task: TaskClock | null) => boolean;
