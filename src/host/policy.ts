import type { StatusMessage } from '../messages/protocol.js';
import type { GuestSignalsHeard } from './guest-reports.js';

/** What a policy sees of one guest. */
export interface PolicyGuestView {
  index: number;
  name: string;
  alive: boolean;
  memoryPages: number;
  minPages: number;
  targetPages: number;
  ownedFrames: number;
  balloonPages: number;
  lastStatus: StatusMessage | null;
  /** The guest's latest virtio stats, pressure report (PSI, committed, floor) and distress. Read only. */
  heard: Readonly<GuestSignalsHeard>;
}

/** What a policy sees of the host. */
export interface PolicyHostView {
  nowMs: number;
  frames: number;
  freeFrames: number;
  guests: ReadonlyArray<PolicyGuestView>;
}

/**
 * A host memory policy: runs every `periodMs` and returns new targets, in
 * pages, by guest index (guests it leaves out keep their target).
 */
export interface Policy {
  readonly name: string;
  readonly periodMs: number;
  decide(view: PolicyHostView): ReadonlyMap<number, number>;
}
