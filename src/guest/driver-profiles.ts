import type { DriverProfileName } from '../scenario/types.js';

/**
 * What distinguishes the balloon drivers of REFERENCE.md: how many frame
 * numbers go in one message, how long one inflate or deflate round trip takes
 * (which bounds the rate), and how long the driver waits after it could not
 * find a page to inflate with.
 */
export interface DriverProfile {
  name: DriverProfileName;
  /** Frame numbers per inflate or deflate message. */
  batchPages: number;
  /** Wall time of one inflate round trip (allocate a batch, tell the host, wait). */
  inflateRoundTripMs: number;
  /** Wall time of one deflate round trip. */
  deflateRoundTripMs: number;
  /** Wait after an inflate that found no page (virtio: "Out of puff", 200 ms), or a deflate the host could not fill. */
  backoffMs: number;
  /**
   * Whether deflated pages come back with frames (Xen's increase_reservation,
   * Hyper-V) or come back unbacked, to be backed when the guest first touches
   * them (virtio and VMware: the host frees nothing and allocates on demand).
   */
  deflateWithFrames: boolean;
}

/**
 * virtio: 256 pages per synchronous request; a measured 1 GiB guest went from
 * 1024 to 384 MiB in about 3 s (about 4.5 ms per 1 MiB round trip) and back in
 * under 1 s. vmware: 512 entries per batch; at most 16384 pages per 1 s cycle
 * (32 batches, so 31 ms per batch). xen: 512 per hypercall, cheap round trips.
 * hyperv: 2 MiB units (512 pages).
 */
export const DRIVER_PROFILES: Readonly<Record<DriverProfileName, DriverProfile>> = {
  virtio: { name: 'virtio', batchPages: 256, inflateRoundTripMs: 4.5, deflateRoundTripMs: 1.2, backoffMs: 200, deflateWithFrames: false },
  vmware: { name: 'vmware', batchPages: 512, inflateRoundTripMs: 31.25, deflateRoundTripMs: 31.25, backoffMs: 1000, deflateWithFrames: false },
  xen: { name: 'xen', batchPages: 512, inflateRoundTripMs: 2, deflateRoundTripMs: 2, backoffMs: 1000, deflateWithFrames: true },
  hyperv: { name: 'hyperv', batchPages: 512, inflateRoundTripMs: 4, deflateRoundTripMs: 2, backoffMs: 1000, deflateWithFrames: true },
};
