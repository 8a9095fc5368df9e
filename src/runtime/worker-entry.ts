/**
 * The one file that runs inside a worker thread. A guest worker hosts whole
 * shards: their guest actors and device sides (runtime/guest-thread.ts).
 * comlink carries the control plane (init, reports) over the worker's own
 * port, and a dedicated MessagePort carries one request and one reply per
 * tick (lockstep), or the free-running rounds (free mode). Started with
 * `workerData.role === 'auditor'`, the worker is instead the free-running
 * mode's concurrent auditor.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { ConcurrentAuditor, type ConcurrentAuditInput } from '../audit/concurrent-auditor.js';
import type { HostOrders } from '../host/device/device-group.js';
import type { GuestReport } from '../messages/runtime.js';
import { GuestThrew } from './actor-group.js';
import { comlinkEndpoint } from './comlink-endpoint.js';
import { serializeError } from './errors.js';
import { FreeGuestLoop } from './free-guest-loop.js';
import { GuestThread, type AuditRequest, type ThreadSetup } from './guest-thread.js';
import type { FreeLoopOptions, ThreadReply, ThreadRequest, WorkerControl } from './thread-protocol.js';

let thread: GuestThread | null = null;

function answer(port: MessagePort, request: ThreadRequest): void {
  let reply: ThreadReply;
  try {
    if (thread === null) throw new Error('worker: request before init');
    reply = request.type === 'step' ? { type: 'stepped', result: thread.step(request.orders, request.audit) } : { type: 'audited', part: thread.auditNow(request.audit) };
  } catch (error) {
    const guestIndex = error instanceof GuestThrew ? error.guestIndex : -1;
    reply = { type: 'failed', guestIndex, error: serializeError(error, guestIndex >= 0 ? 'GUEST_THREW' : 'WORKER_FAILED') };
  }
  port.postMessage(reply);
}

const control: WorkerControl = {
  async init(setup: ThreadSetup, port: MessagePort): Promise<void> {
    if (thread !== null) throw new Error('worker: init called twice');
    thread = new GuestThread(setup);
    port.on('message', (request: ThreadRequest) => answer(port, request));
  },
  async startFree(setup: ThreadSetup, port: MessagePort, options: FreeLoopOptions): Promise<void> {
    if (thread !== null) throw new Error('worker: init called twice');
    thread = new GuestThread(setup);
    new FreeGuestLoop(thread, port, options).start();
  },
  async reports(): Promise<GuestReport[]> {
    return thread?.reports() ?? [];
  },
  async audit(request: AuditRequest) {
    if (thread === null) throw new Error('worker: audit before init');
    return thread.auditNow(request);
  },
  async settle(orders: HostOrders) {
    if (thread === null) throw new Error('worker: settle before init');
    return thread.settle(orders);
  },
};

/** What a worker is started as. */
export interface WorkerRole {
  role: 'guests' | 'auditor';
  /** For the auditor: what it reads. */
  audit?: ConcurrentAuditInput;
}

if (parentPort === null) throw new Error('worker-entry: not running in a worker thread');
const role = (workerData as WorkerRole | null | undefined)?.role ?? 'guests';
if (role === 'auditor') {
  const input = (workerData as WorkerRole).audit;
  if (input === undefined) throw new Error('worker-entry: an auditor needs its input');
  // A synchronous loop until the host sets STOP; the result is the worker's only message.
  parentPort.postMessage(new ConcurrentAuditor(input).run());
} else {
  Comlink.expose(control, comlinkEndpoint(parentPort));
}
