/**
 * How the coordinator talks to the worker threads that host guests: types
 * only. Two channels per worker: the control plane (comlink over the
 * worker's own port) sets the thread up and collects reports; the hot path
 * (a dedicated MessagePort) carries one request and one reply per tick. Only
 * the memory manager's orders, events, counts and audit findings travel;
 * frames stay on the thread that hosts their guest. Beside the port, a
 * doorbell in shared memory (runtime/doorbell.ts) tells the waiting side
 * that the other has posted, so that neither has to go back to its event
 * loop to hear it.
 */
import type { MessagePort } from 'node:worker_threads';
import type { AuditFindings, FullAuditPart } from '../audit/thread-audit.js';
import type { HostOrders, HostReport } from '../host/device/device-group.js';
import type { GuestCrash, GuestReport, SerializedError } from '../messages/runtime.js';
import type { AuditRequest, ThreadResult, ThreadSetup } from './guest-thread.js';

/** Coordinator to worker: one tick, or an audit between ticks. */
export type ThreadRequest = { type: 'step'; orders: HostOrders; audit: AuditRequest | null } | { type: 'audit'; audit: AuditRequest };

/** Worker to coordinator: the tick's result, the audit's part, or the failure that stopped the worker. */
export type ThreadReply =
  | { type: 'stepped'; result: ThreadResult }
  | { type: 'audited'; part: AuditFindings | FullAuditPart }
  | { type: 'failed'; guestIndex: number; error: SerializedError };

/** The control plane a worker exposes through comlink. */
export interface WorkerControl {
  /** Sets up the thread's guests and device sides; `port` is the hot-path channel, `doorbell` its wake-up (runtime/doorbell.ts). */
  init(setup: ThreadSetup, port: MessagePort, doorbell: SharedArrayBuffer): Promise<void>;
  /** Free-running mode: sets the thread up and runs its guests as fast as they go, talking to the coordinator on `port`. */
  startFree(setup: ThreadSetup, port: MessagePort, options: FreeLoopOptions): Promise<void>;
  /** Reports of the thread's guests, in index order. */
  reports(): Promise<GuestReport[]>;
  /** Free-running mode: the thread's part of the final audit, once its loop has finished. */
  audit(request: AuditRequest): Promise<AuditFindings | FullAuditPart>;
  /** Free-running mode: orders that came after the thread's last round, carried out without a step (GuestThread.settle). */
  settle(orders: HostOrders): Promise<HostReport>;
}

/** Free-running mode: how a worker runs the guests it hosts. */
export interface FreeLoopOptions {
  /** Rounds (one step of every hosted guest each) to run; the last one is sent as final. */
  rounds: number;
  /** Simulated time of one round (the guests' own clock). */
  tickMs: number;
  /** Batches the worker may have sent that the coordinator has not answered yet (1: a synchronous round trip). */
  window: number;
  /** Rounds the worker may run ahead of the manager's clock (its round minus the host tick). */
  leadRounds: number;
  /** Int32 slots shared with the coordinator (see runtime/free-control.ts): FINISH ends the run early, HOST_TICK is the manager's clock. */
  control: SharedArrayBuffer;
}

/**
 * Free-running mode, worker to coordinator: one round of every hosted guest
 * (the device sides' report and the guests whose actors threw), or the
 * failure that stopped the worker. The coordinator answers every batch but
 * the final one with the orders the memory manager gave since.
 */
export type FreeBatch =
  | { type: 'batch'; round: number; report: HostReport; crashed: GuestCrash[]; final: boolean }
  | { type: 'failed'; round: number; guestIndex: number; error: SerializedError };

/** Free-running mode, coordinator to worker: the memory manager's orders since the worker's last batch, merged. */
export interface FreeOrders {
  type: 'orders';
  orders: HostOrders;
}
