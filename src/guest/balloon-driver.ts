import { DRIVER_MESSAGES_PER_TICK_MAX, FRAMES_PER_MESSAGE_MAX } from '../messages/limits.js';
import type { GrantMessage, GuestToHost, ReleaseAckMessage } from '../messages/protocol.js';
import type { InflateMode } from '../model/scenario.js';
import { newBalloonDriverCounters, type BalloonDriverCounters } from './balloon-counters.js';
import { LARGE_PAGE_BYTES, LARGE_PAGE_SPEEDUP, type DriverProfile } from './driver-profiles.js';
import { hypervFloorPages } from '../messages/floors.js';
import { InflatePages, type AllocationMode, type InflateSources } from './inflate-pages.js';
import { PageState } from './page-state.js';
import { NONE, ReleaseBatch } from './release-batch.js';
import { ReleasesInFlight } from './releases-in-flight.js';
import { DriverBackoff } from './driver-backoff.js';
import { VmwareCycle } from './vmware-cycle.js';

/** Profile round trips are measured with 4 KiB pages; rates are kept in bytes so that other frame sizes keep the same speed. */
const PROFILE_PAGE_BYTES = 4096;

/** What the driver works with: the guest's memory, its allocator and reclaim, and its message ids. */
export interface DriverEnvironment extends InflateSources {
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
  /** When the driver may work again after a failure (driver-backoff.ts). */
  private readonly backoff: DriverBackoff;
  /** Pages and unbacked pages named in each release still in flight, by message id. */
  private readonly releasesInFlight = new ReleasesInFlight();
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
  /** The release being built. */
  private readonly batch: ReleaseBatch;
  /** The outbox length at which this step's inflating or deflating stops (DRIVER_MESSAGES_PER_TICK_MAX messages). */
  private outboxLimit = 0;
  private readonly pages: InflatePages;
  /** VMware's rate control (profiles with `vmware` rates). */
  private readonly cycle: VmwareCycle | undefined;
  readonly counters: BalloonDriverCounters = newBalloonDriverCounters();
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
    this.batch = new ReleaseBatch(batchPages);
    this.pages = new InflatePages(env, this.batch, this.counters);
    this.backoff = new DriverBackoff(profile);
    this.cycle = profile.vmware !== undefined ? new VmwareCycle(profile.vmware) : undefined;
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
    this.batch.newStep();
    this.cycle?.start(nowMs);
    this.outboxLimit = outbox.length + DRIVER_MESSAGES_PER_TICK_MAX;
    const wanted = this.balloonPagesWanted;
    const committed = this.balloonPagesCommitted;
    const budgetMs = this.carryMs + this.env.tickMs;
    let spentMs = 0;
    this.carryMs = 0;
    // A driver that works on target writes only stops once the balloon holds what the target asks (its work returns when there is no difference).
    if (this.profile.worksOnTargetWrite && wanted === committed && this.pendingDeflatePages === 0) this.workQueued = false;
    const working = this.workQueued || !this.profile.worksOnTargetWrite;
    if (working && this.backoff.ready(nowMs) && wanted !== committed) {
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
   * A short grant (the host had no frames, or refuses a quarantined guest) makes the driver back off.
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
      this.counters.shortGrants++;
      this.backoff.shortGrant(nowMs, grant.shortBecause === 'quarantined');
    } else if (granted > 0) this.backoff.fullGrant();
  }

  /**
   * The host answered a release: refused frames (and unbacked pages) go back
   * to the guest's free memory. Only VMware's host refuses pages in the
   * normal run of things (its cycle decides what then); another refusal (of
   * a quarantined guest) makes the driver back off (DriverBackoff.refused).
   */
  onReleaseAck(ack: ReleaseAckMessage, nowMs: number): void {
    const memory = this.env.memory;
    const inFlight = this.releasesInFlight;
    const sent = inFlight.take(ack.id);
    const unbackedSent = sent ? inFlight.takenUnbacked : 0;
    if (sent && this.profile.hostMayRefusePages) this.refusablePagesInFlight -= inFlight.takenPages;
    if (memory.mapFramesBehind(ack.refusedFrames, PageState.BALLOON, PageState.FREE) < ack.refusedFrames.length) {
      throw new Error(`BalloonDriver: release ${ack.id} refused a frame but the balloon is empty`);
    }
    for (let refused = unbackedSent - ack.acceptedUnbackedPages; refused > 0; refused--) {
      const page = memory.take(PageState.BALLOON);
      if (page < 0) throw new Error(`BalloonDriver: release ${ack.id} refused unbacked pages but the balloon is empty`);
      memory.put(page, PageState.FREE_UNBACKED);
    }
    const refusedPages = ack.refusedFrames.length;
    this.counters.refusedFrames += refusedPages;
    // vmw_balloon gives up on a cycle after too many refused pages.
    if (this.cycle !== undefined) {
      if (refusedPages > 0 && this.cycle.refuse(refusedPages)) this.backoff.waitUntil(this.cycle.endMs);
    } else if (refusedPages > 0 || unbackedSent > ack.acceptedUnbackedPages) this.backoff.refused(nowMs);
    else if (ack.acceptedFrames + ack.acceptedUnbackedPages > 0) this.backoff.taken();
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
    const { batch, pages, cycle } = this;
    const watermarks = allocator.watermarks;
    let need = needed;
    if (this.profile.keepsFloor) {
      const total = memory.pages - memory.count(PageState.UNPOPULATED) - memory.count(PageState.BALLOON);
      const room = Math.max(0, this.env.memAvailablePages() - hypervFloorPages(total, frameBytes));
      this.counters.floorHeldPages = Math.max(0, need - room);
      need = Math.min(need, room);
    }
    if (cycle !== undefined) need = Math.min(need, cycle.inflateCap - cycle.entries);
    if (need <= 0) return 0;
    let spent = 0;
    let sent = 0;
    let failed = false;
    // 2 MiB pages first: free memory only (no reclaim), one entry each.
    const large = this.largePagePages;
    if (large > 1) {
      batch.begin(true);
      while (need - sent >= large && spent + this.largePageMs <= budgetMs && allocator.availablePages - large > watermarks.lowPages && outbox.length < this.outboxLimit) {
        pages.takeFreePages(large);
        this.countEntries(1);
        this.counters.largePages++;
        sent += large;
        spent += this.largePageMs;
        if (batch.entries >= this.batchPages || batch.backed + batch.unbacked + large > FRAMES_PER_MESSAGE_MAX) {
          this.flush(outbox);
          batch.begin(true);
        }
      }
      this.flush(outbox);
    }
    // Then single pages, as the mode allows.
    const mode = this.allocationMode();
    batch.begin(false);
    while (sent < need && spent + this.inflatePageMs <= budgetMs && outbox.length < this.outboxLimit) {
      if (cycle !== undefined && cycle.entries >= cycle.inflateCap) break;
      if (mode === 'reclaim' && allocator.availablePages <= watermarks.highPages) {
        // Cold-first: reclaim cold pages straight into this batch.
        const room = Math.min(need - sent, this.batchPages - batch.entries, Math.floor((budgetMs - spent) / this.inflatePageMs));
        const got = reclaimer.reclaimCold(nowMs, room, pages.intoBatch, budgetMs - spent);
        this.countEntries(got);
        sent += got;
        spent += reclaimer.lastCostMs + got * this.inflatePageMs;
        if (got === 0) {
          failed = true;
          break;
        }
      } else {
        // Fast path: as many free pages as the mode allows without reclaim, at once.
        const floor = mode === 'free-only' || mode === 'reclaim' ? watermarks.highPages : watermarks.minPages;
        let room = Math.min(need - sent, this.batchPages - batch.entries, Math.floor((budgetMs - spent) / this.inflatePageMs), allocator.availablePages - floor);
        if (cycle !== undefined) room = Math.min(room, cycle.inflateCap - cycle.entries);
        if (room > 1) {
          const got = pages.takeFreePages(room);
          this.countEntries(got);
          sent += got;
          spent += got * this.inflatePageMs;
          if (batch.entries >= this.batchPages) {
            this.flush(outbox);
            batch.begin(false);
          }
          continue;
        }
        const frame = pages.takeSmallPage(mode);
        spent += pages.lastReclaimMs;
        if (frame === NONE) {
          failed = true;
          break;
        }
        batch.add(frame);
        this.countEntries(1);
        sent++;
        spent += this.inflatePageMs;
      }
      if (batch.entries >= this.batchPages) {
        this.flush(outbox);
        batch.begin(false);
      }
    }
    this.flush(outbox);
    if (failed) {
      this.counters.outOfPuff++;
      this.backoff.inflateFailed(nowMs, spent, this.cycle);
    } else {
      if (sent > 0) this.backoff.inflated();
      // Time left over that was too little for one more page carries to the next tick.
      if (sent < need) this.carryMs = Math.max(0, Math.min(budgetMs - spent, this.inflatePageMs));
    }
    return spent;
  }

  /** `count` balloon entries went into the batch (and into VMware's cycle). */
  private countEntries(count: number): void {
    this.batch.entries += count;
    if (this.cycle !== undefined) this.cycle.entries += count;
  }

  /** Sends the batch being built as one release, if it holds anything. */
  private flush(outbox: GuestToHost[]): void {
    const pages = this.batch.pages;
    if (pages === 0) return;
    const release = this.batch.seal(this.env.nextId());
    outbox.push(release);
    this.releasesInFlight.add(release.id, pages, release.unbackedPages);
    if (this.profile.hostMayRefusePages) this.refusablePagesInFlight += pages;
    this.counters.releaseMessages++;
    this.counters.inflatedPages += pages;
  }

  private deflate(excess: number, budgetMs: number, outbox: GuestToHost[]): number {
    let goal = Math.min(excess, this.deflatablePages, Math.floor(budgetMs / this.deflatePageMs), (this.outboxLimit - outbox.length) * this.batchPages);
    if (this.cycle !== undefined) goal = Math.min(goal, this.cycle.deflateRoom);
    for (let asked = 0; asked < goal; ) {
      const pages = Math.min(this.batchPages, goal - asked);
      outbox.push({ type: 'request', id: this.env.nextId(), purpose: 'deflate', pages, withFrames: this.profile.deflateWithFrames });
      this.counters.requestMessages++;
      this.pendingDeflatePages += pages;
      asked += pages;
    }
    if (this.cycle !== undefined) this.cycle.deflated += Math.max(0, goal);
    const spent = Math.max(0, goal) * this.deflatePageMs;
    if (goal < excess) this.carryMs = Math.max(0, Math.min(budgetMs - spent, this.deflatePageMs));
    return spent;
  }

  private allocationMode(): AllocationMode {
    // VMware allocates without sleeping (no reclaim) until a failure starts its slow cycles.
    return this.cycle !== undefined && !this.cycle.sleeping ? 'nowait' : this.mode;
  }
}
