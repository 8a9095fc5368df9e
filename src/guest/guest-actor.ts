import type { BootMessage, GrantMessage, GuestToHost, HostToGuest } from '../messages/protocol.js';
import type { GuestInit, GuestReport } from '../messages/runtime.js';
import { assertNever } from '../util/assert-never.js';
import { BalloonDriver } from './balloon-driver.js';
import { DRIVER_PROFILES } from './driver-profiles.js';
import { GuestMemory } from './guest-memory.js';
import { PAGE_STATE_COUNT, PAGE_STATE_NAMES, PageState } from './page-state.js';
import { GuestSharedViews } from './shared-memory.js';
import { Workload } from './workload.js';

/** The protocol version this guest speaks. */
export const GUEST_PROTOCOL_VERSION = 1;

/** Largest first-touch request in one message; a limit on everything. */
const POPULATE_PAGES_PER_REQUEST_MAX = 1 << 20;

/**
 * One guest VM: its memory, its workload and its balloon driver. The actor
 * only reacts to `step`: it reads the messages the host sent since the last
 * tick, advances its workload and its driver by one tick, and returns the
 * messages it sends. It touches no clock and no global state, so the same
 * code runs inline or on a worker thread and gives the same result.
 */
export class GuestActor {
  readonly index: number;
  readonly name: string;
  private readonly memory: GuestMemory;
  private readonly workload: Workload;
  private readonly driver: BalloonDriver;
  private readonly tickMs: number;
  private readonly bootPages: number;
  private readonly kernelPages: number;
  private booted = false;
  private alive = true;
  private nextMessageId = 1;
  /** Unbacked pages promised to first-touch requests still in flight. */
  private populatePendingPages = 0;
  private oomKills = 0;
  private hostShortPages = 0;

  constructor(init: GuestInit) {
    const { spec, frameBytes } = init;
    this.index = init.index;
    this.name = spec.name;
    this.tickMs = init.tickMs;
    const shared = new GuestSharedViews(init.shared);
    this.memory = new GuestMemory(shared);
    this.bootPages = Math.floor(spec.memoryBytes / frameBytes);
    this.kernelPages = Math.min(this.bootPages, Math.ceil(spec.kernelBytes / frameBytes));
    if (this.memory.pages !== Math.floor(spec.maxMemoryBytes / frameBytes)) {
      throw new RangeError(`GuestActor ${spec.name}: shared memory has ${this.memory.pages} pages, maxMemory needs ${Math.floor(spec.maxMemoryBytes / frameBytes)}`);
    }
    this.workload = new Workload(spec.workload, this.memory, frameBytes, init.seed);
    const profile = DRIVER_PROFILES[spec.driver.profile];
    this.driver = new BalloonDriver(
      profile,
      spec.driver.batchPages ?? profile.batchPages,
      this.memory,
      frameBytes,
      init.tickMs,
      () => this.nextMessageId++,
      this.bootPages,
    );
  }

  /** One tick: handle the inbox, advance workload and driver, and return the outbox. */
  step(tick: number, inbox: ReadonlyArray<HostToGuest>): GuestToHost[] {
    if (!this.alive) return [];
    const nowMs = tick * this.tickMs;
    const outbox: GuestToHost[] = [];
    for (const message of inbox) this.handle(message, nowMs);
    if (this.booted) {
      this.runWorkload(nowMs, outbox);
      this.driver.step(nowMs, this.unbackedSpare(), outbox);
      outbox.push({
        type: 'status',
        balloonPages: this.memory.count(PageState.BALLOON),
        usedPages: this.usedPages(),
        freePages: this.memory.count(PageState.FREE) + this.memory.count(PageState.FREE_UNBACKED),
      });
    }
    this.memory.publish();
    return outbox;
  }

  /** Stops the guest for good (it crashed or was destroyed). */
  stop(): void {
    this.alive = false;
  }

  report(): GuestReport {
    const memory = this.memory;
    const pageStates: Record<string, number> = {};
    for (let state = 0; state < PAGE_STATE_COUNT; state++) {
      pageStates[PAGE_STATE_NAMES[state]!] = memory.count(state as never);
    }
    const driver = this.driver.counters;
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
      swapInPages: 0,
      swapOutPages: 0,
      majorFaults: 0,
      oomKills: this.oomKills,
      hostShortPages: this.hostShortPages,
      driver: {
        inflatedPages: driver.inflatedPages,
        deflatedPages: driver.deflatedPages,
        releaseMessages: driver.releaseMessages,
        requestMessages: driver.requestMessages,
        refusedFrames: driver.refusedFrames,
        outOfPuff: driver.outOfPuff,
        shortGrants: driver.shortGrants,
      },
    };
  }

  /** Checks the guest's own bookkeeping (a full scan; for tests). */
  selfCheck(): string[] {
    return this.memory.selfCheck();
  }

  private handle(message: HostToGuest, nowMs: number): void {
    switch (message.type) {
      case 'boot':
        this.onBoot(message);
        return;
      case 'setTarget':
        this.driver.targetPages = message.targetPages;
        return;
      case 'grant':
        this.onGrant(message, nowMs);
        return;
      case 'releaseAck':
        this.driver.onReleaseAck(message);
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
    if (boot.frames.length < this.kernelPages) {
      throw new Error(`GuestActor ${this.name}: booted with ${boot.frames.length} frames, its kernel needs ${this.kernelPages}`);
    }
    this.memory.layOut(this.bootPages);
    this.backUnbackedPages(boot.frames);
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
      case 'populate':
        this.populatePendingPages -= grant.pagesAsked;
        this.hostShortPages += grant.pagesAsked - grant.frames.length;
        this.backUnbackedPages(grant.frames);
        return;
      default:
        assertNever(grant.purpose, `GuestActor ${this.name} grant`);
    }
  }

  /** Puts frames behind unbacked free pages, which become free backed pages. */
  private backUnbackedPages(frames: Int32Array): void {
    for (const frame of frames) {
      const page = this.memory.take(PageState.FREE_UNBACKED);
      if (page < 0) throw new Error(`GuestActor ${this.name}: granted a frame with no unbacked page to put it behind`);
      this.memory.map(page, frame);
      this.memory.put(page, PageState.FREE);
    }
  }

  /**
   * Grows and shrinks the workload. Pages it could not get from free backed
   * memory are asked of the host (first touch of unbacked pages); if the
   * guest has no free page at all, the OOM killer runs.
   */
  private runWorkload(nowMs: number, outbox: GuestToHost[]): void {
    const shortfall = this.workload.step(nowMs);
    const uncovered = shortfall - this.populatePendingPages;
    if (uncovered <= 0) return;
    const ask = Math.min(uncovered, this.unbackedSpare(), POPULATE_PAGES_PER_REQUEST_MAX);
    if (ask > 0) {
      outbox.push({ type: 'request', id: this.nextMessageId++, purpose: 'populate', pages: ask, withFrames: true });
      this.populatePendingPages += ask;
    }
    if (uncovered > ask && this.unbackedSpare() === 0 && this.populatePendingPages === 0) {
      if (this.workload.killLargest(nowMs) !== null) this.oomKills++;
    }
  }

  private unbackedSpare(): number {
    return this.memory.count(PageState.FREE_UNBACKED) - this.populatePendingPages;
  }

  private usedPages(): number {
    const memory = this.memory;
    return memory.count(PageState.KERNEL) + memory.count(PageState.ANON) + memory.count(PageState.CACHE);
  }
}
