/**
 * The driver profiles against the figures of REFERENCE.md: what one message
 * carries, the rate its round trips give, the back-off, and the features
 * that set the drivers apart.
 */
import { describe, expect, it } from 'vitest';
import { DRIVER_PROFILES, LARGE_PAGE_BYTES, LARGE_PAGE_SPEEDUP } from '../../src/guest/driver-profiles.js';

const MiB = 2 ** 20;
const PAGE = 4096;

/** MiB per second a profile inflates (or deflates) at, from its round trip. */
function mibPerSecond(batchPages: number, roundTripMs: number): number {
  return ((batchPages * PAGE) / MiB) * (1000 / roundTripMs);
}

describe('DRIVER_PROFILES', () => {
  it('names each profile after its key', () => {
    for (const [key, profile] of Object.entries(DRIVER_PROFILES)) expect(profile.name).toBe(key);
    expect(Object.keys(DRIVER_PROFILES).sort()).toEqual(['hyperv', 'virtio', 'vmware', 'xen']);
  });

  it('virtio: 256 frames (1 MiB) per request; the measured 1 GiB guest goes 1024 -> 384 MiB in about 3 s and back in under 1 s; "Out of puff" waits 200 ms', () => {
    const v = DRIVER_PROFILES.virtio;
    expect(v.batchPages).toBe(256);
    const inflateSeconds = 640 / mibPerSecond(v.batchPages, v.inflateRoundTripMs);
    expect(inflateSeconds).toBeGreaterThan(2.5);
    expect(inflateSeconds).toBeLessThan(3.5);
    expect(640 / mibPerSecond(v.batchPages, v.deflateRoundTripMs)).toBeLessThan(1);
    expect([v.backoff, v.backoffMs]).toEqual(['fixed', 200]);
    // Deflated pages come back without frames; the work runs on target writes only.
    expect(v.deflateWithFrames).toBe(false);
    expect(v.worksOnTargetWrite).toBe(true);
    expect([v.largePagesFirst, v.keepsFloor, v.hostMayRefusePages, v.pressureSkipMs]).toEqual([false, false, false, 0]);
  });

  it('vmware: batches of 512; 16384 pages per 1 s cycle both ways (so a full batch takes 1/32 s); rate 512..2048 after failures; 16 refusals', () => {
    const w = DRIVER_PROFILES.vmware;
    expect(w.batchPages).toBe(512);
    const rates = w.vmware!;
    expect(rates.cycleMs).toBe(1000);
    expect(rates.nonSleepingPagesMax).toBe(16_384);
    expect(rates.deflatePagesMax).toBe(16_384);
    expect((rates.nonSleepingPagesMax / w.batchPages) * w.inflateRoundTripMs).toBe(rates.cycleMs);
    expect([rates.rateMinPages, rates.rateMaxPages]).toEqual([512, 2048]);
    expect(rates.refusedPagesMax).toBe(16);
    expect(w.backoff).toBe('rate-adaptive');
    expect([w.largePagesFirst, w.hostMayRefusePages, w.deflateWithFrames, w.worksOnTargetWrite]).toEqual([true, true, false, false]);
  });

  it('xen: batches of 512, back-off from 1 s doubling to 32 s, frames granted on deflate (increase_reservation)', () => {
    const x = DRIVER_PROFILES.xen;
    expect(x.batchPages).toBe(512);
    expect([x.backoff, x.backoffMs, x.backoffMaxMs]).toEqual(['doubling', 1000, 32_000]);
    expect(x.deflateWithFrames).toBe(true);
    expect([x.largePagesFirst, x.keepsFloor, x.hostMayRefusePages, x.worksOnTargetWrite]).toEqual([false, false, false, false]);
    expect(x.vmware).toBeUndefined();
  });

  it('hyperv: 2 MiB units (512 pages), 2 MiB pages first, the floor, pressure reports after the first 45 s', () => {
    const h = DRIVER_PROFILES.hyperv;
    expect(h.batchPages * PAGE).toBe(2 * MiB);
    expect([h.largePagesFirst, h.keepsFloor, h.deflateWithFrames]).toEqual([true, true, true]);
    expect(h.pressureSkipMs).toBe(45_000);
    expect(h.hostMayRefusePages).toBe(false);
  });

  it('orders the inflate rates as the drivers compare: Hyper-V and Xen fastest, VMware with 2 MiB pages ahead of virtio; virtio deflates faster than it inflates', () => {
    const rate = (name: keyof typeof DRIVER_PROFILES) => mibPerSecond(DRIVER_PROFILES[name].batchPages, DRIVER_PROFILES[name].inflateRoundTripMs);
    expect(rate('xen')).toBeGreaterThan(rate('vmware'));
    expect(rate('hyperv')).toBeGreaterThan(rate('vmware'));
    const v = DRIVER_PROFILES.virtio;
    expect(v.deflateRoundTripMs).toBeLessThan(v.inflateRoundTripMs);
    // VMware's single pages (64 MiB/s) are slower than virtio's (222 MiB/s); its 2 MiB pages, four times cheaper (256 MiB/s), faster.
    expect(rate('vmware')).toBeCloseTo(64, 6);
    expect(rate('virtio')).toBeCloseTo(222.2, 1);
    expect(rate('vmware') * LARGE_PAGE_SPEEDUP).toBeGreaterThan(rate('virtio'));
  });

  it('large pages are 2 MiB', () => {
    expect(LARGE_PAGE_BYTES).toBe(2 * MiB);
    expect(LARGE_PAGE_SPEEDUP).toBeGreaterThan(1);
  });
});
