import type { GuestToHost, HostToGuest } from '../messages/protocol.js';
import type { GuestCrash, GuestInit, GuestReport } from '../messages/runtime.js';
import { ActorGroup, GuestThrew } from './actor-group.js';
import { RunFailure } from './errors.js';
import type { GuestPlacement } from './placement.js';
import { toWireShape, type MalformedOnWire } from './wire-codec.js';

/** Every guest actor in the calling thread: the sequential baseline, and the placement used inside sweep tasks. */
export class InlinePlacement implements GuestPlacement {
  readonly kind = 'inline';
  readonly threads = 1;
  private group: ActorGroup | null = null;

  async start(inits: ReadonlyArray<GuestInit>): Promise<void> {
    this.group = new ActorGroup(inits);
  }

  async step(tick: number, inboxes: HostToGuest[][]): Promise<Array<Array<GuestToHost | MalformedOnWire>>> {
    try {
      const outboxes: Array<Array<GuestToHost | MalformedOnWire>> = this.started().step(tick, inboxes);
      // What the wire cannot carry arrives malformed on the worker placement; here too.
      for (const outbox of outboxes) {
        for (let i = 0; i < outbox.length; i++) outbox[i] = toWireShape(outbox[i] as GuestToHost);
      }
      return outboxes;
    } catch (error) {
      if (error instanceof GuestThrew) throw new RunFailure('GUEST_THREW', error.message);
      throw error;
    }
  }

  takeCrashes(): GuestCrash[] {
    return this.group?.takeCrashes() ?? [];
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
