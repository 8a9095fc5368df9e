import type { FaultLatencies, WorkloadComponent } from '../scenario/types.js';
import { deriveSeed, Random } from '../util/random.js';
import { BUCKETS, COLD_BUCKET } from './access-pattern.js';
import { Component } from './component.js';
import type { HostSwapUnit } from './host-swap.js';
import type { GuestMemory } from './guest-memory.js';
import { DEFERRED, FAILED, TaskClock, type PageAllocator } from './page-allocator.js';
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

/** What one component looks like at the end of a run, in pages. */
export interface ComponentReport {
  name: string;
  kind: WorkloadComponent['kind'];
  /** Logical pages it holds (resident or out). */
  pages: number;
  residentPages: number;
  /** Pages out: in swap (anon) or dropped from the page cache (file). */
  outPages: number;
  hotPages: number;
  hotResidentPages: number;
  kills: number;
}

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
export class Workload {
  readonly components: Component[];
  /** Host paging: touches of pages the host paged out are host swap faults (set by the guest actor). */
  hostSwap: HostSwapUnit | null = null;
  private readonly task = new TaskClock();
  private readonly scratch = new Int32Array(GROWTH_CHUNK_PAGES);

  constructor(
    specs: ReadonlyArray<WorkloadComponent>,
    private readonly memory: GuestMemory,
    private readonly pageBytes: number,
    private readonly tickMs: number,
    private readonly latency: FaultLatencies,
    private readonly swap: SwapDevice,
    private readonly events: VmEvents,
    guestSeed: number,
  ) {
    this.components = specs.map(
      (spec, index) =>
        new Component(
          spec,
          new SizeCurveSampler(spec.size, new Random(deriveSeed(guestSeed, 'workload', index))),
          new Random(deriveSeed(guestSeed, 'faults', index)),
          tickMs,
          memory.frameMap,
        ),
    );
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

  /** One tick at `nowMs`; tasks' stall goes to `pressure`. */
  step(nowMs: number, allocator: PageAllocator, pressure: PressureStall, oom: OomHandler): void {
    for (let index = 0; index < this.components.length; index++) {
      const component = this.components[index]!;
      const task = this.task;
      task.reset(this.tickMs);
      const demand = this.demandPages(component, nowMs);
      if (demand < component.size) this.dropOut(component.shrinkTo(demand, this.memory), component);
      if (component.size > 0 && component.pattern.touches) {
        task.active = true;
        if (component.outPages > 0) this.fault(component, task, allocator, oom);
        if (component.hostSwap.total > 0) this.hostSwap?.touch(component, index, task);
      }
      if (component.deadUntilMs < 0 && demand > component.size) {
        task.active = true;
        this.grow(component, demand - component.size, nowMs, task, allocator, oom);
      }
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
    }));
  }

  /** Bytes of typed arrays the workload holds (for the memory budget). */
  get footprintBytes(): number {
    let bytes = this.scratch.byteLength;
    for (const component of this.components) bytes += component.footprintBytes;
    return bytes;
  }

  /** Pages that were out and are gone: anonymous ones free their swap slots. */
  private dropOut(outPages: number, component: Component): void {
    if (component.anonymous) this.swap.usedPages -= outPages;
  }

  private fault(component: Component, task: TaskClock, allocator: PageAllocator, oom: OomHandler): void {
    const costMs = component.anonymous ? this.latency.majorMs : this.latency.refaultMs;
    const probability = component.pattern.touchProbability;
    const random = component.random;
    let expectedAll = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) expectedAll += component.outCounts[bucket]! * probability[bucket]!;
    let done = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const out = component.outCounts[bucket]!;
      const p = probability[bucket]!;
      if (out === 0 || p === 0) continue;
      const expected = out * p;
      let faults = Math.floor(expected);
      if (random.next() < expected - faults) faults++;
      for (let i = 0; i < faults && component.outCounts[bucket]! > 0; i++) {
        if (task.remainingMs < costMs) {
          // Out of time with faults to come: make sure next tick has pages for them.
          allocator.reserveAhead(Math.min(Math.ceil(expectedAll) - done, Math.floor(this.tickMs / costMs)));
          return;
        }
        const page = this.allocateOrOom(component, task, allocator, oom);
        if (page === DEFERRED) {
          // The page needs a frame from the host: claim one for each fault
          // still to come (as many as a tick has time for); they are taken next tick.
          const more = Math.min(Math.ceil(expectedAll) - done - 1, Math.floor(this.tickMs / costMs) - 1);
          if (more > 0) allocator.claimUnbacked(more);
          return;
        }
        if (page < 0) return;
        done++;
        this.memory.put(page, component.state);
        component.faultIn(bucket, random.int(component.outCounts[bucket]!), page);
        task.stall(costMs);
        this.events.majorFaults++;
        if (component.anonymous) {
          this.swap.usedPages--;
          this.events.swapInPages++;
        } else this.events.refaults++;
      }
      if (bucket === COLD_BUCKET) break;
    }
  }

  private grow(component: Component, wanted: number, nowMs: number, task: TaskClock, allocator: PageAllocator, oom: OomHandler): void {
    const costMs = component.anonymous ? this.latency.minorMs : this.latency.refaultMs;
    const scratch = this.scratch;
    let count = 0;
    let left = wanted;
    // One reallocation for a large growth, never more than the guest could hold.
    component.reserve(component.size + Math.min(wanted, Math.floor(task.remainingMs / costMs), this.memory.pages));
    while (left > 0) {
      const affordable = Math.floor(task.remainingMs / costMs);
      if (affordable <= 0) break;
      // Fast path: free backed pages above the min watermark, many at once.
      const got = allocator.takeFree(scratch, count, Math.min(left, affordable, scratch.length - count));
      let taken = got;
      if (got === 0) {
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
          component.grow(scratch, count, nowMs);
          count = 0;
          if (!oom(task) || component.deadUntilMs >= 0) return;
          page = allocator.allocate(task);
          if (page === FAILED) return;
        }
        if (page === DEFERRED) {
          left--;
          continue;
        }
        scratch[count] = page;
        taken = 1;
      }
      this.memory.putMany(scratch, count, taken, PageState.FREE, component.state);
      count += taken;
      left -= taken;
      // A first touch (anonymous) or a first read (page cache) is work, not a stall on memory.
      task.spend(taken * costMs);
      if (component.anonymous) this.events.minorFaults += taken;
      if (count === scratch.length) {
        component.grow(scratch, count, nowMs);
        count = 0;
      }
    }
    component.grow(scratch, count, nowMs);
  }

  /** A page for a fault of `component`: from the allocator, or after the OOM path did something. */
  private allocateOrOom(component: Component, task: TaskClock, allocator: PageAllocator, oom: OomHandler): number {
    const page = allocator.allocate(task);
    if (page !== FAILED) return page;
    if (!oom(task) || component.deadUntilMs >= 0) return FAILED;
    return allocator.allocate(task);
  }

  private demandPages(component: Component, nowMs: number): number {
    const bytes = component.sampler.bytesAt(nowMs);
    if (component.deadUntilMs >= 0) {
      if (nowMs < component.deadUntilMs) return 0;
      component.deadUntilMs = -1;
    }
    return Math.max(0, Math.floor(bytes / this.pageBytes));
  }
}
