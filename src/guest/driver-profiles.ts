import type { DriverProfileName } from '../model/scenario.js';

/** How a driver waits after an inflate it could not complete. */
export type BackoffKind =
  /** A fixed wait (virtio's "Out of puff" 200 ms; Hyper-V). */
  | 'fixed'
  /** Xen: starts at `backoffMs`, doubles on each failure up to `backoffMaxMs`, resets on success. */
  | 'doubling'
  /** VMware: per-cycle rate adaptation (see `VmwareRates`). */
  | 'rate-adaptive';

/**
 * VMware's older rate limits, per 1 s cycle: non-sleeping allocations (no
 * reclaim) up to `nonSleepingPagesMax`; after a failure, `slowCycles` cycles
 * of sleeping allocations (which may reclaim) at a rate between
 * `rateMinPages` and `rateMaxPages`, halved on failure and raised by
 * `rateStepPages` after each cycle without one; deflate up to
 * `deflatePagesMax` per cycle. Counts are balloon entries (a 2 MiB page is one).
 */
export interface VmwareRates {
  cycleMs: number;
  nonSleepingPagesMax: number;
  rateMinPages: number;
  rateMaxPages: number;
  rateStepPages: number;
  slowCycles: number;
  deflatePagesMax: number;
  /** Refused pages after which the driver gives up for the cycle. */
  refusedPagesMax: number;
}

/**
 * What distinguishes the balloon drivers of REFERENCE.md: how many frame
 * numbers go in one message, how long one inflate or deflate round trip takes
 * (which bounds the rate), how the driver backs off after a failure, and
 * which features it has.
 */
export interface DriverProfile {
  name: DriverProfileName;
  /** Frame numbers (entries) per inflate or deflate message. */
  batchPages: number;
  /** Wall time of one inflate round trip of a full batch of 4 KiB pages (allocate, tell the host, wait). */
  inflateRoundTripMs: number;
  /** Wall time of one deflate round trip. */
  deflateRoundTripMs: number;
  /** Wait after an inflate that found no page (virtio: "Out of puff", 200 ms), or a deflate the host could not fill; Xen's first delay. */
  backoffMs: number;
  backoff: BackoffKind;
  /** Longest wait (Xen: 32 s). */
  backoffMaxMs: number;
  /**
   * Whether deflated pages come back with frames (Xen's increase_reservation,
   * Hyper-V) or come back unbacked, to be backed when the guest first touches
   * them (virtio and VMware: the host frees nothing and allocates on demand).
   */
  deflateWithFrames: boolean;
  /** Tries 2 MiB pages (no reclaim) before single pages (VMware, Hyper-V). */
  largePagesFirst: boolean;
  /** Trims each inflation so that available memory stays above the Hyper-V floor. */
  keepsFloor: boolean;
  /** Pressure reports start this long after boot (Hyper-V skips the first 45 s). */
  pressureSkipMs: number;
  /** The host may refuse single pages of this driver (VMware). */
  hostMayRefusePages: boolean;
  /**
   * The driver works only when the host writes its target (virtio: a config
   * change queues the work, which runs until the balloon holds what the
   * target asks and then stops). Nothing else restarts it: after a
   * deflate-on-OOM the balloon stays where the OOM notifier left it until the
   * host writes the target again. False: the driver follows its target all
   * the time (VMware polls it every second, Xen and Hyper-V retry on their own).
   */
  worksOnTargetWrite: boolean;
  /** VMware's per-cycle rate limits. */
  vmware?: VmwareRates;
}

/**
 * virtio: 256 pages per synchronous request; a measured 1 GiB guest went from
 * 1024 to 384 MiB in about 3 s (about 4.5 ms per 1 MiB round trip) and back in
 * under 1 s; "Out of puff" waits 200 ms. vmware: 512 entries per batch; at most
 * 16384 pages per 1 s cycle (32 batches, so 31 ms per batch), 2 MiB pages
 * first, rate adaptation after failures, host refusals of single pages. xen:
 * 512 per hypercall, cheap round trips, back-off from 1 s doubling to 32 s.
 * hyperv: 2 MiB units first, the floor, pressure reports after 45 s.
 */
export const DRIVER_PROFILES: Readonly<Record<DriverProfileName, DriverProfile>> = {
  virtio: {
    name: 'virtio',
    batchPages: 256,
    inflateRoundTripMs: 4.5,
    deflateRoundTripMs: 1.2,
    backoffMs: 200,
    backoff: 'fixed',
    backoffMaxMs: 200,
    deflateWithFrames: false,
    largePagesFirst: false,
    keepsFloor: false,
    pressureSkipMs: 0,
    hostMayRefusePages: false,
    worksOnTargetWrite: true,
  },
  vmware: {
    name: 'vmware',
    batchPages: 512,
    inflateRoundTripMs: 31.25,
    deflateRoundTripMs: 31.25,
    backoffMs: 1000,
    backoff: 'rate-adaptive',
    backoffMaxMs: 1000,
    deflateWithFrames: false,
    largePagesFirst: true,
    keepsFloor: false,
    pressureSkipMs: 0,
    hostMayRefusePages: true,
    worksOnTargetWrite: false,
    vmware: {
      cycleMs: 1000,
      nonSleepingPagesMax: 16384,
      rateMinPages: 512,
      rateMaxPages: 2048,
      rateStepPages: 16,
      slowCycles: 4,
      deflatePagesMax: 16384,
      refusedPagesMax: 16,
    },
  },
  xen: {
    name: 'xen',
    batchPages: 512,
    inflateRoundTripMs: 2,
    deflateRoundTripMs: 2,
    backoffMs: 1000,
    backoff: 'doubling',
    backoffMaxMs: 32_000,
    deflateWithFrames: true,
    largePagesFirst: false,
    keepsFloor: false,
    pressureSkipMs: 0,
    hostMayRefusePages: false,
    worksOnTargetWrite: false,
  },
  hyperv: {
    name: 'hyperv',
    batchPages: 512,
    inflateRoundTripMs: 4,
    deflateRoundTripMs: 2,
    backoffMs: 1000,
    backoff: 'fixed',
    backoffMaxMs: 1000,
    deflateWithFrames: true,
    largePagesFirst: true,
    keepsFloor: true,
    pressureSkipMs: 45_000,
    hostMayRefusePages: false,
    worksOnTargetWrite: false,
  },
};

/** Bytes of the large pages VMware and Hyper-V try first. */
export const LARGE_PAGE_BYTES = 2 * 2 ** 20;

/**
 * A 2 MiB balloon entry costs this many times less per byte than 512 single
 * pages: one entry, one host operation (approx.; the drivers' own
 * motivation for large pages).
 */
export const LARGE_PAGE_SPEEDUP = 4;
