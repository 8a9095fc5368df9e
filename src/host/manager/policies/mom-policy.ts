import type { MomPolicySpec } from '../../../model/scenario.js';
import type { Policy, PolicyGuestView, PolicyHostView } from '../../policy/policy.js';

/** The last `size` values, averaged. */
class RecentValues {
  private readonly values: number[] = [];

  constructor(private readonly size: number) {}

  push(value: number): void {
    this.values.push(value);
    if (this.values.length > this.size) this.values.shift();
  }

  /** The average, or `fallback` when nothing was collected. */
  average(fallback: number): number {
    if (this.values.length === 0) return fallback;
    return this.values.reduce((sum, value) => sum + value, 0) / this.values.length;
  }
}

/**
 * A guest's used memory as MOM computes it: current size minus unused, with
 * unused from the guest's virtio stats (MEMFREE) when it sends them, else the
 * used pages of its status. Null when the guest has said nothing yet.
 */
export function momUsedPages(guest: PolicyGuestView, frameBytes: number): number | null {
  const memFreeBytes = guest.stats.MEMFREE;
  if (memFreeBytes >= 0) return Math.max(0, guest.actualPages - Math.floor(memFreeBytes / frameBytes));
  return guest.usedPages;
}

/**
 * oVirt MOM's balloon rules (REFERENCE.md). Every `sampleInterval` the host
 * free fraction (free frames / host frames) and each guest's used memory are
 * collected; every period the policy uses the averages of the last `samples`:
 *
 * - host free fraction below `pressureThreshold` (0.20): shrink every guest.
 *   free share = host free fraction (at or below `criticalFree`, 0.05: host
 *   free - 0.05, which lets the floor fall below used memory);
 *   floor = max(min, used + free share * current);
 *   target = max((1 - maxChange) * current, floor), set only if it shrinks.
 * - otherwise grow every guest below its max by `maxChange`: target =
 *   min(max, (1 + maxChange) * current), set only if it grows.
 * - a change of `minChange` (0.25 %) of current or less is not applied.
 * - a guest below its min is raised to its min.
 *
 * `current` is the guest's current target (MOM's balloon_cur, the size the
 * host last set), so no target moves by more than maxChange per period
 * except to reach minMemory. REFERENCE.md also lists `used + 0.20 * current`
 * as a floor for growth; MOM's balloon.rules grows by 5 % only, and so does
 * this policy (the extra term would move busy guests by up to 20 %).
 */
export class MomPolicy implements Policy {
  readonly name = 'mom';
  readonly periodMs: number;
  readonly parameters: Readonly<Record<string, number>>;
  private readonly hostFree: RecentValues;
  private readonly used = new Map<number, RecentValues>();
  readonly observeEveryMs: number;

  constructor(private readonly spec: MomPolicySpec) {
    this.periodMs = spec.periodMs;
    this.observeEveryMs = spec.sampleIntervalMs;
    this.hostFree = new RecentValues(spec.samples);
    this.parameters = {
      sampleIntervalMs: spec.sampleIntervalMs,
      samples: spec.samples,
      pressureThreshold: spec.pressureThreshold,
      criticalFree: spec.criticalFree,
      maxChange: spec.maxChange,
      minChange: spec.minChange,
    };
  }

  /** Collects host free fraction and guests' used memory (the host calls it every `observeEveryMs`). */
  observe(view: PolicyHostView): void {
    this.hostFree.push(view.freeFrames / view.frames);
    for (const guest of view.guests) {
      const used = momUsedPages(guest, view.frameBytes);
      if (!guest.alive || used === null) continue;
      let recent = this.used.get(guest.index);
      if (recent === undefined) {
        recent = new RecentValues(this.spec.samples);
        this.used.set(guest.index, recent);
      }
      recent.push(used);
    }
  }

  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    const spec = this.spec;
    const hostFree = this.hostFree.average(view.freeFrames / view.frames);
    const pressure = hostFree < spec.pressureThreshold;
    const freeShare = hostFree <= spec.criticalFree ? hostFree - spec.criticalFree : hostFree;
    const targets = new Map<number, number>();
    for (const guest of view.guests) {
      if (!guest.alive) continue;
      const current = guest.targetPages;
      if (current < guest.minPages) {
        targets.set(guest.index, guest.minPages);
        continue;
      }
      const bigEnough = (target: number): boolean => Math.abs(target - current) > spec.minChange * current;
      if (pressure) {
        const used = this.used.get(guest.index)?.average(current) ?? momUsedPages(guest, view.frameBytes) ?? current;
        const floor = Math.max(guest.minPages, used + freeShare * current);
        const target = Math.floor(Math.max((1 - spec.maxChange) * current, floor));
        if (target <= current && bigEnough(target)) targets.set(guest.index, target);
      } else if (current < guest.maxPages) {
        const target = Math.floor(Math.min(guest.maxPages, (1 + spec.maxChange) * current));
        if (target > current && bigEnough(target)) targets.set(guest.index, target);
      }
    }
    return targets;
  }
}
