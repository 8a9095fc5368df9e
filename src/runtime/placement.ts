import type { GuestToHost, HostToGuest } from '../messages/protocol.js';
import type { GuestCrash, GuestInit, GuestReport } from '../messages/runtime.js';
import type { MalformedOnWire } from './wire-codec.js';

export type PlacementKind = 'inline' | 'workers';

/** Receives one guest's outbox of a step (and its crash, if its actor threw). */
export type GuestOutboxHandler = (guestIndex: number, outbox: ReadonlyArray<GuestToHost | MalformedOnWire>, crash: GuestCrash | null) => void;

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
   * Steps every guest once (`inboxes` is indexed by guest) and hands each
   * guest's outbox to `onGuest` in guest order, as soon as the guests before
   * it have been handed theirs: the host handles one worker's guests while
   * later workers still step. A guest whose actor threw under fault injection
   * comes with its crash and an empty outbox. A message that could not cross
   * a thread intact arrives as MALFORMED.
   */
  stepEach(tick: number, inboxes: HostToGuest[][], onGuest: GuestOutboxHandler): Promise<void>;
  /** Stops a guest for good. */
  stop(guestIndex: number): Promise<void>;
  /** Every guest's report, by guest index. */
  reports(): Promise<GuestReport[]>;
  /** Releases threads; safe to call more than once. */
  close(): Promise<void>;
}
