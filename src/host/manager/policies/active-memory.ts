import type { Random } from '../../../util/random.js';
import type { PolicyGuestView } from '../../policy/policy.js';

/**
 * ESX's active-memory estimate for one guest (Waldspurger 2002, section 5.2):
 * each period a number of random pages are sampled; the share found touched
 * is fed to a fast and a slow exponential moving average, and the estimate is
 * the larger of the two, so that it rises quickly when a guest gets busy and
 * falls slowly when it goes idle. Before the first sample the guest counts as
 * fully active (no idle tax without evidence).
 */
export class ActiveMemoryEstimator {
  private fast = Number.NaN;
  private slow = Number.NaN;

  constructor(
    readonly fastWeight: number,
    readonly slowWeight: number,
  ) {
    if (!(fastWeight > 0 && fastWeight <= 1 && slowWeight > 0 && slowWeight <= 1)) {
      throw new RangeError(`ActiveMemoryEstimator: weights must be in (0, 1], got fast ${fastWeight}, slow ${slowWeight}`);
    }
  }

  /** Feeds one period's sample: `touched` of `samples` sampled pages were found touched. */
  addSample(touched: number, samples: number): void {
    if (!(Number.isSafeInteger(samples) && samples > 0 && Number.isSafeInteger(touched) && touched >= 0 && touched <= samples)) {
      throw new RangeError(`ActiveMemoryEstimator.addSample: expected 0 <= touched <= samples, got ${touched} of ${samples}`);
    }
    const fraction = touched / samples;
    this.fast = Number.isNaN(this.fast) ? fraction : this.fast + this.fastWeight * (fraction - this.fast);
    this.slow = Number.isNaN(this.slow) ? fraction : this.slow + this.slowWeight * (fraction - this.slow);
  }

  /** The active fraction f (0 to 1): max(fast, slow); 1 before any sample. */
  get estimate(): number {
    return Number.isNaN(this.fast) ? 1 : Math.max(this.fast, this.slow);
  }
}

/**
 * The chance that one randomly sampled page of the guest is found touched,
 * for views that carry no measured sample (`activeSample`; the host's
 * sampling gives one every period): the view's `touchedFraction` if set,
 * else the share of the guest's memory in use (used pages over its size as
 * the balloon leaves it), which makes a guest whose workload has shrunk look
 * idle but cannot tell a hot page from a cold one.
 */
export function touchProbability(guest: PolicyGuestView): number {
  if (guest.touchedFraction !== null) return Math.min(1, Math.max(0, guest.touchedFraction));
  if (guest.usedPages === null || guest.actualPages <= 0) return 1;
  return Math.min(1, guest.usedPages / guest.actualPages);
}

/** Draws a sample of `samples` pages from `touchProbability` (for views without a measured sample); returns how many were found touched. */
export function activeSample(guest: PolicyGuestView, samples: number, random: Random): number {
  const p = touchProbability(guest);
  let touched = 0;
  for (let i = 0; i < samples; i++) if (random.next() < p) touched++;
  return touched;
}
