/**
 * The part of the audit that runs on each thread that hosts guests, over its
 * own guests, its own shards' pools and its slice of the frame table; the
 * coordinator's Auditor merges the parts in thread order (which is guest
 * order and frame order), so the findings are the same whatever the
 * placement.
 *
 * It runs on the thread whose guests write the counters it checks, between
 * their steps, so it reads them plainly: an `Atomics.load` is a call into
 * the runtime that V8 does not inline, a dozen per guest per tick (on
 * examples/dense-64.yaml with 2 workers, `perf` put 2.5 % of the two
 * threads' time in these calls).
 */
import { PageState, PAGE_STATE_COUNT, PAGE_STATE_NAMES } from '../guest/page-state.js';
import { Counter, HOST_SWAPPED, NO_FRAME, SWAP_IN_PENDING, type GuestSharedViews } from '../guest/shared-memory.js';
import type { DeviceGroup } from '../host/device/device-group.js';
import { describeOwner, OWNER_FREE } from '../host/owners.js';
import { checkHostMemory } from './host-memory-checks.js';
import { ModelAudit } from './model-checks.js';
import { pageRunsOf } from './page-scans.js';
import { countOwnerValues, newMarks, scanGuestPages, scanRange, scanRuns, type ScanFindings } from './scans.js';
import { tableScanOf, type TableScan } from './table-scans.js';

/** Violations kept with their text per part; all are counted. */
export const VIOLATIONS_KEPT = 50;

/** What one pass found on one thread. */
export interface AuditFindings {
  violations: number;
  /** The first VIOLATIONS_KEPT, as readable lines. */
  kept: string[];
}

/** What a full pass found on one thread, besides its findings: the table slice's counts and the pools' untouched ranges. */
export interface FullAuditPart extends AuditFindings {
  /** Table entries of the slice per owner value (see `ownerSlot`). */
  ownerCounts: Float64Array;
  /** Entries of the slice whose value is no owner, and the first few of them. */
  invalid: number;
  invalidFrames: number[];
  /** The untouched ranges of this thread's shards: (shard, start, end) triples. */
  untouched: number[];
}

/** Where an owner value is counted in `ownerCounts` (guests 1..G above the shards' free values and the hypervisor). */
export function ownerSlot(owner: number, shards: number): number {
  return owner + shards + 1;
}

/**
 * 1 for page states whose pages must map a frame, 0 for those whose pages
 * must not; 2 for those that must map one unless the host paged them out
 * (anonymous memory and page cache).
 */
const MUST_MAP = new Uint8Array(256);
for (const state of [PageState.FREE, PageState.KERNEL]) MUST_MAP[state] = 1;
for (const state of [PageState.ANON, PageState.CACHE]) MUST_MAP[state] = 2;

/** One thread's part of the audit. */
export class ThreadAudit {
  /** What the quick checks read of each hosted guest, in index order (looked up once: they run for every guest, every tick). */
  private readonly hosted: Array<{ views: GuestSharedViews; model: ModelAudit }>;
  private marks: Uint32Array | null = null;
  private readonly scan: TableScan;
  // Stryker disable next-line ArrayDeclaration: every pass replaces these findings first (begin), so this first value is never read (test/mutation/equivalent.md)
  private findings: AuditFindings = { violations: 0, kept: [] };
  private timeMs = 0;

  constructor(
    private readonly devices: DeviceGroup,
    private readonly views: ReadonlyMap<number, GuestSharedViews>,
    private readonly frameBytes: number,
    private readonly guestNames: ReadonlyArray<string>,
    private readonly shards: number,
  ) {
    this.hosted = devices.guestIndexes.map((guest) => {
      const guestViews = this.viewsOf(guest);
      return { views: guestViews, model: new ModelAudit(guestViews) };
    });
    this.scan = tableScanOf(devices.table.share, devices.table.owners);
  }

  /** Cheap checks of every guest from counters (O(guests)). */
  quick(timeMs: number): AuditFindings {
    this.begin(timeMs);
    this.quickChecks();
    return this.findings;
  }

  /** Every page of this thread's guests, every frame of its pools, and the table slice [start, end). */
  full(timeMs: number, sliceStart: number, sliceEnd: number): FullAuditPart {
    this.begin(timeMs);
    this.quickChecks();
    const table = this.devices.table;
    const owners = table.owners;
    const marks = (this.marks ??= newMarks(table.frames));
    marks.fill(0);
    const untouched: number[] = [];
    for (const pool of this.devices.pools) {
      const runs = scanRuns(pool.returnedRuns(), this.scan, marks, pool.freeOwner);
      for (const frame of runs.first) this.report(`frame ${frame}, in shard ${pool.shard}'s pool, is outside the table, pooled twice or owned by ${describeOwner(owners[frame] ?? OWNER_FREE, this.guestNames)}`);
      this.findings.violations += Math.max(0, runs.problems - runs.first.length);
      const ranges = pool.untouchedRanges();
      for (let i = 0; i < ranges.length; i += 2) {
        const range = scanRange(ranges[i]!, ranges[i + 1]!, this.scan, marks, OWNER_FREE);
        for (const frame of range.first) {
          this.report(`frame ${frame}, in shard ${pool.shard}'s untouched range [${ranges[i]}, ${ranges[i + 1]}), is outside the table, pooled twice or owned by ${describeOwner(owners[frame] ?? OWNER_FREE, this.guestNames)}`);
        }
        this.findings.violations += Math.max(0, range.problems - range.first.length);
        untouched.push(pool.shard, ranges[i]!, ranges[i + 1]!);
      }
    }
    for (const guest of this.devices.guestIndexes) this.checkGuestPages(guest, marks);
    const counts = countOwnerValues(this.scan, sliceStart, sliceEnd, this.guestNames.length, this.shards);
    return { ...this.findings, ownerCounts: counts.counts, invalid: counts.invalid, invalidFrames: counts.invalidFrames, untouched };
  }

  private begin(timeMs: number): void {
    this.timeMs = timeMs;
    this.findings = { violations: 0, kept: [] };
  }

  private viewsOf(guest: number): GuestSharedViews {
    const views = this.views.get(guest);
    if (views === undefined) throw new RangeError(`ThreadAudit: no shared memory for guest ${guest}`);
    return views;
  }

  private quickChecks(): void {
    const report = (text: string): void => this.report(text);
    const guests = this.devices.guestIndexes;
    for (let position = 0; position < guests.length; position++) {
      const account = this.devices.device(guests[position]!).account;
      const { views, model } = this.hosted[position]!;
      const counters = views.counters;
      let pages = 0;
      for (let state = 0; state < PAGE_STATE_COUNT; state++) pages += counters[state]!;
      if (pages !== account.pages) this.report(`guest ${account.name}: page states add up to ${pages}, its size is ${account.pages} pages`);
      const mapped = counters[Counter.MAPPED]!;
      const expected = account.ownedFrames - account.queuedGrantFrames;
      if (mapped !== expected) {
        this.report(`guest ${account.name}: maps ${mapped} frames, but owns ${account.ownedFrames} of which ${account.queuedGrantFrames} are still in flight to it`);
      }
      // The guest model's own bookkeeping is checked for honest guests only: a hostile guest's figures are whatever it says.
      if (!account.hostile) model.check(account, views, this.frameBytes, report);
      checkHostMemory(account, views, report);
    }
  }

  private checkGuestPages(guest: number, marks: Uint32Array): void {
    const account = this.devices.device(guest).account;
    const views = this.viewsOf(guest);
    const name = account.name;
    const counted = new Int32Array(PAGE_STATE_COUNT);
    const findings: ScanFindings = { problems: 0, first: [], pagedOut: 0 };
    const mapped = scanGuestPages(views.mapWords, views.pageState, pageRunsOf(views.mapWords, views.pageState, views.buffers.arena), this.scan, marks, account.ownerId, MUST_MAP, counted, findings);
    const pagedOutCounter = views.counters[Counter.HOST_SWAPPED]!;
    if (findings.pagedOut !== pagedOutCounter) this.report(`guest ${name} has ${findings.pagedOut} pages the host paged out, its counter says ${pagedOutCounter}`);
    for (const page of findings.first) this.report(`guest ${name} ${this.describePage(views, page, account.ownerId)}`);
    if (findings.problems > findings.first.length) {
      this.findings.violations += findings.problems - findings.first.length;
      if (this.findings.kept.length < VIOLATIONS_KEPT) this.findings.kept.push(`t=${(this.timeMs / 1000).toFixed(3)}s: guest ${name}: ${findings.problems - findings.first.length} more page problems`);
    }
    for (let state = 0; state < PAGE_STATE_COUNT; state++) {
      const counter = views.counters[state]!;
      if (counted[state] !== counter) this.report(`guest ${name} has ${counted[state]} ${PAGE_STATE_NAMES[state]} pages, its counter says ${counter}`);
    }
    const mappedCounter = views.counters[Counter.MAPPED]!;
    if (mapped !== mappedCounter) this.report(`guest ${name} has ${mapped} pages that map a frame, its counter says ${mappedCounter}`);
  }

  /** Words what is wrong with one page (the slow path, for the few pages a scan flagged). */
  private describePage(views: GuestSharedViews, page: number, ownerId: number): string {
    const state = views.pageState[page]!;
    const frame = views.frameAt(page);
    const owners = this.devices.table.owners;
    if (state >= PAGE_STATE_COUNT) return `page ${page} has an invalid state ${state}`;
    const stateName = PAGE_STATE_NAMES[state];
    if (frame === NO_FRAME) return `page ${page} is ${stateName} but maps no frame`;
    if (frame === HOST_SWAPPED || frame === SWAP_IN_PENDING) return `page ${page} is ${stateName} but marked paged out by the host (only anon and cache pages may be)`;
    if (frame < 0) return `page ${page} has an invalid frame ${frame}`;
    if (MUST_MAP[state] === 0) return `page ${page} is ${stateName} but maps frame ${frame}`;
    if (frame >= owners.length) return `page ${page} maps frame ${frame}, outside 0..${owners.length - 1}`;
    if (owners[frame] !== ownerId) return `page ${page} maps frame ${frame}, which the table gives to ${describeOwner(owners[frame]!, this.guestNames)}`;
    return `page ${page} maps frame ${frame}, which another page maps too`;
  }

  private report(text: string): void {
    this.findings.violations++;
    if (this.findings.kept.length < VIOLATIONS_KEPT) this.findings.kept.push(`t=${(this.timeMs / 1000).toFixed(3)}s: ${text}`);
  }
}
