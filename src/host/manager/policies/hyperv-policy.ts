import type { HypervPolicySpec } from '../../../model/scenario.js';
import { hypervFloorPages } from '../../../messages/floors.js';
import type { Policy, PolicyHostView } from '../../policy/policy.js';
import { committedPages } from './xen-selfballoon-policy.js';

/** Hyper-V balloons in 2 MiB units. */
const UNIT_BYTES = 2 * 2 ** 20;

/**
 * Hyper-V dynamic memory, pressure-driven: every period (1 s, as often as
 * the guest's pressure reports come) each guest's target is its committed
 * memory plus the memory buffer (20 %), rounded up to whole 2 MiB units,
 * never below the Hyper-V floor (floors.ts) and never above its maximum.
 * Committed memory comes from the pressure report; until the guest sends
 * one, from the used pages of its status. A target above the guest's
 * memory is hot-add: a guest that grows by hotplug asks the host to plug
 * 128 MiB sections (guest/growth.ts); one with a reserved range deflates
 * into it.
 */
export class HypervPolicy implements Policy {
  readonly name = 'hyperv';
  readonly periodMs: number;
  readonly parameters: Readonly<Record<string, number>>;

  constructor(private readonly spec: HypervPolicySpec) {
    this.periodMs = spec.periodMs;
    this.parameters = { buffer: spec.buffer };
  }

  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    const unitPages = Math.max(1, Math.floor(UNIT_BYTES / view.frameBytes));
    const targets = new Map<number, number>();
    for (const guest of view.guests) {
      const committed = committedPages(guest);
      if (!guest.alive || committed === null) continue;
      const wanted = Math.ceil((committed * (1 + this.spec.buffer)) / unitPages) * unitPages;
      const target = Math.min(guest.maxPages, Math.max(wanted, hypervFloorPages(guest.memoryPages, view.frameBytes)));
      if (target !== guest.targetPages) targets.set(guest.index, target);
    }
    return targets;
  }
}
