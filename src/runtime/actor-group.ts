import type { SteppingGuest } from '../faults/throwing-guest.js';
import type { GuestToHost, HostToGuest } from '../messages/protocol.js';
import type { GuestCrash, GuestInit, GuestReport } from '../messages/runtime.js';
import { threadEntriesArena } from '../guest/entries-arena.js';
import { createGuestActor } from './guest-factory.js';

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
 *
 * An actor that throws fails the run (an honest actor that throws is a bug),
 * unless its init carries fault injection: then the guest is stopped, its
 * outbox of that step is lost, and the crash is kept for `takeCrashes`, so
 * that the host can take its frames back.
 */
export class ActorGroup {
  private readonly actors: SteppingGuest[];
  private readonly crashOnThrow: boolean[];
  private readonly stopped: boolean[];
  private readonly positionOf = new Map<number, number>();
  private crashes: GuestCrash[] = [];
  /** The crash of each guest's last step, if it threw. */
  private readonly lastCrashes: Array<GuestCrash | null>;

  constructor(inits: ReadonlyArray<GuestInit>) {
    // This run's guests put their workloads' entries in buffers of their own, which go when they go.
    threadEntriesArena.retire();
    this.actors = inits.map((init, position) => {
      this.positionOf.set(init.index, position);
      return createGuestActor(init);
    });
    this.crashOnThrow = inits.map((init) => init.faults !== undefined);
    this.stopped = inits.map(() => false);
    this.lastCrashes = inits.map(() => null);
  }

  get size(): number {
    return this.actors.length;
  }

  /** Global indexes of the hosted guests, in order. */
  get guestIndexes(): number[] {
    return this.actors.map((actor) => actor.index);
  }

  /** Steps every guest once; `inboxes[i]` belongs to the i-th guest of the group. */
  step(tick: number, inboxes: ReadonlyArray<ReadonlyArray<HostToGuest>>): GuestToHost[][] {
    const outboxes: GuestToHost[][] = new Array(this.actors.length);
    for (let position = 0; position < this.actors.length; position++) {
      outboxes[position] = this.stepOne(position, tick, inboxes[position] ?? []);
    }
    return outboxes;
  }

  /** Steps one guest, by its position in the group. */
  stepOne(position: number, tick: number, inbox: ReadonlyArray<HostToGuest>): GuestToHost[] {
    const actor = this.actors[position]!;
    this.lastCrashes[position] = null;
    if (this.stopped[position]) return [];
    try {
      return actor.step(tick, inbox);
    } catch (error) {
      if (!this.crashOnThrow[position]) throw new GuestThrew(actor.index, actor.name, error);
      this.stopped[position] = true;
      actor.stop();
      const crash = { guestIndex: actor.index, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      this.crashes.push(crash);
      this.lastCrashes[position] = crash;
      return [];
    }
  }

  /** The crash of the guest at `position` in its last step, or null if it did not throw. */
  lastCrash(position: number): GuestCrash | null {
    return this.lastCrashes[position]!;
  }

  /** Whether the guest at `position` has stopped for good. */
  isStopped(position: number): boolean {
    return this.stopped[position]!;
  }

  /** Guests that crashed (threw with fault injection on) since the last call, in the order they crashed. */
  takeCrashes(): GuestCrash[] {
    const crashes = this.crashes;
    this.crashes = [];
    return crashes;
  }

  /** Stops the guest with this global index. */
  stop(guestIndex: number): void {
    const position = this.positionOf.get(guestIndex);
    if (position === undefined) throw new RangeError(`ActorGroup.stop: this group does not host guest ${guestIndex}`);
    this.stopped[position] = true;
    this.actors[position]!.stop();
  }

  reports(): GuestReport[] {
    return this.actors.map((actor) => actor.report());
  }
}
