import type { ComponentReport } from '../messages/runtime.js';
import { LINUX_DEFAULTS } from '../model/defaults.js';
import type { FaultLatencies, LinuxSettings, WorkloadComponent } from '../model/scenario.js';
import { deriveSeed, Random } from '../util/random.js';
import { BUCKETS, COLD_BUCKET } from './access-pattern.js';
import { Component } from './component.js';
import { PGREF_BIT, YOUNG_BIT } from './component-layout.js';
import type { HostSwapUnit } from './host-swap.js';
import type { GuestMemory } from './guest-memory.js';
import { DEFERRED, FAILED, TaskClock, type PageAllocator } from './page-allocator.js';
import { PageRuns } from './page-runs.js';
import { PageState } from './page-state.js';
import type { PressureStall } from './pressure-stall.js';
import { SizeCurveSampler } from './size-curve.js';
import type { SwapDevice, VmEvents } from './vm-events.js';

/** Growth is committed to a component in chunks of at most this many pages. */
const GROWTH_CHUNK_PAGES = 4096;

/**
 * The OOM path, as the workload sees it: returns true if something was done
 * (the balloon gave pages back, or a component was killed) so that the
 * allocation may be tried again.
 */
export type OomHandler = (task: TaskClock | null) => boolean;

/**
 * What runs in the guest: components (tasks) whose sizes follow curves over
 * time and whose pages are touched as their access patterns say. Each tick,
 * every live component, within the time of the tick:
 *
 * 1. shrinks to its demand (freeing pages, and swap slots of pages that were out);
 * 2. touches pages that are out: faults are drawn per touch-rate bucket from
 *    the pages out in it (O(buckets + faults)); each costs the fault latency
 *    as stall time and needs a free page (direct reclaim, or the OOM path);
 * 3. grows toward its demand: each new page is a minor fault (anonymous
 *    memory) or a read (page cache), from free memory, reclaim, or the OOM path.
 *
 * A component out of time stops for the tick (it ran slower); a page it could
 * only get by asking the host for a frame waits for the next tick.
 */
/**
 * Pages a growth takes from the free list, in chunks of runs: one batch for
 * every guest of a thread (guests step one at a time, and a growth never
 * starts another).
 */
const growthBatch = new PageRuns(GROWTH_CHUNK_PAGES);

export class Workload {
  readonly components: Component[];
  /** Host paging: touches of pages the host paged out are host swap faults (set by the guest actor). */
  hostSwap: HostSwapUnit | null = null;
  private readonly task = new TaskClock();
  /** Swap readahead: 2^page-cluster pages around a swap-in. */
  private readonly swapWindowPages: number;
  /** File readahead: read_ahead_kb around a page-cache miss. */
  private readonly fileWindowPages: number;
  /** Touches of out pages left undone in the current component's step (it ran out of time), of `touchesOut` it had. */
  private workLeft = 0;
  private touchesOut = 0;

  constructor(
    specs: ReadonlyArray<WorkloadComponent>,
    private readonly memory: GuestMemory,
    private readonly pageBytes: number,
    private readonly tickMs: number,
    private readonly latency: FaultLatencies,
    private readonly swap: SwapDevice,
    private readonly events: VmEvents,
    guestSeed: number,
    linux: LinuxSettings = LINUX_DEFAULTS,
  ) {
    this.swapWindowPages = 2 ** linux.pageCluster;
    this.fileWindowPages = Math.max(1, Math.floor(linux.readAheadBytes / pageBytes));
    this.components = specs.map(
      (spec, index) =>
        new Component(
          spec,
          new SizeCurveSampler(spec.size, new Random(deriveSeed(guestSeed, 'workload', index))),
          new Random(deriveSeed(guestSeed, 'faults', index)),
          tickMs,
          memory.mapWords,
        ),
    );
    for (const component of this.components) {
      if (component.spec.order === 'random') continue;
      const window = component.anonymous ? this.swapWindowPages : this.fileWindowPages;
      component.touchGroupShift = Math.floor(Math.log2(window));
    }
  }

  /** Logical pages held by all components (resident or out). */
  get logicalPages(): number {
    let pages = 0;
    for (const component of this.components) pages += component.size;
    return pages;
  }

  /** Resident pages of all components. */
  get residentPages(): number {
    let pages = 0;
    for (const component of this.components) pages += component.resident;
    return pages;
  }

  /** Logical pages of anonymous components (resident or in swap): what the workload has committed. */
  get anonymousPages(): number {
    let pages = 0;
    for (const component of this.components) if (component.anonymous) pages += component.size;
    return pages;
  }

  /** Work wanted and done by all components in the last tick (page touches and first touches). */
  tickWorkWanted = 0;
  tickWorkDone = 0;

  /** One tick at `nowMs`; tasks' stall goes to `pressure`. */
  step(nowMs: number, allocator: PageAllocator, pressure: PressureStall, oom: OomHandler): void {
    this.tickWorkWanted = 0;
    this.tickWorkDone = 0;
    for (let index = 0; index < this.components.length; index++) {
      const component = this.components[index]!;
      const task = this.task;
      task.reset(this.tickMs);
      const curvePages = Math.max(0, Math.floor(component.sampler.bytesAt(nowMs) / this.pageBytes));
      const demand = this.alive(component, nowMs) ? curvePages : 0;
      if (demand < component.size) this.dropOut(component.shrinkTo(demand, this.memory), component);
      // The work it wants: touches of the pages its curve asks for (a dead process wants them too, and does none), and its growth.
      const touchesWanted = curvePages * component.pattern.touchesPerPageTick;
      let touchesDone = demand > 0 ? touchesWanted : 0;
      this.workLeft = 0;
      this.touchesOut = 0;
      if (component.size > 0 && component.pattern.touches) {
        task.active = true;
        if (component.outPages > 0) this.fault(component, task, allocator, oom);
        if (component.hostSwap.total > 0) this.hostSwap?.touch(component, index, task);
        // Out of time with touches of out pages left: the rest of its touches waited behind them.
        if (this.workLeft > 0 && this.touchesOut > 0) touchesDone *= Math.max(0, 1 - this.workLeft / this.touchesOut);
      }
      const sizeBefore = component.size;
      const growthWanted = Math.max(0, demand - sizeBefore);
      if (component.deadUntilMs < 0 && demand > component.size) {
        task.active = true;
        this.grow(component, demand - component.size, nowMs, task, allocator, oom);
      }
      const wanted = touchesWanted + growthWanted;
      const done = Math.min(wanted, touchesDone + Math.max(0, component.size - sizeBefore));
      component.workWanted += wanted;
      component.workDone += done;
      this.tickWorkWanted += wanted;
      this.tickWorkDone += done;
      pressure.task(task.stallMs, task.active);
      this.events.stallMsTotal += task.stallMs;
    }
  }

  /**
   * The OOM killer: kills the anonymous component with the most memory
   * (resident and swapped), or the largest page-cache one if there is no
   * anonymous one, frees everything it held, and returns its name (or null).
   */
  killLargest(nowMs: number): string | null {
    let victim: Component | null = null;
    for (const pass of [true, false]) {
      for (const component of this.components) {
        if (component.anonymous !== pass || component.deadUntilMs >= 0 || component.size === 0) continue;
        if (victim === null || component.size > victim.size) victim = component;
      }
      if (victim !== null) break;
    }
    if (victim === null) return null;
    this.dropOut(victim.clear(this.memory), victim);
    // A killed process stays dead unless the scenario says something restarts it (empty; it grows toward its demand again).
    const restartMs = victim.spec.restartAfterMs;
    victim.deadUntilMs = restartMs === undefined ? Number.POSITIVE_INFINITY : nowMs + restartMs;
    victim.kills++;
    return victim.spec.name;
  }

  reports(): ComponentReport[] {
    return this.components.map((component) => ({
      name: component.spec.name,
      kind: component.spec.kind,
      pages: component.size,
      residentPages: component.resident,
      outPages: component.outPages,
      hotPages: component.hot,
      hotResidentPages: component.hot - component.hotOutPages,
      kills: component.kills,
      progress: component.workWanted > 0 ? component.workDone / component.workWanted : 1,
    }));
  }

  /** Bytes of typed arrays the workload holds (for the memory budget). */
  get footprintBytes(): number {
    let bytes = 0;
    for (const component of this.components) bytes += component.footprintBytes;
    return bytes;
  }

  /** Pages that were out and are gone: anonymous ones free their swap slots. */
  private dropOut(outPages: number, component: Component): void {
    if (component.anonymous) this.swap.usedPages -= outPages;
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
  private fault(component: Component, task: TaskClock, allocator: PageAllocator, oom: OomHandler): void {
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
    let read = 0;
    for (let at = start; at < end; at++) {
      if (at === index || logical[at]! >= 0) continue;
      // Readahead allocates as the fault does (direct reclaim included), but gives up rather than meet the OOM path.
      const page = allocator.allocate(task);
      if (page < 0) break;
      this.memory.put(page, component.state);
      // Touched in order, a page read ahead is touched soon after: young, on the inactive list.
      component.faultInAt(at, component.pattern.bucketOf(at, component.hot), page, YOUNG_BIT);
      read++;
    }
    return read;
  }

  private grow(component: Component, wanted: number, nowMs: number, task: TaskClock, allocator: PageAllocator, oom: OomHandler): void {
    const costMs = component.anonymous ? this.latency.minorMs : this.latency.refaultMs;
    const batch = growthBatch;
    batch.clear();
    let left = wanted;
    // One reallocation for a large growth, never more than the guest could hold.
    component.reserve(component.size + Math.min(wanted, Math.floor(task.remainingMs / costMs), this.memory.pages));
    while (left > 0) {
      const affordable = Math.floor(task.remainingMs / costMs);
      if (affordable <= 0) break;
      // Fast path: free backed pages above the min watermark, many at once (a run of the free list at a time).
      let taken = allocator.takeFree(batch, Math.min(left, affordable, GROWTH_CHUNK_PAGES - batch.pages), component.state);
      if (taken === 0) {
        // No free backed page to spare: claim unbacked ones (the host backs them by next tick)...
        const claimed = allocator.claimUnbacked(left);
        if (claimed > 0) {
          left -= claimed;
          continue;
        }
        // ...or, at the min watermark, one page the slow way: direct reclaim, then the OOM path.
        let page = allocator.allocate(task);
        if (page === FAILED) {
          // Commit what was taken, so that an OOM kill finds every page.
          component.growRuns(batch, nowMs);
          batch.clear();
          if (!oom(task) || component.deadUntilMs >= 0) return;
          page = allocator.allocate(task);
          if (page === FAILED) return;
        }
        if (page === DEFERRED) {
          left--;
          continue;
        }
        this.memory.put(page, component.state);
        batch.add(page, 1, 1);
        taken = 1;
      }
      left -= taken;
      // A first touch (anonymous) or a first read (page cache) is work, not a stall on memory.
      task.spend(taken * costMs);
      if (component.anonymous) this.events.minorFaults += taken;
      if (batch.pages === GROWTH_CHUNK_PAGES) {
        component.growRuns(batch, nowMs);
        batch.clear();
      }
    }
    component.growRuns(batch, nowMs);
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

  /** Whether the component runs at `nowMs`: a killed one is dead until its restart time (for ever without restart). */
  private alive(component: Component, nowMs: number): boolean {
    if (component.deadUntilMs >= 0) {
      if (nowMs < component.deadUntilMs) return false;
      component.deadUntilMs = -1;
    }
    return true;
  }
}
