import type { EsxPolicySpec } from '../../../model/scenario.js';
import { deriveSeed, Random } from '../../../util/random.js';
import type { Policy, PolicyGuestView, PolicyHostView } from '../../policy/policy.js';
import { reclaimByWeight, shareOut } from '../../policy/reclaim.js';
import { ActiveMemoryEstimator, activeSample } from './active-memory.js';

/**
 * VMware ESX (Waldspurger 2002). Memory is revoked from the guest with the
 * lowest adjusted shares-per-page ratio rho = S / (P * (f + k * (1 - f))),
 * where S are its shares, P its pages, f its active fraction and
 * k = 1 / (1 - tau) the idle memory tax (tau 0.75: an idle page costs as much
 * as four active ones).
 *
 * Every period the host asks each guest to sample `samples` random pages of
 * its memory and say how many were touched during the period (the guest
 * decides from its own touch rates; see guest/active-sampler.ts). Each new
 * sample feeds the guest's ActiveMemoryEstimator; then the policy sets the
 * targets at which min-funded revocation comes to rest: every
 * guest at the same rho, that is P proportional to S / (f + k * (1 - f)),
 * within its floor and its memory, with everything the host can give (usable
 * memory less the high free-memory threshold) shared out. Between periods,
 * when the host is short (soft state), `reclaim` revokes from the lowest rho
 * first with the same adjusted weights.
 */
export class EsxPolicy implements Policy {
  readonly name = 'esx';
  readonly periodMs: number;
  readonly parameters: Readonly<Record<string, number>>;
  private readonly k: number;
  private readonly estimators = new Map<number, ActiveMemoryEstimator>();
  /** When each guest's last sample was heard (so that a sample is fed once). */
  private readonly sampleSeenAtMs = new Map<number, number>();
  private readonly random: Random;
  /** ESX samples `samples` pages per guest every period. */
  readonly activeSampling: { readonly pages: number; readonly periodMs: number };

  constructor(
    private readonly spec: EsxPolicySpec,
    seed: number,
  ) {
    if (!(spec.tau >= 0 && spec.tau < 1)) throw new RangeError(`EsxPolicy: tau must be in [0, 1), got ${spec.tau}`);
    this.periodMs = spec.periodMs;
    this.k = 1 / (1 - spec.tau);
    this.parameters = { tau: spec.tau, samples: spec.samples, fastWeight: spec.fastWeight, slowWeight: spec.slowWeight };
    this.random = new Random(deriveSeed(seed, 'policy', 'esx'));
    this.activeSampling = { pages: spec.samples, periodMs: spec.periodMs };
  }

  /** The active fraction the policy currently assumes for a guest (1 before it has sampled it). */
  activeFraction(index: number): number {
    return this.estimators.get(index)?.estimate ?? 1;
  }

  /** S / (f + k * (1 - f)): the weight that makes allocations proportional to it equalize rho. */
  adjustedWeight(guest: PolicyGuestView): number {
    const f = this.activeFraction(guest.index);
    return guest.shares / (f + this.k * (1 - f));
  }

  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    const guests = view.guests.filter((guest) => guest.alive);
    for (const guest of guests) {
      let estimator = this.estimators.get(guest.index);
      if (estimator === undefined) {
        estimator = new ActiveMemoryEstimator(this.spec.fastWeight, this.spec.slowWeight);
        this.estimators.set(guest.index, estimator);
      }
      this.feed(guest, estimator);
    }
    const pages = shareOut(
      Math.max(0, view.usableFrames - view.highFrames),
      guests.map((guest) => ({ weight: this.adjustedWeight(guest), minPages: guest.floorPages, maxPages: guest.maxPages })),
    );
    return new Map(guests.map((guest, i) => [guest.index, pages[i]!]));
  }

  /**
   * Feeds the guest's new sample, if it has one the policy has not seen. A
   * view with no sample at all but a touched fraction (a view built by hand,
   * or a host without sampling) is sampled here from that fraction.
   */
  private feed(guest: PolicyGuestView, estimator: ActiveMemoryEstimator): void {
    const sample = guest.activeSample;
    if (sample !== null) {
      if (this.sampleSeenAtMs.get(guest.index) === sample.atMs || sample.sampledPages <= 0) return;
      this.sampleSeenAtMs.set(guest.index, sample.atMs);
      estimator.addSample(sample.touchedPages, sample.sampledPages);
      return;
    }
    if (guest.touchedFraction !== null) estimator.addSample(activeSample(guest, this.spec.samples, this.random), this.spec.samples);
  }

  reclaim(view: PolicyHostView, frames: number): ReadonlyMap<number, number> {
    return reclaimByWeight(view, frames, (guest) => this.adjustedWeight(guest));
  }
}
