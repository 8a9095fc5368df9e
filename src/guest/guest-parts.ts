/**
 * One guest VM's model, wired together from its spec: its memory, workload,
 * allocator, reclaim, swap, balloon driver, growth, host-paging, sampling,
 * free page reporting, pressure-stall and signals. The guest actor
 * (guest-actor.ts) steps these parts; its report and published figures read them.
 */
import { hypervFloorPages } from '../messages/floors.js';
import { GuestSignalsWriter } from '../messages/guest-signals.js';
import type { GuestInit } from '../messages/runtime.js';
import { FAULT_LATENCY_DEFAULTS, HOST_SWAP_FAULT_MS_DEFAULT, LINUX_DEFAULTS } from '../model/defaults.js';
import { deriveSeed, Random } from '../util/random.js';
import { ActiveSampler } from './active-sampler.js';
import { BalloonDriver } from './balloon-driver.js';
import { GUEST_PAGES_MAX } from './component-layout.js';
import { DRIVER_PROFILES } from './driver-profiles.js';
import { FreePageReporter } from './free-page-reporter.js';
import { GrowthUnit } from './growth.js';
import { GuestMemory } from './guest-memory.js';
import { GuestSignals } from './guest-signals.js';
import { HostSwapUnit } from './host-swap.js';
import { PageAllocator } from './page-allocator.js';
import { PageState } from './page-state.js';
import { PressureStall } from './pressure-stall.js';
import { Reclaimer } from './reclaim.js';
import { GuestSharedViews } from './shared-memory.js';
import { SwapDevice, VmEvents } from './vm-events.js';
import { watermarksFor } from './watermarks.js';
import { WorkProgress } from './work-progress.js';
import { Workload } from './workload.js';

/** The parts of one guest, built in the order they depend on each other. */
export class GuestParts {
  readonly name: string;
  readonly tickMs: number;
  readonly frameBytes: number;
  readonly bootPages: number;
  readonly kernelPages: number;
  /** With deflate-on-OOM, the OOM path takes pages back from the balloon, and ballooned pages still count in MemTotal. */
  readonly deflateOnOom: boolean;
  readonly shared: GuestSharedViews;
  readonly memory: GuestMemory;
  readonly events = new VmEvents();
  readonly swap: SwapDevice;
  readonly workload: Workload;
  readonly reclaimer: Reclaimer;
  readonly hostSwap: HostSwapUnit;
  readonly sampler: ActiveSampler;
  readonly allocator: PageAllocator;
  readonly growth: GrowthUnit;
  readonly pressure: PressureStall;
  readonly driver: BalloonDriver;
  readonly signals: GuestSignals;
  readonly reporter: FreePageReporter | null;
  readonly progress: WorkProgress;
  private nextMessageId = 1;
  /** The id of the guest's next message to the host (one sequence for every part that sends). */
  readonly nextId = (): number => this.nextMessageId++;

  constructor(init: GuestInit) {
    const { spec, frameBytes } = init;
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
    this.growth = new GrowthUnit(spec.growth ?? { kind: 'reserved', blockBytes: 0, onlineDelayMs: 0 }, this.memory, this.allocator, this.bootPages, frameBytes, this.nextId);
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
        nextId: this.nextId,
        memAvailablePages: () => this.memAvailablePages(),
        balloonBasePages: () => this.growth.balloonBasePages(this.memoryPages),
      },
      this.bootPages,
    );
    this.deflateOnOom = spec.driver.deflateOnOom;
    this.signals = new GuestSignals(spec.driver.statsIntervalMs, profile.pressureSkipMs, new GuestSignalsWriter(init.shared.signals));
    this.reporter = spec.driver.freePageReporting ? new FreePageReporter(this.memory, this.allocator, this.events, frameBytes, this.nextId) : null;
    this.progress = new WorkProgress(init.tickMs);
  }

  /** The guest's memory now (boot memory and what is plugged), in pages. */
  get memoryPages(): number {
    return this.memory.pages - this.memory.count(PageState.UNPOPULATED);
  }

  /** MemAvailable: free memory above the low watermark, plus the page cache that could be dropped. */
  memAvailablePages(): number {
    const low = this.allocator.watermarks.lowPages;
    const cache = this.memory.count(PageState.CACHE);
    return Math.max(0, this.allocator.availablePages - low + cache - Math.min(Math.floor(cache / 2), low));
  }

  /** Pages in use: kernel, anonymous and page cache. */
  usedPages(): number {
    const memory = this.memory;
    return memory.count(PageState.KERNEL) + memory.count(PageState.ANON) + memory.count(PageState.CACHE);
  }

  /** Free pages, with a frame or without. */
  freePages(): number {
    return this.memory.count(PageState.FREE) + this.memory.count(PageState.FREE_UNBACKED);
  }

  /** The Hyper-V floor for the guest's memory outside the balloon, in pages. */
  floorPages(): number {
    return hypervFloorPages(this.memoryPages - this.memory.count(PageState.BALLOON), this.frameBytes);
  }
}
