import type { ProportionalPolicySpec } from '../../../model/scenario.js';
import type { Policy, PolicyHostView } from '../../policy/policy.js';
import { shareOut } from '../../policy/reclaim.js';

/**
 * Targets by shares. What guests may have between them is the host's usable
 * memory less the high free-memory threshold (so that free memory stays in
 * the high state once every guest is at its target); each live guest gets
 * that in proportion to its shares, but never less than its floor (minMemory,
 * kernel, Hyper-V floor) nor more than its memory; what those limits leave
 * over goes to the others by their shares.
 */
export class ProportionalPolicy implements Policy {
  readonly name = 'proportional';
  readonly periodMs: number;
  readonly parameters = {};

  constructor(spec: ProportionalPolicySpec) {
    this.periodMs = spec.periodMs;
  }

  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    const guests = view.guests.filter((guest) => guest.alive);
    const pages = shareOut(
      Math.max(0, view.usableFrames - view.highFrames),
      guests.map((guest) => ({ weight: guest.shares, minPages: guest.floorPages, maxPages: guest.maxPages })),
    );
    return new Map(guests.map((guest, i) => [guest.index, pages[i]!]));
  }
}
