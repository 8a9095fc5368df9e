import type { GrantMessage, GuestToHost, ReleaseAckMessage } from '../messages/protocol.js';
import type { GuestMemory } from './guest-memory.js';
import type { DriverProfile } from './driver-profiles.js';
import { PageState } from './page-state.js';

/** Profile round trips are measured with 4 KiB pages; rates are kept in bytes so that other frame sizes keep the same speed. */
const PROFILE_PAGE_BYTES = 4096;

/** Counters the driver keeps for reports. */
export interface BalloonDriverCounters {
  inflatedPages: number;
  deflatedPages: number;
  releaseMessages: number;
  requestMessages: number;
  refusedFrames: number;
  outOfPuff: number;
  /** Deflate requests the host could not fill. */
  shortGrants: number;
  peakBalloonPages: number;
}

/**
 * The balloon driver: moves the guest toward the host's target at a bounded
 * rate, in batches of at most `batchPages` frame numbers. Inflating takes only
 * free pages (backed ones first, then unbacked ones the guest can spare),
 * unmaps them and names their frames in a `release`. Deflating asks the host
 * for frames; the host may grant fewer than asked, and the driver asks again
 * on a later tick.
 */
export class BalloonDriver {
  /** Guest size the host wants, in pages. */
  targetPages: number;
  private pendingDeflatePages = 0;
  private carryBytes = 0;
  private backoffUntilMs = 0;
  /** Unbacked pages named in each release still in flight, by message id. */
  private readonly unbackedInFlight = new Map<number, number>();
  private readonly bytesPerMsInflate: number;
  private readonly bytesPerMsDeflate: number;
  readonly counters: BalloonDriverCounters = {
    inflatedPages: 0,
    deflatedPages: 0,
    releaseMessages: 0,
    requestMessages: 0,
    refusedFrames: 0,
    outOfPuff: 0,
    shortGrants: 0,
    peakBalloonPages: 0,
  };

  constructor(
    private readonly profile: DriverProfile,
    private readonly batchPages: number,
    private readonly memory: GuestMemory,
    private readonly frameBytes: number,
    private readonly tickMs: number,
    private readonly nextId: () => number,
    initialTargetPages: number,
  ) {
    if (!Number.isSafeInteger(batchPages) || batchPages < 1) {
      throw new RangeError(`BalloonDriver: batchPages must be a positive integer, got ${batchPages}`);
    }
    this.targetPages = initialTargetPages;
    this.bytesPerMsInflate = (profile.batchPages * PROFILE_PAGE_BYTES) / profile.inflateRoundTripMs;
    this.bytesPerMsDeflate = (profile.batchPages * PROFILE_PAGE_BYTES) / profile.deflateRoundTripMs;
  }

  /** Pages the balloon holds or has asked to keep: held pages minus those being deflated. */
  get balloonPagesCommitted(): number {
    return this.memory.count(PageState.BALLOON) - this.pendingDeflatePages;
  }

  /** Balloon size the target asks for. */
  get balloonPagesWanted(): number {
    const memoryPages = this.memory.pages - this.memory.count(PageState.UNPOPULATED);
    return Math.min(memoryPages, Math.max(0, memoryPages - this.targetPages));
  }

  /**
   * One tick of the driver at `nowMs`. `unbackedSpare` is how many unbacked
   * free pages the guest can give to the balloon (those not promised to
   * pending first-touch requests). Appends messages to `outbox`.
   */
  step(nowMs: number, unbackedSpare: number, outbox: GuestToHost[]): void {
    const wanted = this.balloonPagesWanted;
    const committed = this.balloonPagesCommitted;
    if (nowMs < this.backoffUntilMs || wanted === committed) {
      this.carryBytes = 0;
    } else if (wanted > committed) {
      this.inflate(nowMs, wanted - committed, unbackedSpare, outbox);
    } else {
      this.deflate(committed - wanted, outbox);
    }
    this.counters.peakBalloonPages = Math.max(this.counters.peakBalloonPages, this.memory.count(PageState.BALLOON));
  }

  /**
   * The host answered a deflate request: each granted frame backs a balloon
   * page, which becomes free; unbacked pages leave the balloon without one.
   * A short grant (the host had no frames) makes the driver back off.
   */
  onDeflateGrant(grant: GrantMessage, nowMs: number): void {
    this.pendingDeflatePages -= grant.pagesAsked;
    const frames = grant.frames;
    for (let i = 0; i < frames.length; i++) {
      const page = this.memory.take(PageState.BALLOON);
      if (page < 0) throw new Error(`BalloonDriver: grant ${grant.id} brought more frames than the balloon holds pages`);
      this.memory.map(page, frames[i]!);
      this.memory.put(page, PageState.FREE);
    }
    for (let i = 0; i < grant.unbackedPages; i++) {
      const page = this.memory.take(PageState.BALLOON);
      if (page < 0) throw new Error(`BalloonDriver: grant ${grant.id} released more pages than the balloon holds`);
      this.memory.put(page, PageState.FREE_UNBACKED);
    }
    const granted = frames.length + grant.unbackedPages;
    this.counters.deflatedPages += granted;
    if (granted < grant.pagesAsked) {
      this.backoffUntilMs = Math.max(this.backoffUntilMs, nowMs + this.profile.backoffMs);
      this.counters.shortGrants++;
    }
  }

  /** The host answered a release: refused frames (and unbacked pages) go back to the guest. */
  onReleaseAck(ack: ReleaseAckMessage): void {
    const unbackedSent = this.unbackedInFlight.get(ack.id) ?? 0;
    this.unbackedInFlight.delete(ack.id);
    for (const frame of ack.refusedFrames) {
      const page = this.memory.take(PageState.BALLOON);
      if (page < 0) throw new Error(`BalloonDriver: release ${ack.id} refused a frame but the balloon is empty`);
      this.memory.map(page, frame);
      this.memory.put(page, PageState.FREE);
    }
    for (let refused = unbackedSent - ack.acceptedUnbackedPages; refused > 0; refused--) {
      const page = this.memory.take(PageState.BALLOON);
      if (page < 0) throw new Error(`BalloonDriver: release ${ack.id} refused unbacked pages but the balloon is empty`);
      this.memory.put(page, PageState.FREE_UNBACKED);
    }
    this.counters.refusedFrames += ack.refusedFrames.length;
  }

  private inflate(nowMs: number, needed: number, unbackedSpare: number, outbox: GuestToHost[]): void {
    const budgetBytes = this.carryBytes + this.tickMs * this.bytesPerMsInflate;
    const budgetPages = Math.floor(budgetBytes / this.frameBytes);
    const goal = Math.min(needed, budgetPages);
    let spare = unbackedSpare;
    let sent = 0;
    while (sent < goal) {
      const size = Math.min(this.batchPages, goal - sent);
      const frames = new Int32Array(size);
      let backed = 0;
      let unbacked = 0;
      while (backed + unbacked < size) {
        const page = this.memory.take(PageState.FREE);
        if (page >= 0) {
          frames[backed++] = this.memory.unmap(page);
          this.memory.put(page, PageState.BALLOON);
          continue;
        }
        if (spare === 0) break;
        const unbackedPage = this.memory.take(PageState.FREE_UNBACKED);
        if (unbackedPage < 0) break;
        this.memory.put(unbackedPage, PageState.BALLOON);
        unbacked++;
        spare--;
      }
      const got = backed + unbacked;
      if (got > 0) {
        const id = this.nextId();
        outbox.push({ type: 'release', id, frames: backed === size ? frames : frames.slice(0, backed), unbackedPages: unbacked });
        if (unbacked > 0) this.unbackedInFlight.set(id, unbacked);
        this.counters.releaseMessages++;
        this.counters.inflatedPages += got;
        sent += got;
      }
      if (got < size) {
        // "Out of puff": no free page to take; wait before trying again.
        const spentMs = (sent * this.frameBytes) / this.bytesPerMsInflate;
        this.backoffUntilMs = nowMs + spentMs + this.profile.backoffMs;
        this.counters.outOfPuff++;
        this.carryBytes = 0;
        return;
      }
    }
    this.carryBytes = goal === needed ? 0 : budgetBytes - budgetPages * this.frameBytes;
  }

  private deflate(excess: number, outbox: GuestToHost[]): void {
    const budgetBytes = this.carryBytes + this.tickMs * this.bytesPerMsDeflate;
    const budgetPages = Math.floor(budgetBytes / this.frameBytes);
    const goal = Math.min(excess, budgetPages);
    for (let asked = 0; asked < goal; ) {
      const pages = Math.min(this.batchPages, goal - asked);
      outbox.push({ type: 'request', id: this.nextId(), purpose: 'deflate', pages, withFrames: this.profile.deflateWithFrames });
      this.counters.requestMessages++;
      this.pendingDeflatePages += pages;
      asked += pages;
    }
    this.carryBytes = goal === excess ? 0 : budgetBytes - budgetPages * this.frameBytes;
  }
}
