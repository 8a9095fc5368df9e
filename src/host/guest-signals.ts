import { VIRTIO_STAT_TAGS, type GuestStats, type PressureReport, type PsiFigures, type VirtioStatTag } from './policy.js';

/**
 * What the host last heard from a guest beyond its status: the signals
 * policies read. The host's message handlers fill it (the guest model's stats,
 * pressure, PSI and distress messages write here as they are connected); the
 * policy view (policy-view.ts) reads it. Until a guest sends a signal it stays
 * unknown: stats -1, pressure and psi null, not distressed.
 */
export interface GuestSignals {
  /** Latest virtio statistics by tag; -1 where not reported. */
  stats: Record<VirtioStatTag, number>;
  pressure: PressureReport | null;
  psi: PsiFigures | null;
  distressed: boolean;
  /** What an active-memory sampler would find touched (0 to 1), when the guest model says. */
  touchedFraction: number | null;
}

/** Statistics with every tag unknown (-1). */
export function unknownStats(): Record<VirtioStatTag, number> {
  const stats = {} as Record<VirtioStatTag, number>;
  for (const tag of VIRTIO_STAT_TAGS) stats[tag] = -1;
  return stats;
}

/** Signals of a guest that has said nothing yet. */
export function noSignals(): GuestSignals {
  return { stats: unknownStats(), pressure: null, psi: null, distressed: false, touchedFraction: null };
}

/** A frozen copy for a view, so that a policy cannot change what the host heard. */
export function frozenStats(stats: Readonly<Record<VirtioStatTag, number>>): GuestStats {
  return Object.freeze({ ...stats });
}
