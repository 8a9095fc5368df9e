import { PageState, PAGE_STATE_COUNT, PAGE_STATE_NAMES } from '../guest/page-state.js';
import { Counter, NO_FRAME, type GuestSharedViews } from '../guest/shared-memory.js';
import { describeTransferFailure } from '../host/frame-table.js';
import type { Hypervisor } from '../host/hypervisor.js';
import { describeOwner, guestIndexOfOwner, OWNER_FREE, OWNER_HYPERVISOR } from '../host/owners.js';

/** Violations kept with their text; all are counted. */
const VIOLATIONS_KEPT = 50;

/** Problems described per guest and pass; the rest are only counted. */
const PAGE_PROBLEMS_DESCRIBED = 3;

/** Page states whose pages must map a frame, and those whose pages must not. */
const BACKED_STATES: ReadonlySet<number> = new Set<number>([PageState.FREE, PageState.KERNEL, PageState.ANON, PageState.CACHE]);

export interface AuditResult {
  /** Audit passes made (quick and full). */
  checks: number;
  /** Full passes (every frame and every page). */
  fullChecks: number;
  violations: number;
  /** The first violations, as readable lines. */
  firstViolations: string[];
}

/**
 * Checks DESIGN.md's invariants 1 to 4 from outside the actors, at quiescent
 * points (after the host has handled a tick's messages):
 *
 * - quick (every tick, O(guests)): conservation by the host's counters, each
 *   guest's page states adding up to its size, each guest mapping exactly the
 *   frames the host says it owns minus those still in flight to it, and no
 *   new failed compare-exchange;
 * - full (every N ticks and at the end, O(frames + pages)): every table entry
 *   recounted, every pooled frame free and pooled once, every mapped page's
 *   frame owned by its guest and mapped by no other page, every page's state
 *   agreeing with whether it maps a frame.
 */
export class Auditor {
  private checks = 0;
  private fullChecks = 0;
  private violations = 0;
  private readonly kept: string[] = [];
  private transferFailuresSeen = 0;
  private readonly names: string[];
  /** Scratch: marks frames during a full pass. */
  private marks: Uint8Array | null = null;

  constructor(
    private readonly host: Hypervisor,
    private readonly guests: ReadonlyArray<GuestSharedViews>,
  ) {
    this.names = host.accounts.map((account) => account.name);
  }

  get result(): AuditResult {
    return { checks: this.checks, fullChecks: this.fullChecks, violations: this.violations, firstViolations: [...this.kept] };
  }

  /** Cheap checks from counters; returns the number of new violations. */
  quick(timeMs: number): number {
    const before = this.violations;
    this.checks++;
    const host = this.host;
    this.checkTransferFailures(timeMs);
    let owned = 0;
    for (const account of host.accounts) owned += account.ownedFrames;
    const total = host.pool.size + host.reservedFrames + owned;
    if (total !== host.frames) {
      this.report(timeMs, `conservation: ${host.pool.size} free + ${host.reservedFrames} hypervisor + ${owned} guest frames = ${total}, not ${host.frames}`);
    }
    for (const account of host.accounts) {
      const counters = this.guests[account.index]!.counters;
      let pages = 0;
      for (let state = 0; state < PAGE_STATE_COUNT; state++) pages += Atomics.load(counters, state);
      if (pages !== account.pages) {
        this.report(timeMs, `guest ${account.name}: page states add up to ${pages}, its size is ${account.pages} pages`);
      }
      const mapped = Atomics.load(counters, Counter.MAPPED);
      const expected = account.ownedFrames - account.queuedGrantFrames;
      if (mapped !== expected) {
        this.report(
          timeMs,
          `guest ${account.name}: maps ${mapped} frames, but owns ${account.ownedFrames} of which ${account.queuedGrantFrames} are still in flight to it`,
        );
      }
    }
    return this.violations - before;
  }

  /** Every frame and every page; returns the number of new violations. */
  full(timeMs: number): number {
    const before = this.violations;
    this.quick(timeMs);
    this.fullChecks++;
    const host = this.host;
    const frames = host.frames;
    const marks = (this.marks ??= new Uint8Array(frames));
    this.checkTable(timeMs);
    // Pooled frames: free in the table, pooled once.
    marks.fill(0);
    host.pool.forEach((frame) => {
      if (frame < 0 || frame >= frames) {
        this.report(timeMs, `free pool holds frame ${frame}, outside 0..${frames - 1}`);
        return;
      }
      if (marks[frame] === 1) this.report(timeMs, `free pool holds frame ${frame} twice`);
      marks[frame] = 1;
      const owner = host.table.ownerOf(frame);
      if (owner !== OWNER_FREE) this.report(timeMs, `free pool holds frame ${frame}, which the table gives to ${describeOwner(owner, this.names)}`);
    });
    // Guest maps: owned by the guest, mapped once over all guests.
    marks.fill(0);
    for (const account of host.accounts) this.checkGuestPages(timeMs, account.index, account.ownerId, marks);
    return this.violations - before;
  }

  private checkTransferFailures(timeMs: number): void {
    const table = this.host.table;
    const failures = table.transferFailures;
    if (failures === this.transferFailuresSeen) return;
    const details = table.transferFailureDetails;
    for (let i = this.transferFailuresSeen; i < failures; i++) {
      const detail = details[i];
      this.report(timeMs, `failed compare-exchange on the frame table: ${detail !== undefined ? describeTransferFailure(detail, this.names) : 'details not kept'}`);
    }
    this.transferFailuresSeen = failures;
  }

  private checkTable(timeMs: number): void {
    const host = this.host;
    const owners = host.table.owners;
    const counts = new Float64Array(host.accounts.length);
    let free = 0;
    let hypervisor = 0;
    for (let frame = 0; frame < owners.length; frame++) {
      const owner = Atomics.load(owners, frame);
      if (owner === OWNER_FREE) free++;
      else if (owner === OWNER_HYPERVISOR) hypervisor++;
      else {
        const index = guestIndexOfOwner(owner);
        if (index < 0 || index >= counts.length) this.report(timeMs, `frame ${frame} has an invalid owner ${owner}`);
        else counts[index]!++;
      }
    }
    if (free !== host.pool.size) this.report(timeMs, `the table has ${free} free frames, the pool holds ${host.pool.size}`);
    if (hypervisor !== host.reservedFrames) this.report(timeMs, `the table gives ${hypervisor} frames to the hypervisor, it reserved ${host.reservedFrames}`);
    for (const account of host.accounts) {
      const counted = counts[account.index]!;
      if (counted !== account.ownedFrames) {
        this.report(timeMs, `the table gives guest ${account.name} ${counted} frames, the host's account says ${account.ownedFrames}`);
      }
      if (!account.alive && counted !== 0) this.report(timeMs, `guest ${account.name} is dead but still owns ${counted} frames`);
    }
  }

  private checkGuestPages(timeMs: number, index: number, ownerId: number, marks: Uint8Array): void {
    const views = this.guests[index]!;
    const name = this.names[index]!;
    const { frameOf, pageState, counters } = views;
    const frames = marks.length;
    const counted = new Int32Array(PAGE_STATE_COUNT);
    let mapped = 0;
    let problems = 0;
    // Every problem counts; only the first few of a guest are described.
    const problem = (text: string): void => {
      if (problems++ < PAGE_PROBLEMS_DESCRIBED) this.report(timeMs, `guest ${name} ${text}`);
      else this.violations++;
    };
    for (let page = 0; page < frameOf.length; page++) {
      const state = pageState[page]!;
      const frame = frameOf[page]!;
      if (state >= PAGE_STATE_COUNT) {
        problem(`page ${page} has an invalid state ${state}`);
        continue;
      }
      counted[state]!++;
      if (frame === NO_FRAME) {
        if (BACKED_STATES.has(state)) problem(`page ${page} is ${PAGE_STATE_NAMES[state]} but maps no frame`);
        continue;
      }
      mapped++;
      if (!BACKED_STATES.has(state)) problem(`page ${page} is ${PAGE_STATE_NAMES[state]} but maps frame ${frame}`);
      if (frame < 0 || frame >= frames) {
        problem(`page ${page} maps frame ${frame}, outside 0..${frames - 1}`);
        continue;
      }
      if (marks[frame] === 1) problem(`page ${page} maps frame ${frame}, which another page maps too`);
      marks[frame] = 1;
      const owner = this.host.table.ownerOf(frame);
      if (owner !== ownerId) problem(`page ${page} maps frame ${frame}, which the table gives to ${describeOwner(owner, this.names)}`);
    }
    if (problems > PAGE_PROBLEMS_DESCRIBED) {
      if (this.kept.length < VIOLATIONS_KEPT) this.kept.push(`t=${(timeMs / 1000).toFixed(3)}s: guest ${name}: ${problems - PAGE_PROBLEMS_DESCRIBED} more page problems`);
    }
    for (let state = 0; state < PAGE_STATE_COUNT; state++) {
      const counter = Atomics.load(counters, state);
      if (counted[state] !== counter) problem(`has ${counted[state]} ${PAGE_STATE_NAMES[state]} pages, its counter says ${counter}`);
    }
    const mappedCounter = Atomics.load(counters, Counter.MAPPED);
    if (mapped !== mappedCounter) problem(`has ${mapped} pages that map a frame, its counter says ${mappedCounter}`);
  }

  private report(timeMs: number, text: string): void {
    this.violations++;
    if (this.kept.length < VIOLATIONS_KEPT) this.kept.push(`t=${(timeMs / 1000).toFixed(3)}s: ${text}`);
  }
}
