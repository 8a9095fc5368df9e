import { PageState, PAGE_STATE_COUNT, PAGE_STATE_NAMES } from '../guest/page-state.js';
import { Counter, HOST_SWAPPED, NO_FRAME, SWAP_IN_PENDING, type GuestSharedViews } from '../guest/shared-memory.js';
import { describeTransferFailure } from '../host/frame-table.js';
import type { Hypervisor } from '../host/hypervisor.js';
import { describeOwner, OWNER_FREE } from '../host/owners.js';
import type { ConcurrentAuditResult } from './concurrent-auditor.js';
import { checkHostMemory } from './host-memory-checks.js';
import { ModelAudit } from './model-checks.js';
import { countOwners, newMarks, scanGuestPages, scanPool, scanPoolRange, type ScanFindings } from './scans.js';

/** Violations kept with their text; all are counted. */
const VIOLATIONS_KEPT = 50;

/**
 * 1 for page states whose pages must map a frame, 0 for those whose pages
 * must not; 2 for those that must map one unless the host paged them out
 * (anonymous memory and page cache).
 */
const MUST_MAP = new Uint8Array(256);
for (const state of [PageState.FREE, PageState.KERNEL]) MUST_MAP[state] = 1;
for (const state of [PageState.ANON, PageState.CACHE]) MUST_MAP[state] = 2;

export interface AuditResult {
  /** Audit passes made (quick and full). */
  checks: number;
  /** Full passes (every frame and every page). */
  fullChecks: number;
  violations: number;
  /** The first violations, as readable lines. */
  firstViolations: string[];
  /** Free-running mode: the continuous audit made on its own thread while the run went on (its violations are counted above too). */
  concurrent?: ConcurrentAuditResult;
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
  /** Scratch: a bitmap that marks frames during a full pass. */
  private marks: Uint32Array | null = null;
  /** Checks of the guest memory model's figures and messages. */
  private readonly model: ModelAudit;

  constructor(
    private readonly host: Hypervisor,
    private readonly guests: ReadonlyArray<GuestSharedViews>,
  ) {
    this.names = host.accounts.map((account) => account.name);
    this.model = new ModelAudit(host.accounts.length);
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
      // The guest model's own bookkeeping is checked for honest guests only: a hostile guest's figures are whatever it says.
      if (!account.hostile) this.model.check(account, this.guests[account.index]!, host.frameBytes, (text) => this.report(timeMs, text));
    }
    checkHostMemory(host, this.guests, (text) => this.report(timeMs, text));
    return this.violations - before;
  }

  /** Every frame and every page; returns the number of new violations. */
  full(timeMs: number): number {
    const before = this.violations;
    this.quick(timeMs);
    this.fullChecks++;
    const host = this.host;
    const owners = host.table.owners;
    const marks = (this.marks ??= newMarks(host.frames));
    this.checkTable(timeMs);
    marks.fill(0);
    const pooled = host.pool.contents();
    const pool = scanPool(pooled, owners, marks);
    for (const position of pool.first) {
      const frame = pooled[position]!;
      const owner = frame >= 0 && frame < owners.length ? owners[frame]! : OWNER_FREE;
      this.report(timeMs, `free pool entry ${position} is frame ${frame}: out of range, pooled twice, or owned by ${describeOwner(owner, this.names)}`);
    }
    this.violations += Math.max(0, pool.problems - pool.first.length);
    const range = host.pool.untouched?.();
    if (range !== undefined) {
      const unlisted = scanPoolRange(range.start, range.end, owners, marks);
      for (const frame of unlisted.first) {
        this.report(timeMs, `frame ${frame}, in the pool's untouched range [${range.start}, ${range.end}), is pooled twice or owned by ${describeOwner(owners[frame] ?? OWNER_FREE, this.names)}`);
      }
      this.violations += Math.max(0, unlisted.problems - unlisted.first.length);
    }
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
    const counts = countOwners(host.table.owners, host.accounts.length);
    for (const frame of counts.invalidFrames) this.report(timeMs, `frame ${frame} has an invalid owner ${host.table.owners[frame]}`);
    this.violations += counts.invalid - counts.invalidFrames.length;
    if (counts.free !== host.pool.size) this.report(timeMs, `the table has ${counts.free} free frames, the pool holds ${host.pool.size}`);
    if (counts.hypervisor !== host.reservedFrames) {
      this.report(timeMs, `the table gives ${counts.hypervisor} frames to the hypervisor, it reserved ${host.reservedFrames}`);
    }
    for (const account of host.accounts) {
      const counted = counts.perGuest[account.index]!;
      if (counted !== account.ownedFrames) {
        this.report(timeMs, `the table gives guest ${account.name} ${counted} frames, the host's account says ${account.ownedFrames}`);
      }
      if (!account.alive && counted !== 0) this.report(timeMs, `guest ${account.name} is dead but still owns ${counted} frames`);
    }
  }

  private checkGuestPages(timeMs: number, index: number, ownerId: number, marks: Uint32Array): void {
    const views = this.guests[index]!;
    const name = this.names[index]!;
    const owners = this.host.table.owners;
    const counted = new Int32Array(PAGE_STATE_COUNT);
    const findings: ScanFindings = { problems: 0, first: [], pagedOut: 0 };
    const mapped = scanGuestPages(views.frameOf, views.pageState, owners, marks, ownerId, MUST_MAP, counted, findings);
    const pagedOutCounter = Atomics.load(views.counters, Counter.HOST_SWAPPED);
    if (findings.pagedOut !== pagedOutCounter) this.report(timeMs, `guest ${name} has ${findings.pagedOut} pages the host paged out, its counter says ${pagedOutCounter}`);
    for (const page of findings.first) this.report(timeMs, `guest ${name} ${this.describePage(views, page, ownerId)}`);
    if (findings.problems > findings.first.length) {
      this.violations += findings.problems - findings.first.length;
      if (this.kept.length < VIOLATIONS_KEPT) {
        this.kept.push(`t=${(timeMs / 1000).toFixed(3)}s: guest ${name}: ${findings.problems - findings.first.length} more page problems`);
      }
    }
    for (let state = 0; state < PAGE_STATE_COUNT; state++) {
      const counter = Atomics.load(views.counters, state);
      if (counted[state] !== counter) {
        this.report(timeMs, `guest ${name} has ${counted[state]} ${PAGE_STATE_NAMES[state]} pages, its counter says ${counter}`);
      }
    }
    const mappedCounter = Atomics.load(views.counters, Counter.MAPPED);
    if (mapped !== mappedCounter) this.report(timeMs, `guest ${name} has ${mapped} pages that map a frame, its counter says ${mappedCounter}`);
  }

  /** Words what is wrong with one page (the slow path, for the few pages a scan flagged). */
  private describePage(views: GuestSharedViews, page: number, ownerId: number): string {
    const state = views.pageState[page]!;
    const frame = views.frameOf[page]!;
    const owners = this.host.table.owners;
    if (state >= PAGE_STATE_COUNT) return `page ${page} has an invalid state ${state}`;
    const stateName = PAGE_STATE_NAMES[state];
    if (frame === NO_FRAME) return `page ${page} is ${stateName} but maps no frame`;
    if (frame === HOST_SWAPPED || frame === SWAP_IN_PENDING) return `page ${page} is ${stateName} but marked paged out by the host (only anon and cache pages may be)`;
    if (frame < 0) return `page ${page} has an invalid frame ${frame}`;
    if (MUST_MAP[state] === 0) return `page ${page} is ${stateName} but maps frame ${frame}`;
    if (frame < 0 || frame >= owners.length) return `page ${page} maps frame ${frame}, outside 0..${owners.length - 1}`;
    if (owners[frame] !== ownerId) return `page ${page} maps frame ${frame}, which the table gives to ${describeOwner(owners[frame]!, this.names)}`;
    return `page ${page} maps frame ${frame}, which another page maps too`;
  }

  private report(timeMs: number, text: string): void {
    this.violations++;
    if (this.kept.length < VIOLATIONS_KEPT) this.kept.push(`t=${(timeMs / 1000).toFixed(3)}s: ${text}`);
  }
}
