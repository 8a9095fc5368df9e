/**
 * VMware's per-cycle rate control (vmw_balloon's older limits, REFERENCE.md):
 * 16384 non-sleeping entries per 1 s cycle; after a failure 4 slow cycles of
 * sleeping allocations at 2048 entries, halved on each further failure down
 * to 512, raised by 16 after each slow cycle that inflated without failing;
 * 16384 pages of deflate per cycle; the cycle given up after 16 refused pages.
 */
import { describe, expect, it } from 'vitest';
import { DRIVER_PROFILES } from '../../src/guest/driver-profiles.js';
import { VmwareCycle } from '../../src/guest/vmware-cycle.js';

const rates = DRIVER_PROFILES.vmware.vmware!;

describe('VmwareCycle', () => {
  it('starts non-sleeping, with the whole cycle cap and deflate room', () => {
    const cycle = new VmwareCycle(rates);
    cycle.start(0);
    expect(cycle.sleeping).toBe(false);
    expect(cycle.inflateCap).toBe(16_384);
    expect(cycle.deflateRoom).toBe(16_384);
    expect(cycle.endMs).toBe(1000);
  });

  it('ends cycles on whole seconds and resets the counts only when a cycle is over', () => {
    const cycle = new VmwareCycle(rates);
    cycle.start(250);
    expect(cycle.endMs).toBe(1000);
    cycle.entries = 100;
    cycle.deflated = 16_000;
    expect(cycle.deflateRoom).toBe(384);
    cycle.start(999);
    expect(cycle.entries).toBe(100);
    cycle.start(1000);
    expect(cycle.entries).toBe(0);
    expect(cycle.deflateRoom).toBe(16_384);
    expect(cycle.endMs).toBe(2000);
    // A step that skips cycles lands in the one of its own time.
    cycle.start(7300);
    expect(cycle.endMs).toBe(8000);
  });

  it('gives up on a cycle once 16 pages were refused in it, counting refusals over the cycle', () => {
    const cycle = new VmwareCycle(rates);
    cycle.start(0);
    expect(cycle.refuse(10)).toBe(false);
    expect(cycle.refuse(5)).toBe(false);
    expect(cycle.refuse(1)).toBe(true);
    cycle.start(1000);
    expect(cycle.refuse(15)).toBe(false);
    expect(cycle.refuse(16)).toBe(true);
  });

  it('after a failure: 4 slow cycles of sleeping allocations at 2048 entries (the maximum: success cannot raise it), then non-sleeping again', () => {
    const cycle = new VmwareCycle(rates);
    cycle.start(0);
    cycle.fail();
    // The failing cycle itself does not count as a slow cycle.
    for (const now of [1000, 2000, 3000, 4000]) {
      cycle.start(now);
      expect(cycle.sleeping).toBe(true);
      expect(cycle.inflateCap).toBe(2048);
      cycle.entries = 2048;
    }
    cycle.start(5000);
    expect(cycle.sleeping).toBe(false);
    expect(cycle.inflateCap).toBe(16_384);
  });

  it('halves the rate on each failure in the slow cycles, down to 512, and raises it by 16 per slow cycle that inflated', () => {
    const cycle = new VmwareCycle(rates);
    cycle.start(0);
    cycle.fail(); // slow cycles begin at 2048
    cycle.start(1000);
    cycle.fail(); // 1024
    expect(cycle.inflateCap).toBe(1024);
    cycle.start(2000);
    cycle.fail(); // 512
    cycle.start(3000);
    cycle.fail(); // stays at the minimum
    expect(cycle.inflateCap).toBe(512);
    // A slow cycle that inflated without failing: +16, and one slow cycle fewer.
    cycle.start(4000);
    cycle.entries = 100;
    cycle.start(5000);
    expect(cycle.inflateCap).toBe(528);
    // One that inflated nothing: the rate stays.
    cycle.start(6000);
    expect(cycle.inflateCap).toBe(528);
    expect(cycle.sleeping).toBe(true);
    cycle.start(7000);
    cycle.start(8000);
    expect(cycle.sleeping).toBe(false);
  });
});
