import type { Random } from '../util/random.js';
import type { Component } from './component.js';
import type { EvictSink, ScanState } from './component-layout.js';
import type { GuestMemory } from './guest-memory.js';
import { inactiveRatio, shrinkActive } from './lru.js';
import { PageState } from './page-state.js';
import { NO_FRAME } from './shared-memory.js';
import type { SwapDevice, VmEvents } from './vm-events.js';

/** Linux's DEF_PRIORITY: the first pass scans 1/4096 of each list, each later pass twice as much. */
const PRIORITY_START = 12;
/** SWAP_CLUSTER_MAX: the least a reclaim pass scans per list, and what one direct reclaim pass tries to free. */
export const RECLAIM_BATCH_PAGES = 32;
/** Cost of looking at one page on the LRU (the clock advances by it). */
export const SCAN_COST_MS = 0.0002;
/** Cost of writing one anonymous page to swap when it is reclaimed. */
export const SWAP_OUT_COST_MS = 0.04;
/**
 * The balloon's cold scan (reclaim mode): a page not touched for this long is
 * cold (far-memory systems use 120 s; a minute keeps a page touched once a
 * second hot with certainty).
 */
export const COLD_WINDOW_MS = 60_000;
/** After a cold scan found nothing in a whole lap of a component, it waits this long before looking again. */
const COLD_RESCAN_MS = 5_000;

export type ReclaimWho = 'direct' | 'kswapd';

/**
 * Page reclaim: Linux's shrink loop over CLOCK-approximated LRU lists. Each
 * call scans at decreasing priorities (1/4096 of every list, then twice as
 * much each pass, down to a whole lap), page cache before anonymous memory
 * (clean cache is dropped for free; anonymous pages need a free swap slot and
 * a write), and evicts only pages that were not referenced since the hand
 * last passed them. A memory-management clock, advanced by the work done,
 * decides what "since" means, so that a second pass over a page is never
 * simultaneous with the first. Work is proportional to pages scanned.
 */
export class Reclaimer {
  readonly scan: ScanState;
  private readonly freeSink: EvictSink;
  private readonly swapFreeSink: EvictSink;
  private coldTarget: EvictSink = () => {};
  private readonly coldSwapSink: EvictSink;
  private readonly coldFileSink: EvictSink;
  /** What the last call cost, in ms of the memory-management clock. */
  lastCostMs = 0;
  /** What reading a page back from host swap costs (double paging: swapping out a page the host paged out). */
  hostSwapFaultMs = 0;

  constructor(
    private readonly components: ReadonlyArray<Component>,
    private readonly memory: GuestMemory,
    private readonly swap: SwapDevice,
    private readonly events: VmEvents,
    random: Random,
    /** Bytes of a guest page (the inactive list's ratio depends on the lists' size in GiB). */
    private readonly pageBytes = 4096,
  ) {
    this.scan = { clockMs: 0, scanCostMs: SCAN_COST_MS, random, scanned: 0 };
    this.freeSink = (page) => this.memory.put(page, this.leaveHostSwap(page, false) ? PageState.FREE_UNBACKED : PageState.FREE);
    this.swapFreeSink = (page) => {
      this.swappedOut();
      this.memory.put(page, this.leaveHostSwap(page, true) ? PageState.FREE_UNBACKED : PageState.FREE);
    };
    this.coldSwapSink = (page) => {
      this.swappedOut();
      this.leaveHostSwap(page, true);
      this.coldTarget(page);
    };
    this.coldFileSink = (page) => {
      this.leaveHostSwap(page, false);
      this.coldTarget(page);
    };
  }

  /**
   * A reclaimed page that the host had paged out leaves host swap, and has no
   * frame: writing an anonymous one to the guest's swap reads it back from
   * host swap first (double paging: a host swap fault, charged to reclaim);
   * a page-cache one is dropped unread. Returns whether the page had been
   * paged out.
   */
  private leaveHostSwap(page: number, anon: boolean): boolean {
    const memory = this.memory;
    if (memory.hostSwappedPages === 0) return false;
    if (memory.dropHostSwap(page, anon) >= NO_FRAME) return false;
    if (anon) {
      this.scan.clockMs += this.hostSwapFaultMs;
      this.events.hostSwapFaults++;
      this.events.doublePagingPages++;
    }
    return true;
  }

  /** Pages on the LRU lists of one kind (anonymous or page cache), active and inactive. */
  private listPages(anonymous: boolean): number {
    let pages = 0;
    for (const component of this.components) if (component.anonymous === anonymous) pages += component.resident;
    return pages;
  }

  /** A new tick: the clock never runs behind simulated time. */
  beginTick(nowMs: number): void {
    if (this.scan.clockMs < nowMs) this.scan.clockMs = nowMs;
  }

  /**
   * Reclaims up to `want` pages into the free list, cold first, within
   * `budgetMs` of work, stopping between priority passes once `balanced`
   * says so. Returns the pages freed; `lastCostMs` is the time it took.
   */
  reclaim(want: number, who: ReclaimWho, budgetMs = Number.POSITIVE_INFINITY, balanced: (() => boolean) | null = null): number {
    const scan = this.scan;
    const startMs = scan.clockMs;
    const scannedBefore = scan.scanned;
    let got = 0;
    for (let priority = PRIORITY_START; priority >= 0 && got < want; priority--) {
      // kswapd checks the balance between passes only (balance_pgdat): a pass once started runs to its end.
      if (balanced !== null && balanced()) break;
      // Direct reclaim does not stop at what it wanted within its first pass (shrink_lruvec's proportional reclaim at DEF_PRIORITY).
      const noAbort = who === 'direct' && priority === PRIORITY_START;
      for (let anon = 0; anon <= 1 && got < want; anon++) {
        const ratio = inactiveRatio(this.listPages(anon === 1), this.pageBytes);
        for (const component of this.components) {
          if ((!noAbort && got >= want) || scan.clockMs - startMs >= budgetMs) break;
          if (component.anonymous !== (anon === 1) || component.resident === 0) continue;
          if (anon === 1 && this.swap.freePages <= 0) continue;
          // shrink_active_list, when the inactive list is low: active pages move to the inactive list, young bits cleared.
          const active = component.activePages;
          if ((component.resident - active) * ratio < active) shrinkActive(component, Math.max(RECLAIM_BATCH_PAGES, active >> priority), scan);
          const budget = Math.max(RECLAIM_BATCH_PAGES, (component.resident - component.activePages) >> priority);
          const wanted = noAbort ? Math.max(budget, want - got) : want - got;
          const limit = anon === 1 ? Math.min(wanted, this.swap.freePages) : wanted;
          if (limit <= 0) continue;
          got += component.scan(budget, limit, scan, anon === 1 ? this.swapFreeSink : this.freeSink, false, 0);
        }
      }
      if (scan.clockMs - startMs >= budgetMs) break;
    }
    this.count(who, scan.scanned - scannedBefore, got);
    this.lastCostMs = scan.clockMs - startMs;
    return got;
  }

  /**
   * The balloon's cold-first reclaim (inflate mode `reclaim`): evicts up to
   * `want` pages that were not touched within COLD_WINDOW_MS and hands each
   * straight to `target` (still in its component's state, still mapping its
   * frame), page cache first. Hot pages are left alone, whatever the need.
   */
  reclaimCold(nowMs: number, want: number, target: EvictSink, budgetMs = Number.POSITIVE_INFINITY): number {
    const scan = this.scan;
    const startMs = scan.clockMs;
    const scannedBefore = scan.scanned;
    this.coldTarget = target;
    let got = 0;
    for (let anon = 0; anon <= 1 && got < want; anon++) {
      for (const component of this.components) {
        if (got >= want || scan.clockMs - startMs >= budgetMs) break;
        if (component.anonymous !== (anon === 1) || component.resident === 0 || nowMs < component.coldIdleUntilMs) continue;
        const limit = anon === 1 ? Math.min(want - got, this.swap.freePages) : want - got;
        if (limit <= 0) continue;
        const evicted = component.scan(component.resident, limit, scan, anon === 1 ? this.coldSwapSink : this.coldFileSink, true, COLD_WINDOW_MS);
        if (evicted === 0) component.coldIdleUntilMs = nowMs + COLD_RESCAN_MS;
        got += evicted;
      }
    }
    this.coldTarget = () => {};
    this.count('direct', scan.scanned - scannedBefore, got);
    this.lastCostMs = scan.clockMs - startMs;
    return got;
  }

  private swappedOut(): void {
    this.swap.usedPages++;
    this.events.swapOutPages++;
    this.scan.clockMs += SWAP_OUT_COST_MS;
  }

  private count(who: ReclaimWho, scanned: number, reclaimed: number): void {
    if (who === 'kswapd') {
      this.events.kswapdScanned += scanned;
      this.events.kswapdReclaimed += reclaimed;
    } else {
      this.events.directScanned += scanned;
      this.events.directReclaimed += reclaimed;
    }
  }
}
