import type { MemoryManager } from '../host/manager/memory-manager.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR } from '../host/owners.js';
import type { ConcurrentAuditResult } from './concurrent-auditor.js';
import { PROBLEMS_KEPT, scanFreeRuns } from './scans.js';
import { tableScanOf, type TableScan } from './table-scans.js';
import { ownerSlot, VIOLATIONS_KEPT, type AuditFindings, type FullAuditPart } from './thread-audit.js';

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
 * points (after a tick's messages have been handled). The work is split the
 * way the host is: each thread that hosts guests checks its own guests, its
 * shards' pools and a slice of the table (thread-audit.ts), and this
 * coordinator's part checks what only the whole shows, then merges the
 * parts in thread order, so the result is the same on any placement.
 *
 * - quick (every tick): no new failed compare-exchange; conservation from
 *   the published counts (pools + transit + hypervisor + guests = frames);
 *   the host's swap; then each thread's per-guest checks;
 * - full (every N ticks and at the end): the table's counts per owner
 *   (summed over the slices) against every guest's account, every shard's
 *   pool, transit and the reserve; untouched ranges and transit overlap
 *   nowhere; transit's frames are free; then each thread's page and pool scans.
 */
export class Auditor {
  private checks = 0;
  private fullChecks = 0;
  private violations = 0;
  private readonly kept: string[] = [];
  private transferFailuresSeen = 0;
  private timeMs = 0;
  private scan: TableScan | null = null;

  constructor(private readonly manager: MemoryManager) {}

  get result(): AuditResult {
    return { checks: this.checks, fullChecks: this.fullChecks, violations: this.violations, firstViolations: [...this.kept] };
  }

  /** The coordinator's cheap checks, then each thread's quick part (in thread order); returns the number of new violations. */
  quick(timeMs: number, parts: ReadonlyArray<AuditFindings>): number {
    const before = this.violations;
    this.timeMs = timeMs;
    this.checks++;
    this.globalChecks();
    this.merge(parts);
    return this.violations - before;
  }

  /** A full pass: `parts` are every thread's full parts, in thread order, whose slices cover the table in order. */
  full(timeMs: number, parts: ReadonlyArray<FullAuditPart>): number {
    const before = this.violations;
    this.timeMs = timeMs;
    this.checks++;
    this.fullChecks++;
    this.globalChecks();
    this.merge(parts);
    this.checkTable(parts);
    this.checkUntouched(parts);
    return this.violations - before;
  }

  private globalChecks(): void {
    const manager = this.manager;
    const failures = manager.transferFailures;
    if (failures !== this.transferFailuresSeen) {
      const details = manager.transferFailureDetails;
      for (let i = this.transferFailuresSeen; i < failures; i++) {
        const detail = details[i];
        this.report(`failed compare-exchange on the frame table: ${detail ?? 'details not kept'}`);
      }
      this.transferFailuresSeen = failures;
    }
    let owned = 0;
    for (const record of manager.records) owned += record.ownedFrames;
    const free = manager.freeFrames;
    const total = free + manager.reservedFrames + owned;
    if (total !== manager.frames) {
      this.report(`conservation: ${free} free + ${manager.reservedFrames} hypervisor + ${owned} guest frames = ${total}, not ${manager.frames}`);
    }
    // The host's swap in use is the guests' slots added up (each guest's slots are checked against the guest beside it).
    const space = manager.hostSwap;
    if (space.usedPages < 0 || space.usedPages > space.capacityPages) this.report(`host swap: ${space.usedPages} pages used of ${space.capacityPages}`);
  }

  private merge(parts: ReadonlyArray<AuditFindings>): void {
    for (const part of parts) {
      this.violations += part.violations;
      for (const line of part.kept) if (this.kept.length < VIOLATIONS_KEPT) this.kept.push(line);
    }
  }

  /** The table's counts per owner, summed over the slices, against what everyone holds. */
  private checkTable(parts: ReadonlyArray<FullAuditPart>): void {
    const manager = this.manager;
    const shards = manager.layout.shards;
    const counts = new Float64Array(manager.records.length + shards + 2);
    const invalidFrames: number[] = [];
    let invalid = 0;
    for (const part of parts) {
      for (let i = 0; i < counts.length; i++) counts[i]! += part.ownerCounts[i] ?? 0;
      invalid += part.invalid;
      for (const frame of part.invalidFrames) if (invalidFrames.length < PROBLEMS_KEPT) invalidFrames.push(frame);
    }
    const owners = manager.memory.table.owners;
    for (const frame of invalidFrames) this.report(`frame ${frame} has an invalid owner ${owners[frame]}`);
    this.violations += Math.max(0, invalid - invalidFrames.length);
    const count = (owner: number): number => counts[ownerSlot(owner, shards)]!;
    for (let shard = 0; shard < shards; shard++) {
      const returned = manager.balancer.pool[shard]! - manager.balancer.untouched[shard]!;
      const marked = count(freeOwnerOfShard(shard));
      if (marked !== returned) this.report(`the table marks ${marked} frames free in shard ${shard}'s pool, the shard holds ${returned} given-back frames`);
    }
    const heldUnlisted = manager.balancer.transit.size + manager.balancer.untouchedTotal;
    if (count(OWNER_FREE) !== heldUnlisted) {
      this.report(`the table has ${count(OWNER_FREE)} free frames outside the pools' given-back runs, the shards' untouched ranges and transit hold ${heldUnlisted}`);
    }
    if (count(OWNER_HYPERVISOR) !== manager.reservedFrames) {
      this.report(`the table gives ${count(OWNER_HYPERVISOR)} frames to the hypervisor, it reserved ${manager.reservedFrames}`);
    }
    for (const record of manager.records) {
      const counted = count(record.ownerId);
      if (counted !== record.ownedFrames) this.report(`the table gives guest ${record.name} ${counted} frames, the host's account says ${record.ownedFrames}`);
      if (!record.alive && counted !== 0) this.report(`guest ${record.name} is dead but still owns ${counted} frames`);
    }
  }

  /** Untouched ranges (every shard's) and transit's runs must not overlap, and transit's frames must be free. */
  private checkUntouched(parts: ReadonlyArray<FullAuditPart>): void {
    const owners = this.manager.memory.table.owners;
    const ranges: Array<{ start: number; end: number; holder: string }> = [];
    const balancer = this.manager.balancer;
    const held = new Float64Array(this.manager.layout.shards);
    for (const part of parts) {
      for (let i = 0; i < part.untouched.length; i += 3) {
        const shard = part.untouched[i]!;
        ranges.push({ start: part.untouched[i + 1]!, end: part.untouched[i + 2]!, holder: `shard ${shard}` });
        held[shard]! += part.untouched[i + 2]! - part.untouched[i + 1]!;
      }
    }
    // The manager's count of each shard's untouched frames (read from the shard's figures) against its ranges; a shard
    // that gave no part died with its thread, and the manager must count nothing in it.
    for (let shard = 0; shard < held.length; shard++) {
      if (held[shard] !== balancer.untouched[shard]) this.report(`shard ${shard} holds ${held[shard]} untouched frames, the manager counts ${balancer.untouched[shard]}`);
    }
    const transit = balancer.transit.runs();
    for (let i = 0; i < transit.length; i += 2) ranges.push({ start: transit[i]!, end: transit[i]! + transit[i + 1]!, holder: 'transit' });
    const table = this.manager.memory.table;
    this.scan ??= tableScanOf(table.share, owners);
    const notFree = scanFreeRuns(transit, this.scan, OWNER_FREE);
    for (const frame of notFree.first) this.report(`frame ${frame}, in the manager's transit, is outside the table or not free`);
    this.violations += notFree.problems - notFree.first.length;
    ranges.sort((a, b) => a.start - b.start || a.end - b.end);
    for (let i = 1; i < ranges.length; i++) {
      const previous = ranges[i - 1]!;
      const range = ranges[i]!;
      if (range.start < previous.end) {
        this.report(`free frames [${range.start}, ${Math.min(range.end, previous.end)}) are held twice: by ${previous.holder} and by ${range.holder}`);
      }
    }
  }

  private report(text: string): void {
    this.violations++;
    if (this.kept.length < VIOLATIONS_KEPT) this.kept.push(`t=${(this.timeMs / 1000).toFixed(3)}s: ${text}`);
  }
}
