import { framesInRuns, type BootMessage, type GrantMessage, type GuestToHost, type HostToGuest } from '../messages/protocol.js';
import type { GuestInit, GuestReport } from '../messages/runtime.js';
import { FAULT_LATENCY_DEFAULTS, HOST_SWAP_FAULT_MS_DEFAULT, LINUX_DEFAULTS } from '../scenario/model-defaults.js';
import { ActiveSampler } from './active-sampler.js';
import { GrowthUnit } from './growth.js';
import { HostSwapUnit } from './host-swap.js';
import { assertNever } from '../util/assert-never.js';
import { deriveSeed, Random } from '../util/random.js';
import { BalloonDriver } from './balloon-driver.js';
import { GUEST_PAGES_MAX } from './component.js';
import { DRIVER_PROFILES } from './driver-profiles.js';
import { FreePageReporter } from './free-page-reporter.js';
import { GuestMemory } from './guest-memory.js';
import { GuestSignals, type GuestFigures } from './guest-signals.js';
import { GuestSignalsWriter } from '../messages/guest-signals.js';
import { hypervFloorPages } from '../balloon/floors.js';
import { PageAllocator, TaskClock } from './page-allocator.js';
import { PAGE_STATE_COUNT, PAGE_STATE_NAMES, PageState } from './page-state.js';
import { PressureStall } from './pressure-stall.js';
import { Reclaimer } from './reclaim.js';
import { GuestSharedViews, Stat } from './shared-memory.js';
import { SwapDevice, VmEvents } from './vm-events.js';
import { watermarksFor } from './watermarks.js';
import { Workload } from './workload.js';

/** The protocol version this guest speaks. */
export const GUEST_PROTOCOL_VERSION = 1;

/** Largest first-touch request in one message; a limit on everything. */
const POPULATE_PAGES_PER_REQUEST_MAX = 1 << 20;

/** What the balloon gives back on each OOM event with deflate-on-OOM: 1 MiB (virtio's 256 pages of 4 KiB). */
export const OOM_DEFLATE_BYTES = 2 ** 20;

/** The window of the progress average (as PSI's avg10). */
const PROGRESS_WINDOW_MS = 10_000;

/** Time an OOM event costs the allocating task: reclaim retries, the notifier chain, the kill (about 50 events a second were measured). */
export const OOM_EVENT_MS = 20;

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
  private readonly memory: GuestMemory;
  private readonly shared: GuestSharedViews;
  private readonly workload: Workload;
  private readonly driver: BalloonDriver;
  private readonly allocator: PageAllocator;
  private readonly reclaimer: Reclaimer;
  private readonly pressure: PressureStall;
  private readonly signals: GuestSignals;
  private readonly reporter: FreePageReporter | null;
  private readonly hostSwap: HostSwapUnit;
  private readonly growth: GrowthUnit;
  private readonly sampler: ActiveSampler;
  private readonly events = new VmEvents();
  private readonly swap: SwapDevice;
  private readonly tickMs: number;
  private readonly frameBytes: number;
  private readonly bootPages: number;
  private readonly kernelPages: number;
  private readonly deflateOnOom: boolean;
  private readonly oomDeflatePages: number;
  private readonly oomHandler: (task: TaskClock | null) => boolean;
  private booted = false;
  private alive = true;
  private nextMessageId = 1;
  private hostShortPages = 0;
  /** The tick being stepped: its time, its outbox, and whether an allocation reached the OOM path. */
  private nowMs = 0;
  private outbox: GuestToHost[] = [];
  private oomThisTick = false;

  constructor(init: GuestInit) {
    const { spec, frameBytes } = init;
    this.index = init.index;
    this.name = spec.name;
    this.tickMs = init.tickMs;
    this.frameBytes = frameBytes;
    this.shared = new GuestSharedViews(init.shared);
    this.memory = new GuestMemory(this.shared);
    this.bootPages = Math.floor(spec.memoryBytes / frameBytes);
    this.kernelPages = Math.min(this.bootPages, Math.ceil(spec.kernelBytes / frameBytes));
    if (this.memory.pages !== Math.floor(spec.maxMemoryBytes / frameBytes)) {
      throw new RangeError(`GuestActor ${spec.name}: shared memory has ${this.memory.pages} pages, maxMemory needs ${Math.floor(spec.maxMemoryBytes / frameBytes)}`);
    }
    if (this.memory.pages > GUEST_PAGES_MAX) {
      throw new RangeError(`GuestActor ${spec.name}: ${this.memory.pages} pages is more than the model's ${GUEST_PAGES_MAX}; use a larger frameSize`);
    }
    this.swap = new SwapDevice(Math.floor(spec.swapBytes / frameBytes));
    this.workload = new Workload(
      spec.workload,
      this.memory,
      frameBytes,
      init.tickMs,
      spec.faultLatency ?? FAULT_LATENCY_DEFAULTS,
      this.swap,
      this.events,
      init.seed,
      spec.linux ?? LINUX_DEFAULTS,
    );
    this.reclaimer = new Reclaimer(this.workload.components, this.memory, this.swap, this.events, new Random(deriveSeed(init.seed, 'reclaim')), frameBytes);
    const hostSwapFaultMs = init.hostSwapFaultMs ?? HOST_SWAP_FAULT_MS_DEFAULT;
    this.reclaimer.hostSwapFaultMs = hostSwapFaultMs;
    this.hostSwap = new HostSwapUnit(this.memory, this.workload.components, this.events, new Random(deriveSeed(init.seed, 'host-swap')), hostSwapFaultMs);
    this.workload.hostSwap = this.hostSwap;
    this.sampler = new ActiveSampler(this.memory, this.workload.components, new Random(deriveSeed(init.seed, 'active-sample')));
    const linux = spec.linux ?? LINUX_DEFAULTS;
    const watermarks = watermarksFor(this.bootPages, frameBytes, { thp: linux.thp, scaleFactor: linux.watermarkScale, ...(linux.minFreeBytes !== undefined ? { minFreeBytes: linux.minFreeBytes } : {}) });
    this.allocator = new PageAllocator(this.memory, this.reclaimer, watermarks, this.events);
    this.growth = new GrowthUnit(spec.growth ?? { kind: 'reserved', blockBytes: 0, onlineDelayMs: 0 }, this.memory, this.allocator, this.bootPages, frameBytes, () => this.nextMessageId++);
    this.pressure = new PressureStall(init.tickMs);
    const profile = DRIVER_PROFILES[spec.driver.profile];
    this.driver = new BalloonDriver(
      profile,
      spec.driver.batchPages ?? profile.batchPages,
      spec.driver.inflateMode,
      {
        memory: this.memory,
        allocator: this.allocator,
        reclaimer: this.reclaimer,
        events: this.events,
        frameBytes,
        tickMs: init.tickMs,
        nextId: () => this.nextMessageId++,
        memAvailablePages: () => this.memAvailablePages(),
        balloonBasePages: () => this.growth.balloonBasePages(this.memory.pages - this.memory.count(PageState.UNPOPULATED)),
      },
      this.bootPages,
    );
    this.deflateOnOom = spec.driver.deflateOnOom;
    this.oomDeflatePages = Math.max(1, Math.floor(OOM_DEFLATE_BYTES / frameBytes));
    this.signals = new GuestSignals(spec.driver.statsIntervalMs, profile.pressureSkipMs, new GuestSignalsWriter(init.shared.signals));
    this.reporter = spec.driver.freePageReporting
      ? new FreePageReporter(this.memory, this.allocator, this.events, frameBytes, () => this.nextMessageId++)
      : null;
    this.oomHandler = (task) => this.onOom(task);
    this.figuresOfTick = () => this.figures();
  }

  private readonly figuresOfTick: () => GuestFigures;

  /** One tick: handle the inbox, advance workload, kernel and driver, and return the outbox. */
  step(tick: number, inbox: ReadonlyArray<HostToGuest>): GuestToHost[] {
    if (!this.alive) return [];
    const nowMs = tick * this.tickMs;
    const outbox: GuestToHost[] = [];
    this.nowMs = nowMs;
    this.outbox = outbox;
    this.oomThisTick = false;
    for (const message of inbox) this.handle(message, nowMs);
    if (this.booted) {
      this.reclaimer.beginTick(nowMs);
      this.pressure.beginTick();
      this.workload.step(nowMs, this.allocator, this.pressure, this.oomHandler);
      this.countWork();
      this.allocator.endWorkloadStep();
      this.kernelAllocations();
      this.askPopulate(outbox);
      this.hostSwap.askSwapIn(outbox, () => this.nextMessageId++);
      this.growth.step(nowMs, this.tickMs, this.driver.targetPages, this.memory.count(PageState.BALLOON), outbox);
      this.driver.step(nowMs, outbox);
      this.kswapd();
      this.reporter?.step(nowMs, outbox);
      this.hostSwap.endTick(outbox);
      this.sampler.step(nowMs, this.tickMs, outbox);
      this.allocator.endTick();
      this.pressure.endTick();
      this.signals.step(
        nowMs,
        this.memory.count(PageState.BALLOON),
        this.usedPages(),
        this.memory.count(PageState.FREE) + this.memory.count(PageState.FREE_UNBACKED),
        this.figuresOfTick,
        this.oomThisTick,
        this.pressure.full[0]!,
        outbox,
      );
      this.publishStats();
    }
    this.memory.trim();
    this.memory.publish();
    this.outbox = [];
    return outbox;
  }

  /** Stops the guest for good (it crashed or was destroyed). */
  stop(): void {
    this.alive = false;
  }

  report(): GuestReport {
    const memory = this.memory;
    const events = this.events;
    const pageStates: Record<string, number> = {};
    for (let state = 0; state < PAGE_STATE_COUNT; state++) {
      pageStates[PAGE_STATE_NAMES[state]!] = memory.count(state as never);
    }
    const driver = this.driver.counters;
    const some = this.pressure.some;
    const full = this.pressure.full;
    return {
      index: this.index,
      name: this.name,
      alive: this.alive,
      pages: memory.pages,
      memoryPages: memory.pages - memory.count(PageState.UNPOPULATED),
      targetPages: this.driver.targetPages,
      balloonPages: memory.count(PageState.BALLOON),
      peakBalloonPages: driver.peakBalloonPages,
      pageStates,
      mappedPages: memory.mappedPages,
      workloadPages: this.workload.residentPages,
      swapInPages: events.swapInPages,
      swapOutPages: events.swapOutPages,
      majorFaults: events.majorFaults,
      oomKills: events.oomKills,
      hostShortPages: this.hostShortPages,
      driver: {
        inflatedPages: driver.inflatedPages,
        deflatedPages: driver.deflatedPages,
        releaseMessages: driver.releaseMessages,
        requestMessages: driver.requestMessages,
        refusedFrames: driver.refusedFrames,
        outOfPuff: driver.outOfPuff,
        shortGrants: driver.shortGrants,
        largePages: driver.largePages,
        coldReclaimedPages: driver.coldReclaimedPages,
        floorHeldPages: driver.floorHeldPages,
        targetChanges: driver.targetChanges,
        lastTargetChangeMs: driver.lastTargetChangeMs,
        targetReachedMs: driver.targetReachedMs,
        inflateToTargetMs: driver.inflateToTargetMs,
        deflateToTargetMs: driver.deflateToTargetMs,
      },
      minorFaults: events.minorFaults,
      refaults: events.refaults,
      workWanted: this.workWanted,
      workDone: this.workDone,
      stallSeconds: events.stallMsTotal / 1000,
      psi: { someAvg10: some[0]!, someAvg60: some[1]!, someAvg300: some[2]!, fullAvg10: full[0]!, fullAvg60: full[1]!, fullAvg300: full[2]! },
      oomEvents: events.oomEvents,
      deflateOnOomPages: events.deflateOnOomPages,
      reportedFreePages: events.reportedFreePages,
      swapPages: this.swap.capacityPages,
      swapUsedPages: this.swap.usedPages,
      availablePages: this.booted ? this.memAvailablePages() : 0,
      distressSent: this.signals.distressSent,
      hostSwap: {
        pagedOutPages: this.hostSwap.pagedOutPages,
        faults: events.hostSwapFaults,
        doublePagingPages: events.doublePagingPages,
        swappedInPages: this.hostSwap.swappedInPages,
        pagedOutNowPages: memory.hostSwappedPages,
      },
      activeSamples: this.sampler.samplesSent,
      growth: { kind: this.growth.spec.kind, ...this.growth.counters },
      reclaim: {
        allocStalls: events.allocStalls,
        kswapdScanned: events.kswapdScanned,
        kswapdReclaimed: events.kswapdReclaimed,
        directScanned: events.directScanned,
        directReclaimed: events.directReclaimed,
      },
      components: this.workload.reports(),
    };
  }

  /**
   * Checks the guest's own bookkeeping (a full scan, for tests): the free
   * lists and counters, every component's logical pages against the page
   * states, swap use against the pages in swap, and the claims on unbacked pages.
   */
  selfCheck(): string[] {
    const problems = this.memory.selfCheck();
    const memory = this.memory;
    const holder = new Int32Array(memory.pages);
    let anonResident = 0;
    let cacheResident = 0;
    let anonOut = 0;
    this.workload.components.forEach((component, index) => {
      problems.push(...component.selfCheck((page) => memory.stateOf(page), holder, index + 1));
      if (component.anonymous) {
        anonResident += component.resident;
        anonOut += component.outPages;
      } else cacheResident += component.resident;
    });
    if (anonResident !== memory.count(PageState.ANON)) problems.push(`${anonResident} resident anonymous pages in components, ${memory.count(PageState.ANON)} anon pages`);
    if (cacheResident !== memory.count(PageState.CACHE)) problems.push(`${cacheResident} resident page-cache pages in components, ${memory.count(PageState.CACHE)} cache pages`);
    if (anonOut !== this.swap.usedPages) problems.push(`${anonOut} anonymous pages are out, the swap device says ${this.swap.usedPages} are used`);
    if (this.swap.usedPages < 0 || this.swap.usedPages > this.swap.capacityPages) problems.push(`swap use ${this.swap.usedPages} outside 0..${this.swap.capacityPages}`);
    const pending = this.allocator.pendingPopulatePages;
    if (pending < 0 || pending > memory.count(PageState.FREE_UNBACKED)) problems.push(`${pending} unbacked pages claimed, ${memory.count(PageState.FREE_UNBACKED)} exist`);
    problems.push(...this.hostSwap.selfCheck());
    return problems;
  }

  /** Bytes of typed arrays the guest's state uses (shared page map and states included): the per-page memory budget. */
  get footprintBytes(): number {
    return this.memory.footprintBytes + this.workload.footprintBytes;
  }

  private handle(message: HostToGuest, nowMs: number): void {
    switch (message.type) {
      case 'boot':
        this.onBoot(message);
        return;
      case 'setTarget':
        this.driver.setTarget(message.targetPages, nowMs);
        return;
      case 'grant':
        this.onGrant(message, nowMs);
        return;
      case 'releaseAck':
        this.driver.onReleaseAck(message);
        return;
      case 'reportAck':
        if (this.reporter === null) throw new Error(`GuestActor ${this.name}: a report ack came, but free page reporting is off`);
        this.reporter.onReportAck(message);
        return;
      case 'sampleActive':
        this.sampler.start(message, nowMs, this.outbox);
        return;
      case 'pageOut':
        this.hostSwap.onPageOut(message, this.outbox);
        return;
      case 'plugReply':
        this.growth.onReply(message, nowMs);
        return;
      default:
        assertNever(message, `GuestActor ${this.name}`);
    }
  }

  private onBoot(boot: BootMessage): void {
    if (this.booted) throw new Error(`GuestActor ${this.name}: booted twice`);
    if (boot.version !== GUEST_PROTOCOL_VERSION) {
      throw new Error(`GuestActor ${this.name}: host speaks protocol ${boot.version}, guest speaks ${GUEST_PROTOCOL_VERSION}`);
    }
    const bootFrames = framesInRuns(boot.runs);
    if (bootFrames < this.kernelPages) {
      throw new Error(`GuestActor ${this.name}: booted with ${bootFrames} frames, its kernel needs ${this.kernelPages}`);
    }
    this.memory.layOut(this.bootPages, this.growth.hotplug);
    this.backUnbackedPages(boot.runs);
    for (let i = 0; i < this.kernelPages; i++) {
      this.memory.put(this.memory.take(PageState.FREE), PageState.KERNEL);
    }
    this.driver.targetPages = boot.targetPages;
    this.booted = true;
  }

  private onGrant(grant: GrantMessage, nowMs: number): void {
    switch (grant.purpose) {
      case 'deflate':
        this.driver.onDeflateGrant(grant, nowMs);
        return;
      case 'populate': {
        const granted = framesInRuns(grant.runs);
        this.allocator.onPopulateGrant(grant.pagesAsked, granted);
        this.hostShortPages += grant.pagesAsked - granted;
        this.backUnbackedPages(grant.runs);
        return;
      }
      case 'swapIn':
        this.hostSwap.onSwapInGrant(grant, this.outbox);
        return;
      default:
        assertNever(grant.purpose, `GuestActor ${this.name} grant`);
    }
  }

  /** Puts the frames of granted runs behind unbacked free pages, which become free backed pages: run by run, both sides. */
  private backUnbackedPages(runs: Int32Array): void {
    const memory = this.memory;
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
    let pages = this.allocator.takePopulateAsk();
    while (pages > 0) {
      const ask = Math.min(pages, POPULATE_PAGES_PER_REQUEST_MAX);
      outbox.push({ type: 'request', id: this.nextMessageId++, purpose: 'populate', pages: ask, withFrames: true });
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
    const allocator = this.allocator;
    if (allocator.availablePages > allocator.watermarks.minPages) return;
    const task = this.kernelTask;
    task.reset(this.tickMs);
    if (!allocator.directReclaim(task)) this.onOom(task);
    // Kernel allocations stall whoever makes them: some pressure, never full.
    this.pressure.task(task.stallMs, false);
    this.events.stallMsTotal += task.stallMs;
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
    const allocator = this.allocator;
    const { lowPages, highPages, kswapdBatchPages } = allocator.watermarks;
    if (allocator.availablePages >= lowPages) return;
    this.reclaimer.reclaim(kswapdBatchPages, 'kswapd', this.tickMs, this.kswapdBalanced);
  }

  private readonly kswapdBalanced = (): boolean => this.allocator.availablePages >= this.allocator.watermarks.highPages;

  /**
   * The OOM path: deflate-on-OOM gives back 1 MiB from the balloon (the
   * host's target is unchanged, and the pages may be allocated at once);
   * otherwise the OOM killer kills the largest component. Returns whether
   * anything was done.
   */
  private onOom(task: TaskClock | null): boolean {
    this.events.oomEvents++;
    this.oomThisTick = true;
    if (this.deflateOnOom) {
      const pages = this.driver.deflateForOom(this.oomDeflatePages);
      if (pages > 0) {
        this.outbox.push({ type: 'oomDeflate', pages });
        this.events.deflateOnOomPages += pages;
        this.allocator.oomReservePages += pages;
        task?.stall(OOM_EVENT_MS);
        return true;
      }
    }
    if (this.workload.killLargest(this.nowMs) === null) return false;
    this.events.oomKills++;
    task?.stall(OOM_EVENT_MS);
    return true;
  }

  /** MemAvailable: free memory above the low watermark, plus the page cache that could be dropped. */
  private memAvailablePages(): number {
    const low = this.allocator.watermarks.lowPages;
    const cache = this.memory.count(PageState.CACHE);
    return Math.max(0, this.allocator.availablePages - low + cache - Math.min(Math.floor(cache / 2), low));
  }

  private figures(): GuestFigures {
    const memory = this.memory;
    const events = this.events;
    const memoryPages = memory.pages - memory.count(PageState.UNPOPULATED);
    const balloon = memory.count(PageState.BALLOON);
    return {
      pageBytes: this.frameBytes,
      swapInPages: events.swapInPages,
      swapOutPages: events.swapOutPages,
      majorFaults: events.majorFaults,
      minorFaults: events.minorFaults,
      freePages: memory.count(PageState.FREE) + memory.count(PageState.FREE_UNBACKED),
      // Without deflate-on-OOM the balloon's pages leave MemTotal; with it they count as used.
      totalPages: this.deflateOnOom ? memoryPages : memoryPages - balloon,
      availablePages: this.memAvailablePages(),
      cachePages: memory.count(PageState.CACHE),
      oomKills: events.oomKills,
      allocStalls: events.allocStalls,
      kswapdScanned: events.kswapdScanned,
      directScanned: events.directScanned,
      kswapdReclaimed: events.kswapdReclaimed,
      directReclaimed: events.directReclaimed,
      // Hyper-V: committed memory + ballooned + (added - onlined) + floor.
      committedPages: memory.count(PageState.KERNEL) + this.workload.anonymousPages + balloon + memory.onliningPages + hypervFloorPages(memoryPages - balloon, this.frameBytes),
      floorPages: hypervFloorPages(memoryPages - balloon, this.frameBytes),
      some: this.pressure.some,
      full: this.pressure.full,
      someTotalSeconds: this.pressure.someMsTotal / 1000,
      fullTotalSeconds: this.pressure.fullMsTotal / 1000,
    };
  }

  /** Running figures in the shared stats array, for samples read without a message. */
  private publishStats(): void {
    const stats = this.shared.stats;
    const events = this.events;
    stats[Stat.SWAP_PAGES] = this.swap.usedPages;
    stats[Stat.SWAP_IN_TOTAL] = events.swapInPages;
    stats[Stat.SWAP_OUT_TOTAL] = events.swapOutPages;
    stats[Stat.MAJOR_FAULTS_TOTAL] = events.majorFaults;
    stats[Stat.MINOR_FAULTS_TOTAL] = events.minorFaults;
    stats[Stat.STALL_SECONDS_TOTAL] = events.stallMsTotal / 1000;
    stats[Stat.PSI_SOME_AVG10] = this.pressure.some[0]!;
    stats[Stat.PSI_FULL_AVG10] = this.pressure.full[0]!;
    stats[Stat.OOM_KILLS_TOTAL] = events.oomKills;
    stats[Stat.OOM_EVENTS_TOTAL] = events.oomEvents;
    stats[Stat.DEFLATE_ON_OOM_PAGES_TOTAL] = events.deflateOnOomPages;
    stats[Stat.REPORTED_FREE_PAGES_TOTAL] = events.reportedFreePages;
    stats[Stat.AVAILABLE_PAGES] = this.memAvailablePages();
    stats[Stat.DISTRESS_TOTAL] = this.signals.distressSent;
    stats[Stat.HOST_SWAP_FAULTS_TOTAL] = events.hostSwapFaults;
    stats[Stat.DOUBLE_PAGING_TOTAL] = events.doublePagingPages;
    stats[Stat.WORK_WANTED_TOTAL] = this.workWanted;
    stats[Stat.WORK_DONE_TOTAL] = this.workDone;
    stats[Stat.PROGRESS_AVG10] = this.progressAvg10;
    stats[Stat.REFAULTS_TOTAL] = events.refaults;
  }

  /** Work since boot, and the progress average over 10 s (as PSI averages: exponential decay). */
  private workWanted = 0;
  private workDone = 0;
  private progressAvg10 = 1;

  private countWork(): void {
    const wanted = this.workload.tickWorkWanted;
    const done = this.workload.tickWorkDone;
    this.workWanted += wanted;
    this.workDone += done;
    const progress = wanted > 0 ? done / wanted : 1;
    const keep = Math.exp(-this.tickMs / PROGRESS_WINDOW_MS);
    this.progressAvg10 = Math.min(1, this.progressAvg10 * keep + progress * (1 - keep));
  }

  private usedPages(): number {
    const memory = this.memory;
    return memory.count(PageState.KERNEL) + memory.count(PageState.ANON) + memory.count(PageState.CACHE);
  }
}
