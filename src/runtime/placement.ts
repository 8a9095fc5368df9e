import type { AuditFindings, FullAuditPart } from '../audit/thread-audit.js';
import type { HostOrders } from '../host/device/device-group.js';
import type { GuestReport } from '../messages/runtime.js';
import type { AuditRequest, ThreadResult, ThreadSetup } from './guest-thread.js';

export type PlacementKind = 'inline' | 'workers';
/** The placements, for the checks of the library's options. */
export const PLACEMENT_KINDS = ['inline', 'workers'] as const satisfies ReadonlyArray<PlacementKind>;

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
