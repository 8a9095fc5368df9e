import type { XenSelfballoonPolicySpec } from '../../../model/scenario.js';
import { xenSelfballoonFloorBytes } from '../../../messages/floors.js';
import type { Policy, PolicyGuestView, PolicyHostView } from '../../policy/policy.js';

/**
 * The guest's committed memory: the `committed` figure of its pressure
 * report when it sends one, else the used pages of its status (committed
 * memory is at least what is in use). Null before the guest has said anything.
 */
export function committedPages(guest: PolicyGuestView): number | null {
  return guest.pressure?.committedPages ?? guest.usedPages;
}

/**
 * Xen self-ballooning (xen-selfballoon.c): every period (5 s) the goal is
 * committed memory + reserve; a guest above it shrinks by 1/downHysteresis
 * (1/8) of the gap, a guest below it grows by 1/upHysteresis (all) of the
 * gap; never below the size-dependent floor (floors.ts). The current size is
 * the guest's memory as the balloon leaves it (totalram).
 */
export class XenSelfballoonPolicy implements Policy {
  readonly name = 'xen-selfballoon';
  readonly periodMs: number;
  readonly parameters: Readonly<Record<string, number>>;

  constructor(private readonly spec: XenSelfballoonPolicySpec) {
    this.periodMs = spec.periodMs;
    this.parameters = { reserveBytes: spec.reserveBytes, downHysteresis: spec.downHysteresis, upHysteresis: spec.upHysteresis, minUsableBytes: spec.minUsableBytes };
  }

  /** The floor of a guest, in pages. */
  floorPages(guest: PolicyGuestView, frameBytes: number): number {
    return Math.ceil(xenSelfballoonFloorBytes(guest.memoryPages * frameBytes, 0, this.spec.minUsableBytes) / frameBytes);
  }

  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    const spec = this.spec;
    const reservePages = Math.ceil(spec.reserveBytes / view.frameBytes);
    const targets = new Map<number, number>();
    for (const guest of view.guests) {
      const committed = committedPages(guest);
      if (!guest.alive || committed === null) continue;
      const goal = committed + reservePages;
      const current = guest.actualPages;
      let target = current;
      if (current > goal) target = current - Math.floor((current - goal) / spec.downHysteresis);
      else if (current < goal) target = current + Math.floor((goal - current) / spec.upHysteresis);
      target = Math.min(guest.maxPages, Math.max(target, this.floorPages(guest, view.frameBytes)));
      if (target !== guest.targetPages) targets.set(guest.index, target);
    }
    return targets;
  }
}
