/**
 * Where the balloon's pages come from when it inflates: free pages (backed
 * ones first, then unbacked ones nobody claimed), down to the watermark the
 * allocation mode allows, with NORETRY's one pass of direct reclaim, or cold
 * pages reclaimed straight into the batch. Each page taken goes into the
 * balloon's page state and its frame into the release batch.
 */
import type { InflateMode } from '../model/scenario.js';
import type { BalloonDriverCounters } from './balloon-counters.js';
import type { EvictSink } from './component-layout.js';
import type { GuestMemory } from './guest-memory.js';
import type { PageAllocator } from './page-allocator.js';
import { PageState } from './page-state.js';
import { RECLAIM_BATCH_PAGES, type Reclaimer } from './reclaim.js';
import { NONE, UNBACKED, type ReleaseBatch } from './release-batch.js';
import { NO_FRAME } from './shared-memory.js';
import type { VmEvents } from './vm-events.js';

/** How the driver allocates single pages: an inflate mode, or VMware's non-sleeping allocation (no reclaim). */
export type AllocationMode = InflateMode | 'nowait';

/** The parts of the guest the balloon takes pages from. */
export interface InflateSources {
  memory: GuestMemory;
  allocator: PageAllocator;
  reclaimer: Reclaimer;
  events: VmEvents;
}

/** Takes pages for the balloon and puts them in the batch being built. */
export class InflatePages {
  /** Reclaim time of the last `takeSmallPage` (noretry's one pass). */
  lastReclaimMs = 0;
  /** Where reclaim puts the cold pages it takes for the balloon (inflate mode `reclaim`). */
  readonly intoBatch: EvictSink;

  constructor(
    private readonly sources: InflateSources,
    private readonly batch: ReleaseBatch,
    counters: Pick<BalloonDriverCounters, 'coldReclaimedPages'>,
  ) {
    this.intoBatch = (page) => {
      // A page the host had paged out reaches the balloon without a frame.
      const frame = sources.memory.unmap(page);
      sources.memory.put(page, PageState.BALLOON);
      batch.add(frame === NO_FRAME ? UNBACKED : frame);
      counters.coldReclaimedPages++;
    };
  }

  /** One single page for the balloon in `mode`: its frame, UNBACKED, or NONE. */
  takeSmallPage(mode: AllocationMode): number {
    const { allocator, reclaimer, events } = this.sources;
    const watermarks = allocator.watermarks;
    this.lastReclaimMs = 0;
    switch (mode) {
      case 'free-only':
      case 'reclaim':
        return allocator.availablePages > watermarks.highPages ? this.takeFreePage() : NONE;
      case 'nowait':
        return allocator.availablePages > watermarks.minPages ? this.takeFreePage() : NONE;
      case 'noretry': {
        if (allocator.availablePages > watermarks.minPages) return this.takeFreePage();
        // NORETRY: one pass of direct reclaim, then one more try.
        events.allocStalls++;
        reclaimer.reclaim(RECLAIM_BATCH_PAGES, 'direct');
        this.lastReclaimMs = reclaimer.lastCostMs;
        if (allocator.availablePages > watermarks.minPages) return this.takeFreePage();
        return NONE;
      }
    }
  }

  /**
   * Up to `count` free pages into the balloon and the batch at once: backed
   * ones (their frames go in the batch), then unbacked ones nobody claimed.
   * The caller has checked the watermark. Returns how many.
   */
  takeFreePages(count: number): number {
    const { memory, allocator } = this.sources;
    const batch = this.batch;
    let done = 0;
    // A run of the free lists at a time: the frames of backed pages go in the batch, in the order the pages are taken.
    while (done < count) {
      const backed = memory.takeRun(PageState.FREE, count - done);
      if (backed === 0) break;
      memory.unmapPageRun(memory.runFirst, memory.runStep, backed, batch.arena, batch.start + batch.backed);
      batch.backed += backed;
      memory.putRun(memory.runFirst, backed, memory.runStep, PageState.FREE, PageState.BALLOON);
      done += backed;
    }
    while (done < count) {
      const want = Math.min(count - done, allocator.unbackedSparePages);
      if (want <= 0) break;
      const unbacked = memory.takeRun(PageState.FREE_UNBACKED, want);
      if (unbacked === 0) break;
      memory.putRun(memory.runFirst, unbacked, memory.runStep, PageState.FREE_UNBACKED, PageState.BALLOON);
      batch.unbacked += unbacked;
      done += unbacked;
    }
    return done;
  }

  /** A free page into the balloon: a backed one (its frame is returned, unmapped) or else an unbacked one nobody claimed (UNBACKED). */
  private takeFreePage(): number {
    const { memory, allocator } = this.sources;
    const page = memory.take(PageState.FREE);
    if (page >= 0) {
      const frame = memory.unmap(page);
      memory.put(page, PageState.BALLOON);
      return frame;
    }
    if (allocator.unbackedSparePages <= 0) return NONE;
    const unbacked = memory.take(PageState.FREE_UNBACKED);
    if (unbacked < 0) return NONE;
    memory.put(unbacked, PageState.BALLOON);
    return UNBACKED;
  }
}
