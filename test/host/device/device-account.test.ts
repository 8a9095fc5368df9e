/** What a device side keeps of its guest: sizes from the spec, what the guest may still ask for, and the figures it publishes. */
import { describe, expect, it } from 'vitest';
import { DeviceAccount } from '../../../src/host/device/device-account.js';
import { DEVICE_SLOTS, DeviceSlot } from '../../../src/host/device/device-figures.js';
import type { GuestSpec } from '../../../src/model/scenario.js';
import { guest, MiB } from '../../support/scenarios.js';

const account = (spec: Partial<GuestSpec> = {}) => new DeviceAccount({ index: 2, spec: guest('g', spec), frameBytes: 4096, quarantineAfter: 0, hotplug: false, backing: 'lazy' });

describe('DeviceAccount', () => {
  it('sizes the guest from its spec: a reserved range above boot memory starts in the balloon', () => {
    const a = account({ memoryBytes: 64 * MiB, maxMemoryBytes: 96 * MiB, kernelBytes: 4 * MiB, swapBytes: 8 * MiB });
    expect([a.ownerId, a.pages, a.bootPages, a.kernelPages, a.swapPages]).toEqual([3, 24_576, 16_384, 1024, 2048]);
    expect([a.memoryPages, a.balloonPages, a.targetPages]).toEqual([24_576, 8192, 16_384]);
    expect(a.hostile).toBe(false);
  });

  it('counts unbacked pages as memory outside the balloon, its frames and what waiting grants will back', () => {
    const a = account();
    a.ownedFrames = 1000;
    a.balloonPages = 2000;
    a.owedBackingPages = 384;
    expect(a.unbackedPages).toBe(16_384 - 2000 - 1000 - 384);
  });

  it('leaves what waiting deflates and swap-ins are owed out of what may be asked again', () => {
    const a = account();
    a.balloonPages = 500;
    a.owedDeflatePages = 200;
    a.hostSwapPages = 50;
    a.owedSwapInPages = 20;
    expect([a.deflatablePages, a.swapInablePages]).toEqual([300, 30]);
  });

  it('writes its figures at its block\'s place, alive as 1 and what waiting grants are owed as pending', () => {
    const a = account();
    a.ownedFrames = 10;
    a.owedDeflatePages = 3;
    a.owedBackingPages = 4;
    a.quarantined = true;
    const values = new Float64Array(2 * DEVICE_SLOTS).fill(-7);
    a.writeFigures(values, DEVICE_SLOTS);
    expect(values[0]).toBe(-7);
    const at = (slot: number) => values[DEVICE_SLOTS + slot];
    expect([at(DeviceSlot.ALIVE), at(DeviceSlot.OWNED), at(DeviceSlot.PENDING), at(DeviceSlot.QUARANTINED), at(DeviceSlot.MEMORY), at(DeviceSlot.SAMPLE_AT_MS)]).toEqual([1, 10, 7, 1, 16_384, -1]);
    a.alive = false;
    a.writeFigures(values, 0);
    expect(values[DeviceSlot.ALIVE]).toBe(0);
  });
});
