import { framesInRuns, type BootMessage, type GrantMessage, type GuestToHost, type HostToGuest } from '../messages/protocol.js';
import type { GuestInit, GuestReport } from '../messages/runtime.js';
import { assertNever } from '../util/assert-never.js';
import { GuestParts } from './guest-parts.js';
import { guestReport } from './guest-report.js';
import { guestSelfCheck } from './guest-self-check.js';
import type { GuestFigures } from './guest-signals.js';
import { guestFigures, newGuestFigures, publishStats } from './guest-stats.js';
import { OomPath } from './oom-path.js';
import { TaskClock } from './page-allocator.js';
import { PageState } from './page-state.js';

/** The protocol version this guest speaks. */
export const GUEST_PROTOCOL_VERSION = 1;

/** Largest first-touch request in one message; a limit on everything. */
const POPULATE_PAGES_PER_REQUEST_MAX = 1 << 20;

/**
 * One guest VM: its memory, its workload and its balloon driver. The actor
 * only reacts to `step`: it reads the messages the host sent since the last
 * tick, advances its workload, kernel and balloon driver by one tick, and
 * returns the messages it sends. It touches no clock and no global state, so
 * the same code runs inline or on a worker thread and gives the same result.
 *
 * A tick, in order: the inbox; the workload (shrink, faults, growth, with
 * direct reclaim and the OOM path); the kernel's own small allocations
 * (which meet the OOM path when free memory is at the min watermark and
 * nothing can be reclaimed); one `populate` request for the pages claimed;
 * the balloon driver; kswapd (background reclaim from the low to the high
 * watermark); free page reporting; pressure-stall averages; stats, pressure
 * reports and distress; the status.
 */
export class GuestActor {
  readonly index: number;
  readonly name: string;
  private readonly parts: GuestParts;
  private readonly oom: OomPath;
  private readonly oomHandler: (task: TaskClock | null) => boolean;
  private readonly figuresOfTick: () => GuestFigures;
  private booted = false;
  private alive = true;
  private hostShortPages = 0;
  /** The tick being stepped: its time and its outbox. */
  private nowMs = 0;
  private outbox: GuestToHost[] = [];

  constructor(init: GuestInit) {
    this.index = init.index;
    this.name = init.spec.name;
    this.parts = new GuestParts(init);
    this.oom = new OomPath(this.parts);
    this.oomHandler = (task) => this.oom.handle(task, this.nowMs, this.outbox);
    const figures = newGuestFigures();
    this.figuresOfTick = () => guestFigures(this.parts, figures);
  }

  /** One tick: handle the inbox, advance workload, kernel and driver, and return the outbox. */
  step(tick: number, inbox: ReadonlyArray<HostToGuest>): GuestToHost[] {
    if (!this.alive) return [];
    const parts = this.parts;
    const { memory, allocator, pressure, workload, driver, hostSwap } = parts;
    const nowMs = tick * parts.tickMs;
    const outbox: GuestToHost[] = [];
    this.nowMs = nowMs;
    this.outbox = outbox;
    this.oom.beginTick();
    for (const message of inbox) this.handle(message, nowMs);
    if (this.booted) {
      parts.reclaimer.beginTick(nowMs);
      pressure.beginTick();
      workload.step(nowMs, allocator, pressure, this.oomHandler);
      parts.progress.count(workload.tickWorkWanted, workload.tickWorkDone);
      allocator.endWorkloadStep();
      this.kernelAllocations();
      this.askPopulate(outbox);
      hostSwap.askSwapIn(outbox, parts.nextId);
      parts.growth.step(nowMs, parts.tickMs, driver.targetPages, memory.count(PageState.BALLOON), outbox);
      driver.step(nowMs, outbox);
      this.kswapd();
      parts.reporter?.step(nowMs, outbox);
      hostSwap.endTick(outbox);
      parts.sampler.step(nowMs, parts.tickMs, outbox);
      allocator.endTick();
      pressure.endTick();
      parts.signals.step(nowMs, memory.count(PageState.BALLOON), parts.usedPages(), parts.freePages(), this.figuresOfTick, this.oom.reachedThisTick, pressure.full[0]!, outbox);
      publishStats(parts);
    }
    memory.trim();
    memory.publish();
    this.outbox = [];
    return outbox;
  }

  /** Stops the guest for good (it crashed or was destroyed). */
  stop(): void {
    this.alive = false;
  }

  report(): GuestReport {
    return guestReport(this.parts, { index: this.index, alive: this.alive, booted: this.booted, hostShortPages: this.hostShortPages });
  }

  /**
   * Checks the guest's own bookkeeping (a full scan, for tests): the free
   * lists and counters, every component's logical pages against the page
   * states, swap use against the pages in swap, and the claims on unbacked pages.
   */
  selfCheck(): string[] {
    return guestSelfCheck(this.parts);
  }

  /** Bytes of typed arrays the guest's state uses (shared page map and states included): the per-page memory budget. */
  get footprintBytes(): number {
    return this.parts.memory.footprintBytes + this.parts.workload.footprintBytes;
  }

  private handle(message: HostToGuest, nowMs: number): void {
    switch (message.type) {
      case 'boot':
        this.onBoot(message);
        return;
      case 'setTarget':
        this.parts.driver.setTarget(message.targetPages, nowMs);
        return;
      case 'grant':
        this.onGrant(message, nowMs);
        return;
      case 'releaseAck':
        this.parts.driver.onReleaseAck(message, nowMs);
        return;
      case 'reportAck':
        if (this.parts.reporter === null) throw new Error(`GuestActor ${this.name}: a report ack came, but free page reporting is off`);
        this.parts.reporter.onReportAck(message);
        return;
      case 'sampleActive':
        this.parts.sampler.start(message, nowMs, this.outbox);
        return;
      case 'pageOut':
        this.parts.hostSwap.onPageOut(message, this.outbox);
        return;
      case 'plugReply':
        this.parts.growth.onReply(message, nowMs);
        return;
      default:
        assertNever(message, `GuestActor ${this.name}`);
    }
  }

  private onBoot(boot: BootMessage): void {
    const { memory, kernelPages } = this.parts;
    if (this.booted) throw new Error(`GuestActor ${this.name}: booted twice`);
    if (boot.version !== GUEST_PROTOCOL_VERSION) {
      throw new Error(`GuestActor ${this.name}: host speaks protocol ${boot.version}, guest speaks ${GUEST_PROTOCOL_VERSION}`);
    }
    const bootFrames = framesInRuns(boot.runs);
    if (bootFrames < kernelPages) {
      throw new Error(`GuestActor ${this.name}: booted with ${bootFrames} frames, its kernel needs ${kernelPages}`);
    }
    memory.layOut(this.parts.bootPages, this.parts.growth.hotplug);
    this.backUnbackedPages(boot.runs);
    // The kernel's pages: the first free pages, a run of the free stack at a time.
    for (let done = 0; done < kernelPages; ) {
      const got = memory.takeRun(PageState.FREE, kernelPages - done);
      if (got === 0) throw new Error(`GuestActor ${this.name}: ${kernelPages - done} kernel pages found no free backed page`);
      memory.putRun(memory.runFirst, got, memory.runStep, PageState.FREE, PageState.KERNEL);
      done += got;
    }
    this.parts.driver.targetPages = boot.targetPages;
    this.booted = true;
  }

  private onGrant(grant: GrantMessage, nowMs: number): void {
    switch (grant.purpose) {
      case 'deflate':
        this.parts.driver.onDeflateGrant(grant, nowMs);
        return;
      case 'populate': {
        const granted = framesInRuns(grant.runs);
        this.parts.allocator.onPopulateGrant(grant.pagesAsked, granted);
        this.hostShortPages += grant.pagesAsked - granted;
        this.backUnbackedPages(grant.runs);
        return;
      }
      case 'swapIn':
        this.parts.hostSwap.onSwapInGrant(grant, this.outbox);
        return;
      default:
        assertNever(grant.purpose, `GuestActor ${this.name} grant`);
    }
  }

  /** Puts the frames of granted runs behind unbacked free pages, which become free backed pages: run by run, both sides. */
  private backUnbackedPages(runs: Int32Array): void {
    const memory = this.parts.memory;
    for (let r = 0; r < runs.length; r += 2) {
      const first = runs[r]!;
      const count = runs[r + 1]!;
      for (let done = 0; done < count; ) {
        const got = memory.takeRun(PageState.FREE_UNBACKED, count - done);
        if (got === 0) throw new Error(`GuestActor ${this.name}: granted a frame with no unbacked page to put it behind`);
        const page = memory.runFirst;
        const step = memory.runStep;
        memory.mapPageRun(page, step, got, first + done);
        memory.putRun(page, got, step, PageState.FREE_UNBACKED, PageState.FREE);
        done += got;
      }
    }
  }

  /** Asks the host to back the unbacked pages claimed this tick. */
  private askPopulate(outbox: GuestToHost[]): void {
    let pages = this.parts.allocator.takePopulateAsk();
    while (pages > 0) {
      const ask = Math.min(pages, POPULATE_PAGES_PER_REQUEST_MAX);
      outbox.push({ type: 'request', id: this.parts.nextId(), purpose: 'populate', pages: ask, withFrames: true });
      pages -= ask;
    }
  }

  /**
   * The kernel's own allocations (slab, page tables, buffers): small, all the
   * time. They matter only at the min watermark: if direct reclaim cannot
   * free anything then, the allocation takes the OOM path. This is how an
   * over-shrunk guest whose workload no longer allocates still meets the OOM
   * killer, as a real one does.
   */
  private kernelAllocations(): void {
    const allocator = this.parts.allocator;
    if (allocator.availablePages > allocator.watermarks.minPages) return;
    const task = this.kernelTask;
    task.reset(this.parts.tickMs);
    if (!allocator.directReclaim(task)) this.oomHandler(task);
    // Kernel allocations stall whoever makes them: some pressure, never full.
    this.parts.pressure.task(task.stallMs, false);
    this.parts.events.stallMsTotal += task.stallMs;
  }

  /** The time of the kernel's own allocations in the current tick. */
  private readonly kernelTask = new TaskClock();

  /**
   * kswapd: woken below the low watermark, it reclaims in the background
   * until free memory is above the high one, within the tick. As Linux's
   * balance_pgdat, each pass tries to reclaim a whole batch (the sum of the
   * zones' high watermarks), at rising scan priority, and the balance is
   * checked only between passes: the pass that crosses the high watermark
   * overshoots it.
   */
  private kswapd(): void {
    const allocator = this.parts.allocator;
    const { lowPages, kswapdBatchPages } = allocator.watermarks;
    if (allocator.availablePages >= lowPages) return;
    this.parts.reclaimer.reclaim(kswapdBatchPages, 'kswapd', this.parts.tickMs, this.kswapdBalanced);
  }

  private readonly kswapdBalanced = (): boolean => this.parts.allocator.availablePages >= this.parts.allocator.watermarks.highPages;
}
