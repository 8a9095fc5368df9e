import { GuestActor } from '../guest/guest-actor.js';
import type { GuestToHost, HostToGuest } from '../messages/protocol.js';
import type { GuestInit, GuestReport } from '../messages/runtime.js';

/** A guest actor threw; the run cannot go on with a broken actor. */
export class GuestThrew extends Error {
  override name = 'GuestThrew';

  constructor(
    readonly guestIndex: number,
    readonly guestName: string,
    override readonly cause: unknown,
  ) {
    super(`guest ${guestName} threw during its step: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * The guests one thread hosts: the inline placement has one group with every
 * guest, each worker has one group with its share. Guests step in the order
 * they were given; each guest sees only its own inbox.
 */
export class ActorGroup {
  private readonly actors: GuestActor[];
  private readonly positionOf = new Map<number, number>();

  constructor(inits: ReadonlyArray<GuestInit>) {
    this.actors = inits.map((init, position) => {
      this.positionOf.set(init.index, position);
      return new GuestActor(init);
    });
  }

  get size(): number {
    return this.actors.length;
  }

  /** Steps every guest once; `inboxes[i]` belongs to the i-th guest of the group. */
  step(tick: number, inboxes: ReadonlyArray<ReadonlyArray<HostToGuest>>): GuestToHost[][] {
    return this.actors.map((actor, position) => {
      try {
        return actor.step(tick, inboxes[position] ?? []);
      } catch (error) {
        throw new GuestThrew(actor.index, actor.name, error);
      }
    });
  }

  /** Stops the guest with this global index. */
  stop(guestIndex: number): void {
    const position = this.positionOf.get(guestIndex);
    if (position === undefined) throw new RangeError(`ActorGroup.stop: this group does not host guest ${guestIndex}`);
    this.actors[position]!.stop();
  }

  reports(): GuestReport[] {
    return this.actors.map((actor) => actor.report());
  }
}
