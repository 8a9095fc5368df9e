import { statsByTag, unreportedStats } from '../balloon/virtio-stats.js';
import type { GuestAccount } from './guest-account.js';
import type { GuestStats, PressureReport, PsiFigures, VirtioStatTag } from './policy.js';

/** A guest counts as distressed for this long after its last distress message (guests repeat it at most once a second). */
export const DISTRESS_HOLD_MS = 5000;

/** Statistics with every tag unknown (-1). */
export function unknownStats(): Record<VirtioStatTag, number> {
  return unreportedStats();
}

/** The stats a view shows, keyed by tag: a fresh record, frozen so that a policy cannot change what the host heard. */
function viewStats(values: ArrayLike<number> | null): GuestStats {
  return Object.freeze(statsByTag(values));
}

/**
 * The signals a policy reads, made from what the host last heard from a guest
 * (GuestAccount.heard, filled by the host's message handlers): stats by tag
 * (-1 until reported), the pressure report and its stall figures (null until
 * the first report), and distress (true for DISTRESS_HOLD_MS after the last
 * distress message).
 */
export function signalsOf(account: GuestAccount, nowMs: number): {
  stats: GuestStats;
  pressure: PressureReport | null;
  psi: PsiFigures | null;
  distressed: boolean;
} {
  const heard = account.heard;
  const report = heard.pressure;
  return {
    stats: viewStats(heard.stats),
    pressure: report === null ? null : { availablePages: report.availablePages, committedPages: report.committedPages },
    psi:
      report === null
        ? null
        : {
            someTotalSeconds: report.someTotalSeconds,
            fullTotalSeconds: report.fullTotalSeconds,
            someAvg10: report.someAvg10,
            someAvg60: report.someAvg60,
            someAvg300: report.someAvg300,
            fullAvg10: report.fullAvg10,
            fullAvg60: report.fullAvg60,
            fullAvg300: report.fullAvg300,
          },
    distressed: heard.lastDistressAtMs >= 0 && nowMs - heard.lastDistressAtMs <= DISTRESS_HOLD_MS,
  };
}
