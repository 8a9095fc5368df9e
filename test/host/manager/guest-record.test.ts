/** What the manager knows of a guest: its spec in pages, the device's published figures, the guest's signals read on demand. */
import { describe, expect, it } from 'vitest';
import { DeviceSlot } from '../../../src/host/device/device-figures.js';
import { GuestRecord } from '../../../src/host/manager/guest-record.js';
import { allocateGuestSignals, SignalSlot } from '../../../src/messages/guest-signals.js';
import { guest, MiB } from '../../support/scenarios.js';
import { publishStatus } from '../../support/guest-signals.js';

describe('GuestRecord', () => {
  it('turns the spec into pages and starts at the boot size, a reserved range in the balloon', () => {
    const record = new GuestRecord(3, guest('db', { memoryBytes: 64 * MiB, maxMemoryBytes: 128 * MiB, minMemoryBytes: 16 * MiB, kernelBytes: 4 * MiB + 1, swapBytes: 8 * MiB, shares: 500 }), 4096, null);
    expect([record.index, record.name, record.ownerId]).toEqual([3, 'db', 4]);
    expect([record.pages, record.bootPages, record.minPages, record.swapPages, record.shares]).toEqual([32_768, 16_384, 4096, 2048, 500]);
    // Kernel memory rounds up to whole pages.
    expect(record.kernelPages).toBe(1025);
    expect(record.targetPages).toBe(16_384);
    expect([record.memoryPages, record.balloonPages]).toEqual([32_768, 16_384]);
    expect(record.growthKind).toBe('reserved');
    expect(record.touchedFraction).toBeNull();
  });

  it('counts hotplug room outside the guest\'s memory until plugged', () => {
    const record = new GuestRecord(0, guest('g', { memoryBytes: 64 * MiB, maxMemoryBytes: 128 * MiB, growth: { kind: 'hotplug', blockBytes: 128 * MiB, onlineDelayMs: 0 } }), 4096, null);
    expect([record.memoryPages, record.balloonPages]).toEqual([16_384, 0]);
  });

  it('reads what the device published: frames held counting what waiting grants will give, the sampled fraction, an open pageOut', () => {
    const record = new GuestRecord(0, guest('g'), 4096, null);
    record.device[DeviceSlot.OWNED] = 100;
    record.device[DeviceSlot.PENDING] = 20;
    expect([record.ownedFrames, record.pendingFrames, record.heldFrames]).toEqual([100, 20, 120]);
    record.device[DeviceSlot.SAMPLE_AT_MS] = 30_000;
    record.device[DeviceSlot.SAMPLED] = 100;
    record.device[DeviceSlot.TOUCHED] = 25;
    expect(record.touchedFraction).toBe(0.25);
    record.device[DeviceSlot.SAMPLED] = 0;
    expect(record.touchedFraction).toBeNull();
    record.pageOutSentId = 4;
    record.device[DeviceSlot.PAGE_OUT_CLOSED_ID] = 3;
    expect(record.pageOutOpen).toBe(true);
    record.device[DeviceSlot.PAGE_OUT_CLOSED_ID] = 4;
    expect(record.pageOutOpen).toBe(false);
    record.device[DeviceSlot.QUARANTINED] = 1;
    expect(record.quarantined).toBe(true);
  });

  it('reads the guest\'s signals from shared memory when asked; nothing reported reads as times of -1', () => {
    const buffer = allocateGuestSignals();
    const record = new GuestRecord(0, guest('g'), 4096, buffer);
    expect(record.signals()[SignalSlot.STATUS_AT_MS]).toBe(-1);
    publishStatus(buffer, 2000, { balloonPages: 5, usedPages: 6, freePages: 7 });
    const values = record.signals();
    expect([values[SignalSlot.STATUS_AT_MS], values[SignalSlot.USED_PAGES]]).toEqual([2000, 6]);
    expect(new GuestRecord(0, guest('g'), 4096, null).signals()[SignalSlot.PRESSURE_AT_MS]).toBe(-1);
  });
});
