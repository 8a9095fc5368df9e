import type { GuestToHost, HostToGuest } from '../messages/protocol.js';
import type { GuestInit, GuestReport } from '../messages/runtime.js';
import { ActorGroup, GuestThrew } from './actor-group.js';
import { RunFailure } from './errors.js';
import type { GuestOutboxHandler, GuestPlacement } from './placement.js';
import { toWireShape } from './wire-codec.js';

/** Every guest actor in the calling thread: the sequential baseline, and the placement used inside sweep tasks. */
export class InlinePlacement implements GuestPlacement {
  readonly kind = 'inline';
  readonly threads = 1;
  private group: ActorGroup | null = null;

  async start(inits: ReadonlyArray<GuestInit>): Promise<void> {
    this.group = new ActorGroup(inits);
  }

  async stepEach(tick: number, inboxes: HostToGuest[][], onGuest: GuestOutboxHandler): Promise<void> {
    const group = this.started();
    let outboxes: GuestToHost[][];
    try {
      outboxes = group.step(tick, inboxes);
    } catch (error) {
      if (error instanceof GuestThrew) throw new RunFailure('GUEST_THREW', error.message);
      throw error;
    }
    const crashes = new Map(group.takeCrashes().map((crash) => [crash.guestIndex, crash]));
    for (let index = 0; index < outboxes.length; index++) {
      // What the wire cannot carry arrives malformed on the worker placement; here too.
      onGuest(index, outboxes[index]!.map(toWireShape), crashes.get(index) ?? null);
    }
  }

  async stop(guestIndex: number): Promise<void> {
    this.started().stop(guestIndex);
  }

  async reports(): Promise<GuestReport[]> {
    return this.started().reports();
  }

  async close(): Promise<void> {
    this.group = null;
  }

  private started(): ActorGroup {
    if (this.group === null) throw new Error('InlinePlacement: not started');
    return this.group;
  }
}
