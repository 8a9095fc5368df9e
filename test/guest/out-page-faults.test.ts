/**
 * Unit tests of src/guest/out-page-faults.ts. What its faults do (readahead,
 * major faults against refaults, swap-in windows) is measured end to end in
 * fidelity.test.ts; here, the readahead windows it reads with.
 */
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { OutPageFaults } from '../../src/guest/out-page-faults.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import { SwapDevice, VmEvents } from '../../src/guest/vm-events.js';
import { LINUX_DEFAULTS } from '../../src/model/defaults.js';
import type { FaultLatencies } from '../../src/model/scenario.js';

const latency: FaultLatencies = { minorMs: 0.001, majorMs: 0.1, refaultMs: 0.05 };

function faultsWith(linux = LINUX_DEFAULTS, pageBytes = 4096): OutPageFaults {
  return new OutPageFaults(new GuestMemory(GuestSharedViews.allocate(64)), 1000, latency, new SwapDevice(0), new VmEvents(), linux, pageBytes);
}

describe('OutPageFaults', () => {
  it("reads swap in windows of 2^page-cluster pages and files in read_ahead_kb, as Linux's defaults (8 pages, 128 KiB)", () => {
    const faults = faultsWith();
    expect(faults.swapWindowPages).toBe(2 ** LINUX_DEFAULTS.pageCluster);
    expect(faults.fileWindowPages).toBe(LINUX_DEFAULTS.readAheadBytes / 4096);
  });

  it('follows the guest kernel settings and the page size, never below one page', () => {
    const faults = faultsWith({ ...LINUX_DEFAULTS, pageCluster: 0, readAheadBytes: 1024 * 1024 }, 64 * 1024);
    expect(faults.swapWindowPages).toBe(1);
    expect(faults.fileWindowPages).toBe(16);
    expect(faultsWith({ ...LINUX_DEFAULTS, readAheadBytes: 0 }).fileWindowPages).toBe(1);
  });
});
