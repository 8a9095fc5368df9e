/**
 * Defaults of the guest memory model that a scenario may override: page fault
 * costs and how workloads touch their pages. The scenario schema shows them as
 * defaults; the guest model uses them when a resolved scenario leaves a field out.
 */
import { parseLatency } from './latency.js';
import type { FaultLatencies, LinuxSettings } from './scenario.js';

/** The default fault costs, as a scenario writes them. */
export const FAULT_LATENCY_TEXT_DEFAULTS = { minor: '1us', major: '750us', refault: '40us' } as const;

/**
 * What a page fault costs by default: a first touch 1 µs; a swap-in 750 µs,
 * one read of up to 8 pages (swap readahead): an all-hot workload thrashing
 * through swap on the measured guest made about 1,500 major faults and
 * 12,000 swap-ins a second; a page-cache read 40 µs a page (the measured
 * guest refaulted about 27,000 file pages a second while reading in a loop).
 * Calibrated on validation/realguest (e3 and e8).
 */
export const FAULT_LATENCY_DEFAULTS: Readonly<FaultLatencies> = {
  minorMs: parseLatency(FAULT_LATENCY_TEXT_DEFAULTS.minor, 'minor'),
  majorMs: parseLatency(FAULT_LATENCY_TEXT_DEFAULTS.major, 'major'),
  refaultMs: parseLatency(FAULT_LATENCY_TEXT_DEFAULTS.refault, 'refault'),
};

/** How often the coolest hot pages are touched by default: once a second, as the measured workload did. */
export const HOT_TOUCH_INTERVAL_MS_DEFAULT = 1000;

/** Hottest / coolest touch rate inside the hot part by default: 16 (from 16 touches a second down to 1). */
export const SKEW_DEFAULT = 16;

/** Largest skew a scenario may ask for. */
export const SKEW_MAX = 1_000_000;

/** What a host swap fault costs by default, as a scenario writes it. */
export const HOST_SWAP_FAULT_TEXT_DEFAULT = '1ms';

/**
 * What a host swap fault costs the touching task by default: 1 ms. A host swap
 * fault is an EPT violation handled by the hypervisor, a read from the host's
 * swap device and a reschedule of the vCPU: slower than a guest's own swap-in
 * (150 µs).
 */
export const HOST_SWAP_FAULT_MS_DEFAULT = 1;

/** The guest kernel's memory settings when a scenario gives none: a Debian 12 guest (THP always, page-cluster 3, 128 KiB readahead). */
export const LINUX_DEFAULTS: Readonly<LinuxSettings> = { thp: true, watermarkScale: 0.001, pageCluster: 3, readAheadBytes: 128 * 1024 };
