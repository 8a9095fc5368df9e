import type { GuestToHost, HostToGuest } from '../messages/protocol.js';
import type { GuestCrash, GuestInit, GuestReport } from '../messages/runtime.js';
import type { MalformedOnWire } from './wire-codec.js';

export type PlacementKind = 'inline' | 'workers';

/**
 * Where guest actors run. The lockstep loop talks only to this interface,
 * so the same run gives the same result whatever the placement.
 */
export interface GuestPlacement {
  readonly kind: PlacementKind;
  /** Threads that host guests (1 for inline). */
  readonly threads: number;
  /** Creates the actors. */
  start(inits: ReadonlyArray<GuestInit>): Promise<void>;
  /**
   * Steps every guest once; `inboxes` and the result are indexed by guest.
   * A message that could not cross a thread intact arrives as MALFORMED.
   */
  step(tick: number, inboxes: HostToGuest[][]): Promise<Array<Array<GuestToHost | MalformedOnWire>>>;
  /** Guests whose actors threw under fault injection in the steps since the last call, by guest index. */
  takeCrashes(): GuestCrash[];
  /** Stops a guest for good. */
  stop(guestIndex: number): Promise<void>;
  /** Every guest's report, by guest index. */
  reports(): Promise<GuestReport[]>;
  /** Releases threads; safe to call more than once. */
  close(): Promise<void>;
}
