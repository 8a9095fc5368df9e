import type { ComponentReport } from '../messages/runtime.js';
import { curveMaxBytes } from '../model/curve-max.js';
import { LINUX_DEFAULTS } from '../model/defaults.js';
import type { FaultLatencies, LinuxSettings, WorkloadComponent } from '../model/scenario.js';
import { deriveSeed, Random } from '../util/random.js';
import { Component } from './component.js';
import type { HostSwapUnit } from './host-swap.js';
import type { GuestMemory } from './guest-memory.js';
import { DEFERRED, FAILED, TaskClock, type OomHandler, type PageAllocator } from './page-allocator.js';
import { OutPageFaults } from './out-page-faults.js';
import { PageRuns } from './page-runs.js';
import type { PressureStall } from './pressure-stall.js';
import { SizeCurveSampler } from './size-curve.js';
import type { SwapDevice, VmEvents } from './vm-events.js';

/** Growth is committed to a component in chunks of at most this many pages. */
const GROWTH_CHUNK_PAGES = 4096;

/**
 * What runs in the guest: components (tasks) whose sizes follow curves over
 * time and whose pages are touched as their access patterns say. Each tick,
 * every live component, within the time of the tick:
 *
 * 1. shrinks to its demand (freeing pages, and swap slots of pages that were out);
 * 2. touches pages that are out (out-page-faults.ts): faults are drawn per
 *    touch-rate bucket from the pages out in it (O(buckets + faults)); each
 *    costs the fault latency as stall time and needs a free page (direct
 *    reclaim, or the OOM path);
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
  /** Touches of pages that are out: faults, with readahead. */
  private readonly faults: OutPageFaults;

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
    this.faults = new OutPageFaults(memory, tickMs, latency, swap, events, linux, pageBytes);
    this.components = specs.map(
      (spec, index) =>
        new Component(
          spec,
          new SizeCurveSampler(spec.size, new Random(deriveSeed(guestSeed, 'workload', index))),
          new Random(deriveSeed(guestSeed, 'faults', index)),
          tickMs,
          memory.mapWords,
          // Its size is the curve's pages at most (step): room for that many entries.
          Math.floor(curveMaxBytes(spec.size) / pageBytes),
        ),
    );
    for (const component of this.components) {
      if (component.spec.order === 'random') continue;
      const window = component.anonymous ? this.faults.swapWindowPages : this.faults.fileWindowPages;
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
      const faults = this.faults;
      faults.workLeft = 0;
      faults.touchesOut = 0;
      if (component.size > 0 && component.pattern.touches) {
        task.active = true;
        if (component.outPages > 0) faults.touch(component, task, allocator, oom);
        if (component.hostSwap.total > 0) this.hostSwap?.touch(component, index, task);
        // Out of time with touches of out pages left: the rest of its touches waited behind them.
        if (faults.workLeft > 0 && faults.touchesOut > 0) touchesDone *= Math.max(0, 1 - faults.workLeft / faults.touchesOut);
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

  /** Whether the component runs at `nowMs`: a killed one is dead until its restart time (for ever without restart). */
  private alive(component: Component, nowMs: number): boolean {
    if (component.deadUntilMs >= 0) {
      if (nowMs < component.deadUntilMs) return false;
      component.deadUntilMs = -1;
    }
    return true;
  }
}
