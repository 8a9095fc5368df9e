/**
 * How the memory manager sets targets: the policy's (`runPolicy`), host
 * reclaim's in the soft state and below (`hostReclaim`), give-back in the
 * high state (`giveBack`), and an administrator's through the over-shrink
 * guard (`adminTarget`).
 */
import type { TargetSize } from '../../model/scenario.js';
import { formatBytesApprox } from '../../model/units.js';
import { isReclaiming } from './free-memory-state.js';
import type { GuestRecord } from './guest-record.js';
import { statusOf } from './guest-signals.js';
import type { ManagerContext } from './manager-context.js';
import { reclaimByWeight, shareOut } from '../policy/reclaim.js';
import { checkTarget, describeDryRun, predictTarget, type GuardGuest, type GuestFloor, type TargetPrediction } from './target-guard.js';
import { workingSetEstimate } from './working-set.js';

/** Options of an administrator's target (`setTargetOf`, the setTarget event). */
export interface AdminTargetOptions {
  /** Apply it even below the guest's floor. */
  force?: boolean;
  /** Only report what it would do. */
  dryRun?: boolean;
}

/** What became of an administrator's target. */
export interface AdminTargetResult {
  guest: string;
  /**
   * `applied`: the target is set (perhaps kept within the guest's limits);
   * `refused`: below the guest's floor without force; `dryRun`: nothing
   * changed; `dead`: the guest is gone.
   */
  outcome: 'applied' | 'refused' | 'dryRun' | 'dead';
  /** The asked target, in pages (within the guest's memory). */
  askedPages: number;
  /** The guest's target afterwards. */
  targetPages: number;
  floor: GuestFloor | null;
  /** The refusal or the dry run's report, naming the guest, the floor and the asked size. */
  message: string;
  warnings: string[];
  /** For a dry run: the predicted effect. */
  prediction?: TargetPrediction;
}

function bytes(manager: ManagerContext, pages: number): string {
  return formatBytesApprox(pages * manager.frameBytes);
}

/** Runs the policy: `observe` on its interval, `decide` when its period has come (unless paused). The view is built only then. */
export function runPolicy(manager: ManagerContext): void {
  const policy = manager.currentPolicy;
  const now = manager.nowMs;
  const due = !manager.policyPaused && now >= manager.nextPolicyMs;
  const observing = policy.observe !== undefined && now >= manager.nextObserveMs;
  if (!observing && !due) return;
  const view = manager.policyView();
  if (observing) {
    manager.nextObserveMs = now + (policy.observeEveryMs ?? 0);
    policy.observe?.(view);
  }
  if (!due) return;
  manager.nextPolicyMs = now + policy.periodMs;
  applyPolicyTargets(manager, policy.decide(view), `policy ${policy.name}`);
}

/**
 * Sets a policy's targets. While the host is short (soft state and below)
 * a policy may move memory between guests but not raise the sum of
 * targets: raises are scaled down to what its cuts free.
 */
function applyPolicyTargets(manager: ManagerContext, targets: ReadonlyMap<number, number>, reason: string): void {
  const changes: Array<{ record: GuestRecord; pages: number }> = [];
  let raises = 0;
  let cuts = 0;
  for (const [index, asked] of targets) {
    const record = manager.records[index];
    if (record === undefined || !record.alive || !Number.isFinite(asked)) continue;
    const pages = Math.max(record.minPages, Math.min(record.pages, Math.floor(asked)));
    // Back-pressure: a guest in distress is not shrunk.
    if (pages < record.targetPages && manager.shielded(record)) continue;
    if (pages > record.targetPages) raises += pages - record.targetPages;
    else cuts += record.targetPages - pages;
    changes.push({ record, pages });
  }
  const state = manager.freeState;
  const scale = isReclaiming(state) && raises > cuts ? cuts / raises : 1;
  for (const { record, pages } of changes) {
    const limited = pages > record.targetPages && scale < 1 ? record.targetPages + Math.floor((pages - record.targetPages) * scale) : pages;
    record.reclaimedPages = 0;
    record.adminForced = false;
    manager.setTarget(record, limited, scale < 1 && limited !== pages ? `${reason}, raise limited while the host is ${state}` : reason);
  }
}

/** Frames the guests' balloons still owe: what they hold above their targets. */
function owedFrames(manager: ManagerContext): number {
  let owed = 0;
  for (const record of manager.records) if (record.alive) owed += Math.max(0, record.heldFrames - record.targetPages);
  return owed;
}

/**
 * Host reclaim, in the soft state and below: frames needed to bring free
 * memory back to the high threshold, beyond those the guests' balloons
 * already owe, are revoked by the policy's `reclaim` or, without one, by shares.
 */
export function hostReclaim(manager: ManagerContext): void {
  const state = manager.freeState;
  if (!isReclaiming(state)) return;
  const owed = owedFrames(manager);
  const free = manager.availableFrames;
  const needed = manager.freeMemory.thresholds.highFrames - free - owed;
  if (needed <= 0) return;
  const full = manager.policyView();
  // Back-pressure: guests in distress are not shrunk; reclaim sees them at their floor.
  const view = { ...full, guests: full.guests.map((guest) => (manager.shielded(manager.records[guest.index]!) ? { ...guest, floorPages: Math.max(guest.floorPages, guest.targetPages) } : guest)) };
  const targets = manager.currentPolicy.reclaim?.(view, needed) ?? reclaimByWeight(view, needed);
  let lowered = 0;
  let guests = 0;
  for (const [index, pages] of targets) {
    const record = manager.records[index];
    if (record === undefined || !record.alive || !(pages < record.targetPages) || manager.shielded(record)) continue;
    const before = record.targetPages;
    manager.setTarget(record, pages, `host reclaim (${state})`);
    if (record.targetPages < before) {
      lowered += before - record.targetPages;
      record.reclaimedPages += before - record.targetPages;
      guests++;
    }
  }
  if (guests > 0) {
    manager.record(
      'reclaim',
      null,
      `${state}: ${bytes(manager, free)} free and ${bytes(manager, owed)} owed by balloons, ${bytes(manager, needed)} short of the high threshold; ` +
        `lowered ${guests} target${guests === 1 ? '' : 's'} (by ${bytes(manager, lowered)} in all): the balloons now owe ${bytes(manager, owedFrames(manager))}`,
    );
  }
}

/**
 * In the high state, gives back what host reclaim took, as far as free
 * memory above the high threshold allows, by shares. Without this a policy
 * that never raises targets (static) would keep every cut forever.
 */
export function giveBack(manager: ManagerContext): void {
  if (manager.freeState !== 'high') return;
  const free = manager.availableFrames;
  const room = free - manager.freeMemory.thresholds.highFrames;
  if (room <= 0) return;
  const owed = manager.records.filter((record) => record.alive && record.reclaimedPages > 0);
  if (owed.length === 0) return;
  const shares = shareOut(
    room,
    owed.map((record) => ({ weight: record.shares, minPages: 0, maxPages: record.reclaimedPages })),
  );
  let given = 0;
  owed.forEach((record, i) => {
    const pages = shares[i]!;
    if (pages <= 0) return;
    const before = record.targetPages;
    manager.setTarget(record, before + pages, 'host give-back (high)');
    record.reclaimedPages = Math.max(0, record.reclaimedPages - (record.targetPages - before));
    given += record.targetPages - before;
  });
  if (given > 0) manager.record('reclaim', null, `high: ${bytes(manager, free)} free; gave back ${bytes(manager, given)} of what reclaim took`);
}

/** What the guard knows of a guest. */
function guardGuestOf(manager: ManagerContext, record: GuestRecord): GuardGuest {
  const status = statusOf(record);
  const estimate = workingSetEstimate(record, manager.frameBytes);
  return {
    name: record.name,
    profile: record.profile,
    frameBytes: manager.frameBytes,
    memoryPages: record.memoryPages,
    maxPages: record.pages,
    minPages: record.minPages,
    kernelPages: record.kernelPages,
    targetPages: record.targetPages,
    balloonPages: record.balloonPages,
    residentPages: record.heldFrames,
    workingSetPages: estimate.source === 'kernel memory' ? null : estimate.pages,
    freePages: status?.freePages ?? null,
  };
}

function targetPagesOf(manager: ManagerContext, record: GuestRecord, target: TargetSize): number {
  if ('bytes' in target) return Math.floor(target.bytes / manager.frameBytes);
  return Math.floor((record.pages * target.percentOfMax) / 100);
}

/**
 * An administrator's target (the setTarget event, the library API). The
 * over-shrink guard refuses a target below the guest's floor (minMemory,
 * the Hyper-V floor for hyperv guests, working set plus kernel memory)
 * unless `force`; a dry run reports what the target would do and changes
 * nothing. Every outcome, and every unit warning, goes to the event log.
 */
export function adminTarget(manager: ManagerContext, record: GuestRecord, target: TargetSize, reason: string, options: AdminTargetOptions): AdminTargetResult {
  const askedBytes = 'bytes' in target ? target.bytes : Math.floor((record.pages * target.percentOfMax) / 100) * manager.frameBytes;
  if (!record.alive) {
    const message = `target for ${record.name} ignored: the guest is dead`;
    manager.record('setTarget', record, message);
    return { guest: record.name, outcome: 'dead', askedPages: targetPagesOf(manager, record, target), targetPages: record.targetPages, floor: null, message, warnings: [] };
  }
  const guest = guardGuestOf(manager, record);
  const askedText = 'bytes' in target ? formatBytesApprox(target.bytes) : `${target.percentOfMax}% of maxMemory`;
  const verdict = checkTarget(guest, askedBytes, askedText, !('bytes' in target));
  for (const warning of verdict.warnings) manager.record('guardWarning', record, warning);
  const base = { guest: record.name, askedPages: verdict.askedPages, floor: verdict.floor, warnings: verdict.warnings };
  const force = options.force === true;
  if (options.dryRun === true) {
    // The effect of the target as it would be set if applied (forced, when the guard would refuse it).
    const refused = verdict.refusal !== null && !force;
    const prediction = predictTarget(guest, Math.max(force || refused ? 0 : record.minPages, verdict.askedPages));
    const message = describeDryRun(guest, askedText, verdict, prediction, refused);
    manager.record('dryRun', record, message);
    return { ...base, outcome: 'dryRun', targetPages: record.targetPages, message, prediction };
  }
  if (verdict.refusal !== null && !force) {
    record.guardRefusals++;
    manager.record('guardRefusal', record, verdict.refusal);
    return { ...base, outcome: 'refused', targetPages: record.targetPages, message: verdict.refusal };
  }
  const before = record.targetPages;
  record.reclaimedPages = 0;
  // A target forced below the floor is the administrator's call: back-pressure leaves it alone until another target replaces it.
  record.adminForced = force && verdict.belowFloor;
  manager.setTarget(record, verdict.askedPages, `${reason}${force ? ' (forced)' : ''}`, force ? 0 : record.minPages);
  if (record.targetPages === before) manager.record('setTarget', record, `${bytes(manager, before)} (${before} pages) by ${reason}: already the target`);
  return { ...base, outcome: 'applied', targetPages: record.targetPages, message: '' };
}
