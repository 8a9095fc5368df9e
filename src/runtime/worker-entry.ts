/**
 * The one file that runs inside a worker thread. A guest worker hosts whole
 * shards: their guest actors and device sides (runtime/guest-thread.ts).
 * comlink carries the control plane (init, reports) over the worker's own
 * port, and a dedicated MessagePort carries one request and one reply per
 * tick (lockstep), or the free-running rounds (free mode). Started with
 * `workerData.role === 'auditor'`, the worker is instead the free-running
 * mode's concurrent auditor.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { ConcurrentAuditor, type ConcurrentAuditInput } from '../audit/concurrent-auditor.js';
import type { HostOrders } from '../host/device/device-group.js';
import type { GuestReport } from '../messages/runtime.js';
import { GuestThrew } from './actor-group.js';
import { comlinkEndpoint } from './comlink-endpoint.js';
import { Doorbell } from './doorbell.js';
import { serializeError } from './errors.js';
import { FreeGuestLoop } from './free-guest-loop.js';
import { GuestThread, type AuditRequest, type ThreadSetup } from './guest-thread.js';
import type { FreeLoopOptions, ThreadReply, ThreadRequest, WorkerControl } from './thread-protocol.js';

let thread: GuestThread | null = null;
/** Lockstep requests this worker has answered (the doorbell's request count it has caught up with). */
let answered = 0;

/**
 * How long a worker stays blocked waiting for the next lockstep request
 * before it goes back to its event loop (where comlink's control calls, and
 * a request that comes later, reach it).
 */
const LINGER_MS = 20;

/**
 * Answers a lockstep request, then takes the requests that follow straight
 * off the port as the doorbell announces them, until none comes for
 * LINGER_MS (runtime/doorbell.ts). `answered` counts the requests taken.
 */
function serve(port: MessagePort, bell: Doorbell, first: ThreadRequest): void {
  let request: ThreadRequest | undefined = first;
  while (request !== undefined) {
    answer(port, request);
    answered++;
    bell.ringReply();
    request = undefined;
    if (bell.awaitRequest(answered, LINGER_MS)) {
      // The coordinator rings only after posting, so the request is on the port.
      const next = receiveMessageOnPort(port);
      if (next !== undefined) request = next.message as ThreadRequest;
    }
  }
}

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
  async init(setup: ThreadSetup, port: MessagePort, doorbell: SharedArrayBuffer): Promise<void> {
    if (thread !== null) throw new Error('worker: init called twice');
    thread = new GuestThread(setup);
    const bell = new Doorbell(doorbell);
    port.on('message', (request: ThreadRequest) => serve(port, bell, request));
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
