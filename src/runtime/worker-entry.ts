/**
 * The one file that runs inside a worker thread. It hosts a group of guest
 * actors: comlink carries the control plane (init, stop, reports) over the
 * worker's own port, and a dedicated MessagePort carries one StepRequest and
 * one StepReply per tick.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { GuestInit, GuestReport, StepReply, StepRequest, WorkerControl } from '../messages/runtime.js';
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
  async stop(guestIndex: number): Promise<void> {
    group?.stop(guestIndex);
  },
  async reports(): Promise<GuestReport[]> {
    return group?.reports() ?? [];
  },
};

if (parentPort === null) throw new Error('worker-entry: not running in a worker thread');
Comlink.expose(control, comlinkEndpoint(parentPort));
