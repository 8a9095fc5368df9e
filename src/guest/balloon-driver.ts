import { FRAMES_PER_MESSAGE_MAX } from '../messages/limits.js';
import type { GrantMessage, GuestToHost, ReleaseAckMessage } from '../messages/protocol.js';
import type { InflateMode } from '../scenario/types.js';
import type { EvictSink } from './component.js';
import { LARGE_PAGE_BYTES, LARGE_PAGE_SPEEDUP, type DriverProfile, type VmwareRates } from './driver-profiles.js';
import type { GuestMemory } from './guest-memory.js';
import { hypervFloorPages } from '../balloon/floors.js';
import type { PageAllocator } from './page-allocator.js';
import { PageState } from './page-state.js';
import { RECLAIM_BATCH_PAGES, type Reclaimer } from './reclaim.js';
import { NO_FRAME } from './shared-memory.js';
import type { VmEvents } from './vm-events.js';

/** Profile round trips are measured with 4 KiB pages; rates are kept in bytes so that other frame sizes keep the same speed. */
const PROFILE_PAGE_BYTES = 4096;

/** `takeFreePage` found a page with no frame behind it: it is in the balloon, and counts as an unbacked page of the release. */
const UNBACKED = -20;
const NONE = -21;
/** Free pages on their way into the balloon, taken in chunks: one buffer for every guest of a thread (guests step one at a time). */
const balloonPagesScratch = new Int32Array(4096);
/** Steps in a row that fit in an arena's first size before a grown arena is given up. */
const ARENA_IDLE_STEPS = 8;

/** How the driver allocates single pages: an inflate mode, or VMware's non-sleeping allocation (no reclaim). */
type AllocationMode = InflateMode | 'nowait';

/** Counters the driver keeps for reports. */
export interface BalloonDriverCounters {
  inflatedPages: number;
  deflatedPages: number;
  releaseMessages: number;
  requestMessages: number;
  /** Frames the host refused (VMware's single pages); they went back to the guest's free memory. */
  refusedFrames: number;
  /** Inflates that could not take a page and backed off ("Out of puff"). */
  outOfPuff: number;
  /** Deflate requests the host could not fill. */
  shortGrants: number;
  peakBalloonPages: number;
  /** 2 MiB pages inflated (VMware, Hyper-V). */
  largePages: number;
  /** Pages the cold-first reclaim handed straight to the balloon (inflate mode `reclaim`). */
  coldReclaimedPages: number;
  /** Pages given back on OOM events (deflate-on-OOM). */
  oomDeflatedPages: number;
  /** Inflation the Hyper-V floor held back at the last try, in pages (0: the floor did not stop the balloon). */
  floorHeldPages: number;
  targetChanges: number;
  /** When the target last changed (ms of simulated time). */
  lastTargetChangeMs: number;
  /** When the balloon last reached the size the target asks for, after the last change (-1: not yet). */
  targetReachedMs: number;
  /** How long the last inflation toward a new target took, from the change until the balloon held what it asks (-1: none completed). */
  inflateToTargetMs: number;
  /** The same for the last deflation. */
  deflateToTargetMs: number;
}

/** What the driver works with: the guest's memory, its allocator and reclaim, and its message ids. */
export interface DriverEnvironment {
  memory: GuestMemory;
  allocator: PageAllocator;
  reclaimer: Reclaimer;
  events: VmEvents;
  frameBytes: number;
  tickMs: number;
  nextId: () => number;
  /** MemAvailable, in pages: free memory plus what reclaim could drop without writing (the Hyper-V trim). */
  memAvailablePages: () => number;
  /**
   * The memory the balloon answers for, in pages (default: all of the
   * guest's memory). A virtio-mem guest's balloon answers for its boot memory
   * only; its plugged memory follows the target by plugging and unplugging.
   */
  balloonBasePages?: () => number;
}

/**
 * The balloon driver: moves the guest toward the host's target at a bounded
 * rate, within the time of one tick, in batches of at most `batchPages`
 * entries.
 *
 * Inflating takes pages as the inflate mode says (`noretry`: free pages
 * down to the min watermark, then one pass of direct reclaim per allocation,
 * which pushes anonymous pages to swap when there is swap; `reclaim`: free
 * pages above the high watermark, then cold pages reclaimed straight into the
 * balloon, never hot ones; `free-only`: free pages above the high watermark),
 * unmaps them and names their frames in a `release`. VMware and Hyper-V try
 * 2 MiB pages first (free memory only, no reclaim); Hyper-V never takes
 * available memory below its floor. When a page cannot be had, the driver
 * backs off as its profile does (virtio 200 ms; Xen 1 s doubling to 32 s;
 * VMware's rate adaptation). Deflating asks the host for pages back; the host
 * may grant fewer than asked, and the driver asks again later.
 */
export class BalloonDriver {
  /** Guest size the host wants, in pages. */
  targetPages: number;
  private pendingDeflatePages = 0;
  private carryMs = 0;
  private backoffUntilMs = 0;
  private backoffDelayMs: number;
  /** Pages and unbacked pages named in each release still in flight, by message id. */
  private readonly releasesInFlight = new Map<number, { pages: number; unbacked: number }>();
  /**
   * Pages of releases in flight that the host may still refuse (VMware): until
   * the ack comes the host may not count them as ballooned, so they are not
   * asked back. In lockstep every ack comes before the next step; in
   * free-running mode a step can start before it.
   */
  private refusablePagesInFlight = 0;
  private readonly inflatePageMs: number;
  private readonly deflatePageMs: number;
  private readonly largePagePages: number;
  private readonly largePageMs: number;
  // The release being built.
  /**
   * The batch being built: a window of `arena` after the batches already sent
   * this step. A release carries a view of its batch (no copy); the views
   * stay valid until the next step, by when the device side has read them.
   */
  private batch: Int32Array;
  private arena: Int32Array;
  private arenaUsed = 0;
  /** Frames this step has put in the arena (in this one and any it outgrew). */
  private arenaUsedMost = 0;
  /** Steps in a row that fitted in the arena's first size. */
  private arenaQuietSteps = 0;
  private readonly batchCapacity: number;
  private batchBacked = 0;
  private batchUnbacked = 0;
  private batchEntries = 0;
  private batchLarge = false;
  private readonly intoBatch: EvictSink;
  // VMware's cycle.
  private readonly rates: VmwareRates | undefined;
  private cycleEndMs = 0;
  private cycleEntries = 0;
  private cycleDeflated = 0;
  private cycleRefused = 0;
  private cycleFailed = false;
  private slowCycles = 0;
  private rateAllocPages: number;
  readonly counters: BalloonDriverCounters = {
    inflatedPages: 0,
    deflatedPages: 0,
    releaseMessages: 0,
    requestMessages: 0,
    refusedFrames: 0,
    outOfPuff: 0,
    shortGrants: 0,
    peakBalloonPages: 0,
    largePages: 0,
    coldReclaimedPages: 0,
    oomDeflatedPages: 0,
    floorHeldPages: 0,
    targetChanges: 0,
    lastTargetChangeMs: 0,
    targetReachedMs: 0,
    inflateToTargetMs: -1,
    deflateToTargetMs: -1,
  };
  /** Whether the last target change asked the balloon to grow (1), shrink (-1) or neither (0). */
  private targetDirection = 0;
  /**
   * Whether the driver's work is queued (profiles that work only on target
   * writes): set by every write of the target, changed or not, cleared when
   * the balloon holds what the target asks.
   */
  private workQueued = true;
  /** Writes of the target the driver heard, changed or not. */
  targetWrites = 0;

  constructor(
    private readonly profile: DriverProfile,
    private readonly batchPages: number,
    private readonly mode: InflateMode,
    private readonly env: DriverEnvironment,
    initialTargetPages: number,
  ) {
    if (!Number.isSafeInteger(batchPages) || batchPages < 1 || batchPages > FRAMES_PER_MESSAGE_MAX) {
      throw new RangeError(`BalloonDriver: batchPages must be a whole number from 1 to ${FRAMES_PER_MESSAGE_MAX}, got ${batchPages}`);
    }
    this.targetPages = initialTargetPages;
    const profileBatchBytes = profile.batchPages * PROFILE_PAGE_BYTES;
    this.inflatePageMs = (env.frameBytes * profile.inflateRoundTripMs) / profileBatchBytes;
    this.deflatePageMs = (env.frameBytes * profile.deflateRoundTripMs) / profileBatchBytes;
    this.largePagePages = profile.largePagesFirst ? Math.floor(LARGE_PAGE_BYTES / env.frameBytes) : 0;
    this.largePageMs = (this.largePagePages * this.inflatePageMs) / LARGE_PAGE_SPEEDUP;
    this.batchCapacity = Math.max(batchPages, FRAMES_PER_MESSAGE_MAX);
    this.arena = new Int32Array(4 * this.batchCapacity);
    this.batch = this.arena.subarray(0, this.batchCapacity);
    this.backoffDelayMs = profile.backoffMs;
    this.rates = profile.vmware;
    this.rateAllocPages = this.rates?.rateMaxPages ?? 0;
    this.intoBatch = (page) => {
      // A page the host had paged out reaches the balloon without a frame.
      const frame = env.memory.unmap(page);
      env.memory.put(page, PageState.BALLOON);
      this.addToBatch(frame === NO_FRAME ? UNBACKED : frame);
      this.counters.coldReclaimedPages++;
    };
  }

  /** Pages the balloon holds or has asked to keep: held pages minus those being deflated. */
  get balloonPagesCommitted(): number {
    return this.env.memory.count(PageState.BALLOON) - this.pendingDeflatePages;
  }

  /** Balloon pages the driver may ask back (deflate, deflate-on-OOM): held, not being deflated, and surely counted by the host. */
  private get deflatablePages(): number {
    return this.balloonPagesCommitted - this.refusablePagesInFlight;
  }

  /** Balloon size the target asks for. */
  get balloonPagesWanted(): number {
    const memory = this.env.memory;
    const memoryPages = memory.pages - memory.count(PageState.UNPOPULATED);
    const base = this.env.balloonBasePages?.() ?? memoryPages;
    return Math.min(memoryPages, Math.max(0, base - this.targetPages));
  }

  /**
   * The host wrote the target (virtio: a config change). Every write queues
   * the driver's work, even of the unchanged value; a changed value also
   * starts the timing of a new inflation or deflation.
   */
  setTarget(pages: number, nowMs: number): void {
    this.targetWrites++;
    this.workQueued = true;
    if (pages === this.targetPages) return;
    this.targetPages = pages;
    this.counters.targetChanges++;
    this.counters.lastTargetChangeMs = nowMs;
    this.counters.targetReachedMs = -1;
    this.targetDirection = Math.sign(this.balloonPagesWanted - this.balloonPagesCommitted);
  }

  /** One tick of the driver at `nowMs`. Appends messages to `outbox`. */
  step(nowMs: number, outbox: GuestToHost[]): void {
    // The last step's releases have been read: their batches' room is free again.
    this.reuseArena();
    if (this.rates !== undefined) this.startCycle(nowMs, this.rates);
    const wanted = this.balloonPagesWanted;
    const committed = this.balloonPagesCommitted;
    const budgetMs = this.carryMs + this.env.tickMs;
    let spentMs = 0;
    this.carryMs = 0;
    // A driver that works on target writes only stops once the balloon holds what the target asks (its work returns when there is no difference).
    if (this.profile.worksOnTargetWrite && wanted === committed && this.pendingDeflatePages === 0) this.workQueued = false;
    const working = this.workQueued || !this.profile.worksOnTargetWrite;
    if (working && nowMs >= this.backoffUntilMs && wanted !== committed) {
      spentMs = wanted > committed ? this.inflate(nowMs, wanted - committed, budgetMs, outbox) : this.deflate(committed - wanted, budgetMs, outbox);
    }
    const counters = this.counters;
    counters.peakBalloonPages = Math.max(counters.peakBalloonPages, this.env.memory.count(PageState.BALLOON));
    if (counters.targetReachedMs < 0 && this.balloonPagesWanted === this.balloonPagesCommitted) {
      counters.targetReachedMs = nowMs + Math.min(spentMs, this.env.tickMs);
      const tookMs = counters.targetReachedMs - counters.lastTargetChangeMs;
      if (this.targetDirection > 0) counters.inflateToTargetMs = tookMs;
      if (this.targetDirection < 0) counters.deflateToTargetMs = tookMs;
    }
  }

  /**
   * The host answered a deflate request: each granted frame backs a balloon
   * page, which becomes free; unbacked pages leave the balloon without one.
   * A short grant (the host had no frames) makes the driver back off.
   */
  onDeflateGrant(grant: GrantMessage, nowMs: number): void {
    const memory = this.env.memory;
    this.pendingDeflatePages -= grant.pagesAsked;
    // Granted frames back balloon pages, run against run; unbacked pages leave the balloon without one.
    const runs = grant.runs;
    let frames = 0;
    for (let r = 0; r < runs.length; r += 2) {
      const first = runs[r]!;
      const count = runs[r + 1]!;
      for (let done = 0; done < count; ) {
        const got = memory.takeRun(PageState.BALLOON, count - done);
        if (got === 0) throw new Error(`BalloonDriver: grant ${grant.id} brought more frames than the balloon holds pages`);
        memory.mapPageRun(memory.runFirst, memory.runStep, got, first + done);
        memory.putRun(memory.runFirst, got, memory.runStep, PageState.BALLOON, PageState.FREE);
        done += got;
      }
      frames += count;
    }
    for (let done = 0; done < grant.unbackedPages; ) {
      const got = memory.takeRun(PageState.BALLOON, grant.unbackedPages - done);
      if (got === 0) throw new Error(`BalloonDriver: grant ${grant.id} released more pages than the balloon holds`);
      memory.putRun(memory.runFirst, got, memory.runStep, PageState.BALLOON, PageState.FREE_UNBACKED);
      done += got;
    }
    const granted = frames + grant.unbackedPages;
    this.counters.deflatedPages += granted;
    if (granted < grant.pagesAsked) {
      this.backoffUntilMs = Math.max(this.backoffUntilMs, nowMs + this.backoffDelayMs);
      this.counters.shortGrants++;
    }
  }

  /** The host answered a release: refused frames (and unbacked pages) go back to the guest's free memory. */
  onReleaseAck(ack: ReleaseAckMessage): void {
    const memory = this.env.memory;
    const sent = this.releasesInFlight.get(ack.id);
    this.releasesInFlight.delete(ack.id);
    const unbackedSent = sent?.unbacked ?? 0;
    if (sent !== undefined && this.profile.hostMayRefusePages) this.refusablePagesInFlight -= sent.pages;
    for (const frame of ack.refusedFrames) {
      const page = memory.take(PageState.BALLOON);
      if (page < 0) throw new Error(`BalloonDriver: release ${ack.id} refused a frame but the balloon is empty`);
      memory.map(page, frame);
      memory.put(page, PageState.FREE);
    }
    for (let refused = unbackedSent - ack.acceptedUnbackedPages; refused > 0; refused--) {
      const page = memory.take(PageState.BALLOON);
      if (page < 0) throw new Error(`BalloonDriver: release ${ack.id} refused unbacked pages but the balloon is empty`);
      memory.put(page, PageState.FREE_UNBACKED);
    }
    const refusedPages = ack.refusedFrames.length;
    this.counters.refusedFrames += refusedPages;
    if (this.rates !== undefined && refusedPages > 0) {
      this.cycleRefused += refusedPages;
      // vmw_balloon gives up on a cycle after too many refused pages.
      if (this.cycleRefused >= this.rates.refusedPagesMax) this.backoffUntilMs = Math.max(this.backoffUntilMs, this.cycleEndMs);
    }
  }

  /**
   * Deflate-on-OOM: the OOM notifier takes up to `pages` pages back from the
   * balloon at once (unbacked; pages already being deflated excepted).
   * Returns how many; the caller tells the host.
   */
  deflateForOom(pages: number): number {
    const memory = this.env.memory;
    const count = Math.max(0, Math.min(pages, this.deflatablePages));
    for (let i = 0; i < count; i++) {
      const page = memory.take(PageState.BALLOON);
      if (page < 0) throw new Error('BalloonDriver.deflateForOom: the balloon ran out of pages');
      memory.put(page, PageState.FREE_UNBACKED);
    }
    this.counters.deflatedPages += count;
    this.counters.oomDeflatedPages += count;
    return count;
  }

  /** Inflates toward the target; returns the time spent. */
  private inflate(nowMs: number, needed: number, budgetMs: number, outbox: GuestToHost[]): number {
    const { allocator, memory, reclaimer, frameBytes } = this.env;
    const watermarks = allocator.watermarks;
    let need = needed;
    if (this.profile.keepsFloor) {
      const total = memory.pages - memory.count(PageState.UNPOPULATED) - memory.count(PageState.BALLOON);
      const room = Math.max(0, this.env.memAvailablePages() - hypervFloorPages(total, frameBytes));
      this.counters.floorHeldPages = Math.max(0, need - room);
      need = Math.min(need, room);
    }
    if (this.rates !== undefined) need = Math.min(need, this.cycleInflateCap(this.rates) - this.cycleEntries);
    if (need <= 0) return 0;
    let spent = 0;
    let sent = 0;
    let failed = false;
    // 2 MiB pages first: free memory only (no reclaim), one entry each.
    const large = this.largePagePages;
    if (large > 1) {
      this.beginBatch(true);
      while (need - sent >= large && spent + this.largePageMs <= budgetMs && allocator.availablePages - large > watermarks.lowPages) {
        this.takeFreePages(large);
        this.batchEntries++;
        this.cycleEntries++;
        this.counters.largePages++;
        sent += large;
        spent += this.largePageMs;
        if (this.batchEntries >= this.batchPages || this.batchBacked + this.batchUnbacked + large > FRAMES_PER_MESSAGE_MAX) {
          this.flush(outbox);
          this.beginBatch(true);
        }
      }
      this.flush(outbox);
    }
    // Then single pages, as the mode allows.
    const mode = this.allocationMode();
    this.beginBatch(false);
    while (sent < need && spent + this.inflatePageMs <= budgetMs) {
      if (this.rates !== undefined && this.cycleEntries >= this.cycleInflateCap(this.rates)) break;
      if (mode === 'reclaim' && allocator.availablePages <= watermarks.highPages) {
        // Cold-first: reclaim cold pages straight into this batch.
        const room = Math.min(need - sent, this.batchPages - this.batchEntries, Math.floor((budgetMs - spent) / this.inflatePageMs));
        const before = this.batchEntries;
        const got = reclaimer.reclaimCold(nowMs, room, this.intoBatch, budgetMs - spent);
        this.batchEntries = before + got;
        this.cycleEntries += got;
        sent += got;
        spent += reclaimer.lastCostMs + got * this.inflatePageMs;
        if (got === 0) {
          failed = true;
          break;
        }
      } else {
        // Fast path: as many free pages as the mode allows without reclaim, at once.
        const floor = mode === 'free-only' || mode === 'reclaim' ? watermarks.highPages : watermarks.minPages;
        let room = Math.min(need - sent, this.batchPages - this.batchEntries, Math.floor((budgetMs - spent) / this.inflatePageMs), allocator.availablePages - floor);
        if (this.rates !== undefined) room = Math.min(room, this.cycleInflateCap(this.rates) - this.cycleEntries);
        if (room > 1) {
          const got = this.takeFreePages(room);
          this.batchEntries += got;
          this.cycleEntries += got;
          sent += got;
          spent += got * this.inflatePageMs;
          if (this.batchEntries >= this.batchPages) {
            this.flush(outbox);
            this.beginBatch(false);
          }
          continue;
        }
        const frame = this.takeSmallPage(mode);
        spent += this.lastReclaimMs;
        if (frame === NONE) {
          failed = true;
          break;
        }
        this.addToBatch(frame);
        this.batchEntries++;
        this.cycleEntries++;
        sent++;
        spent += this.inflatePageMs;
      }
      if (this.batchEntries >= this.batchPages) {
        this.flush(outbox);
        this.beginBatch(false);
      }
    }
    this.flush(outbox);
    if (failed) this.fail(nowMs, spent);
    else {
      if (this.profile.backoff === 'doubling' && sent > 0) this.backoffDelayMs = this.profile.backoffMs;
      // Time left over that was too little for one more page carries to the next tick.
      if (sent < need) this.carryMs = Math.max(0, Math.min(budgetMs - spent, this.inflatePageMs));
    }
    return spent;
  }

  /** Reclaim time of the last `takeSmallPage` (noretry's one pass). */
  private lastReclaimMs = 0;

  /** One single page for the balloon in `mode`: its frame, UNBACKED, or NONE. */
  private takeSmallPage(mode: AllocationMode): number {
    const { allocator, reclaimer, events } = this.env;
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

  /** A free page into the balloon: a backed one (its frame is returned, unmapped) or else an unbacked one nobody claimed (UNBACKED). */
  private takeFreePage(): number {
    const { memory, allocator } = this.env;
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

  /**
   * Up to `count` free pages into the balloon and the batch at once: backed
   * ones (their frames go in the batch), then unbacked ones nobody claimed.
   * The caller has checked the watermark. Returns how many.
   */
  private takeFreePages(count: number): number {
    const { memory, allocator } = this.env;
    const pages = balloonPagesScratch;
    let done = 0;
    while (done < count) {
      const backed = memory.takeMany(PageState.FREE, pages, 0, Math.min(pages.length, count - done));
      if (backed === 0) break;
      for (let i = 0; i < backed; i++) this.batch[this.batchBacked++] = memory.unmap(pages[i]!);
      memory.putMany(pages, 0, backed, PageState.FREE, PageState.BALLOON);
      done += backed;
    }
    while (done < count) {
      const want = Math.min(pages.length, count - done, allocator.unbackedSparePages);
      if (want <= 0) break;
      const unbacked = memory.takeMany(PageState.FREE_UNBACKED, pages, 0, want);
      if (unbacked === 0) break;
      memory.putMany(pages, 0, unbacked, PageState.FREE_UNBACKED, PageState.BALLOON);
      this.batchUnbacked += unbacked;
      done += unbacked;
    }
    return done;
  }

  /**
   * Starts a step's batches at the arena's beginning. An arena that grew for
   * a burst of inflation goes back to its first size once ARENA_IDLE_STEPS
   * steps in a row have used at most that size: a thousand guests that each
   * inflated fast once would otherwise keep their largest step's frames (a
   * megabyte each) for the rest of the run, while steady inflation keeps its
   * arena and makes no garbage.
   */
  private reuseArena(): void {
    const firstSize = 4 * this.batchCapacity;
    if (this.arena.length > firstSize) {
      if (this.arenaUsedMost > firstSize) this.arenaQuietSteps = 0;
      else if (++this.arenaQuietSteps >= ARENA_IDLE_STEPS) {
        this.arena = new Int32Array(firstSize);
        this.arenaQuietSteps = 0;
      }
    }
    this.arenaUsedMost = 0;
    this.arenaUsed = 0;
    this.batch = this.arena.subarray(0, this.batchCapacity);
  }

  /** Moves the batch window past the batch just sent, growing the arena if this step sends many. */
  private nextBatchWindow(): void {
    this.arenaUsed += this.batchBacked;
    this.arenaUsedMost += this.batchBacked;
    if (this.arenaUsed + this.batchCapacity > this.arena.length) {
      // The old arena stays alive through the views already sent; the new one takes the rest of the step.
      this.arena = new Int32Array(Math.max(this.arena.length * 2, this.batchCapacity * 4));
      this.arenaUsed = 0;
    }
    this.batch = this.arena.subarray(this.arenaUsed, this.arenaUsed + this.batchCapacity);
  }

  private beginBatch(large: boolean): void {
    this.batchBacked = 0;
    this.batchUnbacked = 0;
    this.batchEntries = 0;
    this.batchLarge = large;
  }

  private addToBatch(frame: number): void {
    if (frame === UNBACKED) this.batchUnbacked++;
    else if (frame >= 0) this.batch[this.batchBacked++] = frame;
    else throw new Error('BalloonDriver: a page for the batch could not be taken');
  }

  /** Sends the batch being built as one release, if it holds anything. */
  private flush(outbox: GuestToHost[]): void {
    const pages = this.batchBacked + this.batchUnbacked;
    if (pages === 0) return;
    const id = this.env.nextId();
    const frames = this.batch.subarray(0, this.batchBacked);
    this.nextBatchWindow();
    outbox.push({ type: 'release', id, frames, unbackedPages: this.batchUnbacked, ...(this.batchLarge ? { largeFrames: frames.length } : {}) });
    this.releasesInFlight.set(id, { pages, unbacked: this.batchUnbacked });
    if (this.profile.hostMayRefusePages) this.refusablePagesInFlight += pages;
    this.counters.releaseMessages++;
    this.counters.inflatedPages += pages;
    this.batchBacked = 0;
    this.batchUnbacked = 0;
  }

  /** An inflate could not get a page: back off as the profile does. */
  private fail(nowMs: number, spentMs: number): void {
    this.counters.outOfPuff++;
    const profile = this.profile;
    switch (profile.backoff) {
      case 'fixed':
        this.backoffUntilMs = nowMs + spentMs + profile.backoffMs;
        return;
      case 'doubling':
        this.backoffUntilMs = nowMs + spentMs + this.backoffDelayMs;
        this.backoffDelayMs = Math.min(profile.backoffMaxMs, this.backoffDelayMs * 2);
        return;
      case 'rate-adaptive': {
        const rates = this.rates!;
        if (this.slowCycles === 0) this.slowCycles = rates.slowCycles;
        else this.rateAllocPages = Math.max(rates.rateMinPages, Math.floor(this.rateAllocPages / 2));
        this.cycleFailed = true;
        this.backoffUntilMs = this.cycleEndMs;
        return;
      }
    }
  }

  private deflate(excess: number, budgetMs: number, outbox: GuestToHost[]): number {
    let goal = Math.min(excess, this.deflatablePages, Math.floor(budgetMs / this.deflatePageMs));
    if (this.rates !== undefined) goal = Math.min(goal, this.rates.deflatePagesMax - this.cycleDeflated);
    for (let asked = 0; asked < goal; ) {
      const pages = Math.min(this.batchPages, goal - asked);
      outbox.push({ type: 'request', id: this.env.nextId(), purpose: 'deflate', pages, withFrames: this.profile.deflateWithFrames });
      this.counters.requestMessages++;
      this.pendingDeflatePages += pages;
      asked += pages;
    }
    this.cycleDeflated += Math.max(0, goal);
    const spent = Math.max(0, goal) * this.deflatePageMs;
    if (goal < excess) this.carryMs = Math.max(0, Math.min(budgetMs - spent, this.deflatePageMs));
    return spent;
  }

  private allocationMode(): AllocationMode {
    // VMware allocates without sleeping (no reclaim) until a failure starts its slow cycles.
    return this.rates !== undefined && this.slowCycles === 0 ? 'nowait' : this.mode;
  }

  private cycleInflateCap(rates: VmwareRates): number {
    return this.slowCycles > 0 ? this.rateAllocPages : rates.nonSleepingPagesMax;
  }

  /** VMware: a new 1 s cycle resets its counters; a cycle of slow allocations without a failure raises the rate. */
  private startCycle(nowMs: number, rates: VmwareRates): void {
    if (nowMs < this.cycleEndMs) return;
    if (!this.cycleFailed && this.slowCycles > 0) {
      if (this.cycleEntries > 0) this.rateAllocPages = Math.min(rates.rateMaxPages, this.rateAllocPages + rates.rateStepPages);
      this.slowCycles--;
    }
    this.cycleEntries = 0;
    this.cycleDeflated = 0;
    this.cycleRefused = 0;
    this.cycleFailed = false;
    this.cycleEndMs = (Math.floor(nowMs / rates.cycleMs) + 1) * rates.cycleMs;
  }
}
