/**
 * What the guest kernel counts about its memory, as /proc/vmstat does: totals
 * since boot, read by the stats the guest reports and by the run's summary.
 */
export class VmEvents {
  /** Anonymous pages read back from swap (pswpin). */
  swapInPages = 0;
  /** Anonymous pages written to swap (pswpout). */
  swapOutPages = 0;
  /** Faults that waited for I/O (pgmajfault): swap-ins (one per read, readahead included) and misses of mapped files that readahead had not covered. Not read() misses. */
  majorFaults = 0;
  /** First touches of new pages. */
  minorFaults = 0;
  /** Page-cache pages read again after being dropped (workingset_refault_file), by read() or by faults on mapped files. */
  refaults = 0;
  /** Allocations that had to reclaim before they could succeed (allocstall). */
  allocStalls = 0;
  /** Pages scanned and reclaimed by kswapd, in the background. */
  kswapdScanned = 0;
  kswapdReclaimed = 0;
  /** Pages scanned and reclaimed by allocating tasks (and the balloon), in direct reclaim. */
  directScanned = 0;
  directReclaimed = 0;
  /** Allocations that reached the OOM path (each is one OOM event: a deflate-on-OOM, a kill, or nothing to do). */
  oomEvents = 0;
  oomKills = 0;
  /** Pages the balloon gave back on OOM events (deflate-on-OOM). */
  deflateOnOomPages = 0;
  /** Free pages whose frames went back to the host by free page reporting. */
  reportedFreePages = 0;
  /** Time the workload's tasks spent stalled on memory (major faults, direct reclaim, OOM handling, host swap faults). */
  stallMsTotal = 0;
  /** Touches of pages the host paged out, and reads of such pages by the guest's own swap-out (host paging). */
  hostSwapFaults = 0;
  /** Pages the guest swapped out that the host had paged out already: each was read back from host swap first (double paging). */
  doublePagingPages = 0;
}

/** A guest's swap device: only its size and how much of it is used (slots have no identity in the model). */
export class SwapDevice {
  usedPages = 0;

  constructor(readonly capacityPages: number) {
    if (!Number.isSafeInteger(capacityPages) || capacityPages < 0) {
      throw new RangeError(`SwapDevice: capacityPages must be a whole number >= 0, got ${capacityPages}`);
    }
  }

  get freePages(): number {
    return this.capacityPages - this.usedPages;
  }
}
