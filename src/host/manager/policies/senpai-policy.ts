import type { SenpaiPolicySpec } from '../../../model/scenario.js';
import type { Policy, PolicyHostView } from '../../policy/policy.js';

/** Senpai's state for one guest. */
interface SenpaiGuest {
  /** Stall (`some`) accumulated since the last adjustment, in microseconds. */
  integralUs: number;
  /** The guest's `some` total at the last decision, or null before the first reading. */
  lastSomeSeconds: number | null;
  lastAdjustMs: number;
}

/**
 * Meta's Senpai (REFERENCE.md), one cgroup limit per guest, the limit being
 * the guest's target. Every period (1 s) the growth of the guest's `some`
 * stall time is added to an integral (in microseconds, as Senpai counts it):
 *
 * - integral > pressureTarget (10 ms): back off: adj = min((integral /
 *   target / coeffBackoff)^2, 1) * maxBackoff; limit *= 1 + adj; reset.
 * - else, once probeInterval (6 s) has passed since the last adjustment:
 *   probe: adj = min(((target / max(integral, 1)) / coeffProbe)^2, 1) *
 *   maxProbe; limit *= 1 - adj; reset.
 *
 * Limits are clamped to [minSize, max] and rounded down to whole pages (4 KiB
 * aligned with the default frame size). A guest that reports no PSI has no
 * stall growth: its limit falls by maxProbe (1 %) every probe interval.
 */
export class SenpaiPolicy implements Policy {
  readonly name = 'senpai';
  readonly periodMs: number;
  readonly parameters: Readonly<Record<string, number>>;
  private readonly guests = new Map<number, SenpaiGuest>();

  constructor(private readonly spec: SenpaiPolicySpec) {
    this.periodMs = spec.periodMs;
    this.parameters = {
      pressureTargetMs: spec.pressureTargetMs,
      probeIntervalMs: spec.probeIntervalMs,
      maxProbe: spec.maxProbe,
      maxBackoff: spec.maxBackoff,
      coeffProbe: spec.coeffProbe,
      coeffBackoff: spec.coeffBackoff,
      minSizeBytes: spec.minSizeBytes,
    };
  }

  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    const spec = this.spec;
    const targetUs = spec.pressureTargetMs * 1000;
    const minPages = Math.ceil(spec.minSizeBytes / view.frameBytes);
    const targets = new Map<number, number>();
    for (const guest of view.guests) {
      if (!guest.alive) continue;
      let state = this.guests.get(guest.index);
      if (state === undefined) {
        state = { integralUs: 0, lastSomeSeconds: null, lastAdjustMs: view.timeMs };
        this.guests.set(guest.index, state);
      }
      const some = guest.psi?.someTotalSeconds ?? null;
      if (some !== null && state.lastSomeSeconds !== null) state.integralUs += Math.max(0, some - state.lastSomeSeconds) * 1e6;
      state.lastSomeSeconds = some;
      let limit = guest.targetPages;
      if (state.integralUs > targetUs) {
        const ratio = state.integralUs / targetUs / spec.coeffBackoff;
        limit *= 1 + Math.min(ratio * ratio, 1) * spec.maxBackoff;
      } else if (view.timeMs - state.lastAdjustMs >= spec.probeIntervalMs) {
        const ratio = targetUs / Math.max(state.integralUs, 1) / spec.coeffProbe;
        limit *= 1 - Math.min(ratio * ratio, 1) * spec.maxProbe;
      } else {
        continue;
      }
      state.integralUs = 0;
      state.lastAdjustMs = view.timeMs;
      const clamped = Math.floor(Math.min(guest.maxPages, Math.max(Math.min(minPages, guest.maxPages), limit)));
      if (clamped !== guest.targetPages) targets.set(guest.index, clamped);
    }
    return targets;
  }
}
