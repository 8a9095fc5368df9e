import type { AuditFindings, FullAuditPart } from '../audit/thread-audit.js';
import type { HostOrders } from '../host/device/device-group.js';
import type { GuestReport } from '../messages/runtime.js';
import { checkOptionalChoice, checkOptionalCount } from '../util/option-checks.js';
import type { AuditRequest, ThreadResult, ThreadSetup } from './guest-thread.js';

export type PlacementKind = 'inline' | 'workers';
/** The placements, for the checks of the library's options. */
export const PLACEMENT_KINDS = ['inline', 'workers'] as const satisfies ReadonlyArray<PlacementKind>;

/**
 * The placement options as a library caller gave them (simulate's, the
 * preflight's): a placement of 'inline' or 'workers', whole numbers of
 * workers or of guests per worker (at least 1), not both; each may be absent.
 */
export function checkPlacementOptions(given: { placement?: unknown; workers?: unknown; guestsPerWorker?: unknown }, what: string): void {
  checkOptionalChoice(given.placement, 'placement', PLACEMENT_KINDS, what);
  checkOptionalCount(given.workers, 'workers', what, 1);
  checkOptionalCount(given.guestsPerWorker, 'guestsPerWorker', what, 1);
  if (given.workers !== undefined && given.guestsPerWorker !== undefined) throw new RangeError(`${what}: give workers or guestsPerWorker, not both`);
}

/**
 * Where the threads that host guests (their actors and device sides) run.
 * The lockstep loop talks only to this interface, so the same run gives the
 * same result whatever the placement: every thread carries out the same
 * orders, and the results come back in thread order, which is guest order.
 */
export interface GuestPlacement {
  readonly kind: PlacementKind;
  /** Threads that host guests (1 for inline). */
  readonly threads: number;
  /** Starts one thread per setup (the caller may host the first). */
  start(setups: ReadonlyArray<ThreadSetup>): Promise<void>;
  /** One tick on every thread; `audits[i]` is thread i's audit after its step. */
  step(orders: HostOrders, audits: ReadonlyArray<AuditRequest | null>): Promise<ThreadResult[]>;
  /** An audit on every thread at a quiescent point. */
  audit(requests: ReadonlyArray<AuditRequest>): Promise<Array<AuditFindings | FullAuditPart>>;
  /** Every guest's report, by guest index. */
  reports(): Promise<GuestReport[]>;
  /** Releases threads; safe to call more than once. */
  close(): Promise<void>;
}
