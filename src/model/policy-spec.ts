/**
 * The resolved host policy settings (part of the resolved `Scenario`, see
 * types.ts): sizes in bytes, durations in ms, fractions from 0 to 1. The file
 * format is in schema-policy.ts; the policies themselves in src/host/manager/policies/.
 */

export type PolicyKind = 'static' | 'proportional' | 'esx' | 'mom' | 'senpai' | 'xen-selfballoon' | 'hyperv' | 'module' | 'rotate';

interface PolicyBase {
  /** How often the policy decides. */
  periodMs: number;
}

/** Targets from scenario events only. */
export interface StaticPolicySpec extends PolicyBase {
  kind: 'static';
}

/** Targets by shares of the host's usable memory, within each guest's min and max. */
export interface ProportionalPolicySpec extends PolicyBase {
  kind: 'proportional';
}

/** VMware ESX (Waldspurger 2002): shares, min-funded revocation, idle memory tax, sampled active memory. */
export interface EsxPolicySpec extends PolicyBase {
  kind: 'esx';
  /** Idle memory tax rate, 0 to 0.99 (k = 1 / (1 - tau)). */
  tau: number;
  /** Pages sampled per guest per period to estimate the active fraction. */
  samples: number;
  /** Weight of a new sample in the fast moving average (0 to 1). */
  fastWeight: number;
  /** Weight of a new sample in the slow moving average (0 to 1). */
  slowWeight: number;
}

/** oVirt MOM's balloon rules. */
export interface MomPolicySpec extends PolicyBase {
  kind: 'mom';
  /** How often host and guest figures are collected for the averages. */
  sampleIntervalMs: number;
  /** How many collected samples are averaged. */
  samples: number;
  /** Below this host free fraction guests shrink, above it they grow. */
  pressureThreshold: number;
  /** At or below this host free fraction the free share turns negative (guests may be pushed to swap). */
  criticalFree: number;
  /** Largest change of a target per period, as a fraction of it. */
  maxChange: number;
  /** Changes smaller than this fraction of the target are not applied. */
  minChange: number;
}

/** Meta's Senpai: pressure-stall driven limits. */
export interface SenpaiPolicySpec extends PolicyBase {
  kind: 'senpai';
  /** Stall (`some`) per probe interval that counts as pressure. */
  pressureTargetMs: number;
  /** How often the limit is probed down when there is no pressure. */
  probeIntervalMs: number;
  /** Largest probe step, as a fraction of the limit. */
  maxProbe: number;
  /** Largest back-off step, as a fraction of the limit. */
  maxBackoff: number;
  coeffProbe: number;
  coeffBackoff: number;
  /** The limit never goes below this. */
  minSizeBytes: number;
}

/** Xen self-ballooning, driven by the guest's committed memory. */
export interface XenSelfballoonPolicySpec extends PolicyBase {
  kind: 'xen-selfballoon';
  /** Added to committed memory to make the goal (selfballoon_reserved_mb). */
  reserveBytes: number;
  /** A shrink closes 1/downHysteresis of the gap. */
  downHysteresis: number;
  /** A growth closes 1/upHysteresis of the gap. */
  upHysteresis: number;
  /** When not 0, the floor is this much usable memory (selfballoon_min_usable_mb) instead of the size-dependent floor. */
  minUsableBytes: number;
}

/** Hyper-V dynamic memory: targets from the guest's committed memory plus a buffer, never below the Hyper-V floor. */
export interface HypervPolicySpec extends PolicyBase {
  kind: 'hyperv';
  /** Memory buffer: the target is committed * (1 + buffer). */
  buffer: number;
}

/** A policy written by the user, loaded from a JavaScript module. */
export interface ModulePolicySpec extends PolicyBase {
  kind: 'module';
  /** Absolute path of the module (the file gives it relative to the scenario file). */
  path: string;
  /** Passed to the module's factory as they are. */
  options: Readonly<Record<string, unknown>>;
}

/**
 * A stress-testing policy that keeps memory moving: guests are split into
 * `groups` by index, and every period the next group is ballooned down to
 * `lowPercentOfMax` of its maxMemory while the others get their maxMemory.
 */
export interface RotatePolicySpec extends PolicyBase {
  kind: 'rotate';
  lowPercentOfMax: number;
  groups: number;
}

export type PolicySpec =
  | RotatePolicySpec
  | StaticPolicySpec
  | ProportionalPolicySpec
  | EsxPolicySpec
  | MomPolicySpec
  | SenpaiPolicySpec
  | XenSelfballoonPolicySpec
  | HypervPolicySpec
  | ModulePolicySpec;

/**
 * Host free-memory states (ESX): fractions of host memory. Free memory below
 * `soft` enters the soft state, below `hard` the hard state, below `low` the
 * low state; on the way back a state is left only when free memory reaches
 * the threshold of the state above it (low to hard at `hard`, hard to soft at
 * `soft`, soft to high at `high`): one step of hysteresis.
 */
export interface FreeMemoryThresholds {
  high: number;
  soft: number;
  hard: number;
  low: number;
}

/** ESX's default thresholds: 6 %, 4 %, 2 % and 1 % of host memory. */
export const ESX_FREE_MEMORY_THRESHOLDS: Readonly<FreeMemoryThresholds> = Object.freeze({ high: 0.06, soft: 0.04, hard: 0.02, low: 0.01 });
