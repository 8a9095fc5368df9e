import type { Policy, PolicyHostView } from '../../policy/policy.js';

/**
 * A test policy that keeps memory moving between guests: guests are split
 * into `groups` by index (guest i is in group i mod groups); every period the
 * next group is squeezed to `lowPercentOfMax` of its maxMemory while every
 * other guest gets its maxMemory back. Not a policy anyone would run in
 * production: it exists for stress runs and benchmarks, until real policies
 * (proportional shares, ESX, MOM, ...) arrive.
 */
export class RotatePolicy implements Policy {
  readonly name = 'rotate';

  constructor(
    readonly periodMs: number,
    private readonly lowPercentOfMax: number,
    private readonly groups: number,
  ) {
    if (!(lowPercentOfMax > 0 && lowPercentOfMax <= 100)) throw new RangeError(`RotatePolicy: lowPercentOfMax must be in (0, 100], got ${lowPercentOfMax}`);
    if (!Number.isSafeInteger(groups) || groups < 2) throw new RangeError(`RotatePolicy: groups must be an integer of at least 2, got ${groups}`);
    if (!(periodMs > 0)) throw new RangeError(`RotatePolicy: periodMs must be positive, got ${periodMs}`);
  }

  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    const squeezed = Math.floor(view.timeMs / this.periodMs) % this.groups;
    const targets = new Map<number, number>();
    for (const guest of view.guests) {
      if (!guest.alive) continue;
      const low = Math.floor((guest.memoryPages * this.lowPercentOfMax) / 100);
      targets.set(guest.index, guest.index % this.groups === squeezed ? low : guest.memoryPages);
    }
    return targets;
  }
}
