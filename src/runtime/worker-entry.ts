/**
 * The one file that runs inside a worker thread. A guest worker hosts a group
 * of guest actors: comlink carries the control plane (init, stop, reports)
 * over the worker's own port, and a dedicated MessagePort carries one
 * StepRequest and one StepReply per tick (lockstep), or the free-running
 * batches (free mode). Started with `workerData.role === 'auditor'`, the
 * worker is instead the free-running mode's concurrent auditor.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { ConcurrentAuditor, type ConcurrentAuditInput } from '../audit/concurrent-auditor.js';
import type { FreeLoopOptions, GuestInit, GuestReport, StepReply, StepRequest, WorkerControl } from '../messages/runtime.js';
import { FreeGuestLoop } from './free/free-guest-loop.js';
import { ActorGroup, GuestThrew } from './actor-group.js';
import { comlinkEndpoint } from './comlink-endpoint.js';
import { serializeError } from './errors.js';
import { decodeHostInboxes, encodeGuestOutboxes } from './wire-codec.js';

let group: ActorGroup | null = null;

function answer(port: MessagePort, request: StepRequest): void {
  let reply: StepReply;
  try {
    if (group === null) throw new Error('worker: step before init');
    const outboxes = encodeGuestOutboxes(group.step(request.tick, decodeHostInboxes(request.inboxes)));
    const crashed = group.takeCrashes();
    const reply: StepReply = { type: 'stepped', tick: request.tick, outboxes, ...(crashed.length > 0 ? { crashed } : {}) };
    port.postMessage(reply, [outboxes.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    const guestIndex = error instanceof GuestThrew ? error.guestIndex : -1;
    reply = { type: 'failed', tick: request.tick, guestIndex, error: serializeError(error, guestIndex >= 0 ? 'GUEST_THREW' : 'WORKER_FAILED') };
  }
  port.postMessage(reply);
}

const control: WorkerControl = {
  async init(guests: GuestInit[], stepPort: MessagePort): Promise<void> {
    if (group !== null) throw new Error('worker: init called twice');
    group = new ActorGroup(guests);
    stepPort.on('message', (request: StepRequest) => answer(stepPort, request));
  },
  async startFree(guests: GuestInit[], port: MessagePort, options: FreeLoopOptions): Promise<void> {
    if (group !== null) throw new Error('worker: init called twice');
    group = new ActorGroup(guests);
    new FreeGuestLoop(group, port, options).start();
  },
  async stop(guestIndex: number): Promise<void> {
    group?.stop(guestIndex);
  },
  async reports(): Promise<GuestReport[]> {
    return group?.reports() ?? [];
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
