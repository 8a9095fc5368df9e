/**
 * Touches of the pages a component has out (swapped out, or dropped from
 * the page cache): faults drawn per touch-rate bucket, each reading its
 * readahead window. The workload runs it for each component, before growth.
 */
import type { FaultLatencies, LinuxSettings } from '../model/scenario.js';
import { BUCKETS, COLD_BUCKET } from './access-pattern.js';
import type { Component } from './component.js';
import { PGREF_BIT, YOUNG_BIT } from './component-layout.js';
import type { GuestMemory } from './guest-memory.js';
import { DEFERRED, FAILED, type OomHandler, type PageAllocator, type TaskClock } from './page-allocator.js';
import type { SwapDevice, VmEvents } from './vm-events.js';

export class OutPageFaults {
  /** Swap readahead: 2^page-cluster pages around a swap-in. */
  readonly swapWindowPages: number;
  /** File readahead: read_ahead_kb around a page-cache miss. */
  readonly fileWindowPages: number;
  /** Touches of out pages left undone in the last `touch` (it ran out of time), of `touchesOut` it had (the caller sets both to 0 first). */
  workLeft = 0;
  touchesOut = 0;

  constructor(
    private readonly memory: GuestMemory,
    private readonly tickMs: number,
    private readonly latency: FaultLatencies,
    private readonly swap: SwapDevice,
    private readonly events: VmEvents,
    linux: LinuxSettings,
    pageBytes: number,
  ) {
    this.swapWindowPages = 2 ** linux.pageCluster;
    this.fileWindowPages = Math.max(1, Math.floor(linux.readAheadBytes / pageBytes));
  }

  /**
   * The component touches pages that are out: touches are drawn per bucket
   * from its out pages. A touched page that is still out faults: it is read
   * back with its readahead window (the aligned 2^page-cluster pages around
   * it for swap, `readAhead` of a file; one page for random order), the
   * neighbours that are out coming in unreferenced on the inactive list.
   * What counts: a swap-in fault is one major fault, whatever it reads; a
   * read() miss is a file refault per page, never a major fault; a miss of a
   * mapped file is a major fault per readahead window (per page in random
   * order). Pages a window brought in are not touched again as faults.
   */
  touch(component: Component, task: TaskClock, allocator: PageAllocator, oom: OomHandler): void {
    const anonymous = component.anonymous;
    const mapped = !anonymous && component.spec.access === 'mmap';
    const window = anonymous ? this.swapWindowPages : this.fileWindowPages;
    const readahead = component.spec.order !== 'random' && window > 1;
    const costMs = anonymous ? this.latency.majorMs : this.latency.refaultMs;
    const probability = component.pattern.touchProbability;
    const random = component.random;
    let expectedAll = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) expectedAll += component.outCounts[bucket]! * probability[bucket]!;
    this.touchesOut = expectedAll;
    let consumed = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const out = component.outCounts[bucket]!;
      const p = probability[bucket]!;
      if (out === 0 || p === 0) continue;
      // Touches of out pages still to come in this bucket (fractional; readahead hits use some up).
      let touches = out * p;
      const whole = Math.floor(touches);
      touches = whole + (random.next() < touches - whole ? 1 : 0);
      while (touches >= 1 && component.outCounts[bucket]! > 0) {
        // A swap-in waits for one read of its window; page-cache reads cost per page read.
        const needMs = anonymous ? costMs : costMs * Math.min(readahead ? window : 1, component.outPages);
        // Pages a tick's faults can use: each fault reads its window.
        const pagesPerTick = Math.floor(this.tickMs / costMs) * (readahead && anonymous ? window : 1);
        if (task.remainingMs < needMs) {
          // Out of time with faults to come: make sure next tick has pages for them.
          allocator.reserveAhead(Math.min(Math.ceil(expectedAll - consumed) * (readahead ? window : 1), pagesPerTick));
          this.workLeft = Math.max(0, expectedAll - consumed);
          return;
        }
        const page = this.allocateOrOom(component, task, allocator, oom);
        if (page === DEFERRED) {
          // The page needs a frame from the host: claim one for each fault
          // still to come (as many as a tick has time for); they are taken next tick.
          const more = Math.min(Math.ceil(expectedAll - consumed) * (readahead ? window : 1) - 1, pagesPerTick - 1);
          if (more > 0) allocator.claimUnbacked(more);
          this.workLeft = Math.max(0, expectedAll - consumed);
          return;
        }
        if (page < 0) {
          this.workLeft = Math.max(0, expectedAll - consumed);
          return;
        }
        touches--;
        consumed++;
        this.memory.put(page, component.state);
        // A mapped file read in order faults where its reader is: the next out page after its stream.
        const streaming = mapped && readahead;
        const next = streaming ? this.nextOutPage(component) : -1;
        let index: number;
        if (next >= 0) {
          index = next;
          component.faultInAt(index, component.pattern.bucketOf(index, component.hot), page, YOUNG_BIT | PGREF_BIT);
        } else index = component.faultIn(bucket, random.int(component.outCounts[bucket]!), page);
        // Readahead that was already streaming into this run covers the fault (async readahead): only a run's first miss waits.
        const synchronous = !streaming || next !== component.streamEnd;
        let read = 1;
        if (readahead) read += this.readAround(component, index, window, task, allocator);
        // Touched in order, the pages read ahead are the next ones touched: those touches are hits now.
        if (read > 1) {
          touches -= read - 1;
          consumed += read - 1;
        }
        if (anonymous) {
          task.stall(costMs);
          this.events.majorFaults++;
          this.swap.usedPages -= read;
          this.events.swapInPages += read;
        } else {
          task.stall(costMs * read);
          this.events.refaults += read;
          if (mapped) this.events.majorFaults += readahead ? (synchronous ? 1 : 0) : read;
          if (streaming) component.streamEnd = Math.min(component.size, index - (index % window) + window) % Math.max(1, component.size);
        }
      }
      if (bucket === COLD_BUCKET) break;
    }
  }

  /**
   * Readahead around logical page `index`: the out pages of its aligned
   * window of `window` pages come in too (inactive, young: touched in order,
   * they are the next pages touched), as long
   * as pages can be had without the OOM path or waiting for the host.
   * Returns how many.
   */
  private readAround(component: Component, index: number, window: number, task: TaskClock, allocator: PageAllocator): number {
    const start = index - (index % window);
    const end = Math.min(component.size, start + window);
    const logical = component.logical;
    const pattern = component.pattern;
    // The window's pages go up through the buckets: the bucket is found at the first page and again past its end (bucketOf for every page was half of readahead's own time).
    const hot = component.hot;
    let bucket = 0;
    let bucketEnd = 0;
    let read = 0;
    for (let at = start; at < end; at++) {
      if (at === index || logical[at]! >= 0) continue;
      // Readahead allocates as the fault does (direct reclaim included), but gives up rather than meet the OOM path.
      const page = allocator.allocate(task);
      if (page < 0) break;
      this.memory.put(page, component.state);
      if (at >= bucketEnd) {
        bucket = pattern.bucketOf(at, hot);
        bucketEnd = pattern.bucketEnd(bucket, hot, component.size);
      }
      // Touched in order, a page read ahead is touched soon after: young, on the inactive list.
      component.faultInAt(at, bucket, page, YOUNG_BIT);
      read++;
    }
    return read;
  }

  /** A page for a fault of `component`: from the allocator, or after the OOM path did something. */
  private allocateOrOom(component: Component, task: TaskClock, allocator: PageAllocator, oom: OomHandler): number {
    const page = allocator.allocate(task);
    if (page !== FAILED) return page;
    if (!oom(task) || component.deadUntilMs >= 0) return FAILED;
    return allocator.allocate(task);
  }

  /**
   * The first out page at or after the end of the component's read stream
   * (wrapping around), skipping groups of 32 pages that are all resident;
   * -1 if none is out.
   */
  private nextOutPage(component: Component): number {
    const size = component.size;
    if (component.outPages === 0 || size === 0) return -1;
    const logical = component.logical;
    const groups = component.groupResident;
    let at = component.streamEnd < size ? component.streamEnd : 0;
    for (let visited = 0; visited < size; ) {
      const group = at >> 5;
      const groupEnd = Math.min(size, (group + 1) << 5);
      if (groups[group] === groupEnd - (group << 5)) {
        visited += groupEnd - at;
        at = groupEnd === size ? 0 : groupEnd;
        continue;
      }
      if (logical[at]! < 0) return at;
      visited++;
      at = at + 1 === size ? 0 : at + 1;
    }
    return -1;
  }
}
