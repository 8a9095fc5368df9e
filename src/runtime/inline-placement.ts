import type { AuditFindings, FullAuditPart } from '../audit/thread-audit.js';
import type { HostOrders } from '../host/device/device-group.js';
import type { GuestReport } from '../messages/runtime.js';
import { GuestThrew } from './actor-group.js';
import { RunFailure } from './errors.js';
import { GuestThread, type AuditRequest, type ThreadResult, type ThreadSetup } from './guest-thread.js';
import type { GuestPlacement } from './placement.js';

/** Every guest and device side in the calling thread: the sequential baseline, and the placement used inside sweep tasks. */
export class InlinePlacement implements GuestPlacement {
  readonly kind = 'inline';
  readonly threads = 1;
  private thread: GuestThread | null = null;

  async start(setups: ReadonlyArray<ThreadSetup>): Promise<void> {
    if (setups.length !== 1) throw new RangeError(`InlinePlacement: one thread hosts every shard, got ${setups.length} setups`);
    this.thread = new GuestThread(setups[0]!);
  }

  async step(orders: HostOrders, audits: ReadonlyArray<AuditRequest | null>): Promise<ThreadResult[]> {
    try {
      return [this.started().step(orders, audits[0] ?? null)];
    } catch (error) {
      if (error instanceof GuestThrew) throw new RunFailure('GUEST_THREW', error.message);
      throw error;
    }
  }

  async audit(requests: ReadonlyArray<AuditRequest>): Promise<Array<AuditFindings | FullAuditPart>> {
    return [this.started().auditNow(requests[0]!)];
  }

  async reports(): Promise<GuestReport[]> {
    return this.started().reports();
  }

  async close(): Promise<void> {
    this.thread = null;
  }

  private started(): GuestThread {
    if (this.thread === null) throw new Error('InlinePlacement: not started');
    return this.thread;
  }
}
