/** What a policy sees: the manager's records, the devices' figures and the guests' signals, in one view. */
import { describe, expect, it } from 'vitest';
import { DeviceSlot } from '../../../src/host/device/device-figures.js';
import { GuestRecord } from '../../../src/host/manager/guest-record.js';
import { buildPolicyView, guestView, reclaimFloorPages, type HostFigures } from '../../../src/host/manager/policy-view.js';
import { allocateGuestSignals } from '../../../src/messages/guest-signals.js';
import { guest, MiB } from '../../support/scenarios.js';
import { publishPressure, publishStatus } from '../../support/guest-signals.js';

const host = (nowMs = 1000): HostFigures => ({ nowMs, frameBytes: 4096, frames: 100_000, reservedFrames: 1000, freeFrames: 5000, state: 'soft', thresholds: { highFrames: 6000, softFrames: 4000, hardFrames: 2000, lowFrames: 1000 } });

describe('reclaimFloorPages', () => {
  it('is the largest of minMemory and kernel memory', () => {
    expect(reclaimFloorPages(new GuestRecord(0, guest('g', { minMemoryBytes: 16 * MiB, kernelBytes: 4 * MiB }), 4096, null), 4096)).toBe(4096);
    expect(reclaimFloorPages(new GuestRecord(0, guest('g', { minMemoryBytes: 0, kernelBytes: 8 * MiB }), 4096, null), 4096)).toBe(2048);
  });

  it('adds the Hyper-V floor for a hyperv guest: 64 MiB is below 128 MiB, so 8 MiB + 32 MiB', () => {
    const spec = guest('h', { memoryBytes: 64 * MiB, driver: { profile: 'hyperv', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 0, freePageReporting: false } });
    expect(reclaimFloorPages(new GuestRecord(0, spec, 4096, null), 4096)).toBe((40 * MiB) / 4096);
  });

  it('never exceeds the guest\'s memory', () => {
    expect(reclaimFloorPages(new GuestRecord(0, guest('g', { memoryBytes: 8 * MiB, minMemoryBytes: 64 * MiB }), 4096, null), 4096)).toBe(2048);
  });
});

describe('guestView', () => {
  it('shows the record, the device\'s figures and the guest\'s signals as a policy reads them', () => {
    const buffer = allocateGuestSignals();
    const record = new GuestRecord(2, guest('web', { shares: 2000 }), 4096, buffer);
    record.device[DeviceSlot.OWNED] = 9000;
    record.device[DeviceSlot.PENDING] = 100;
    record.device[DeviceSlot.BALLOON] = 4000;
    record.device[DeviceSlot.HOST_SWAP] = 7;
    record.device[DeviceSlot.SAMPLE_AT_MS] = 900;
    record.device[DeviceSlot.SAMPLED] = 100;
    record.device[DeviceSlot.TOUCHED] = 40;
    publishStatus(buffer, 900, { balloonPages: 4000, usedPages: 8000, freePages: 4384 });
    publishPressure(buffer, 900, { availablePages: 3000, committedPages: 9000 });
    const view = guestView(record, 4096, 1000);
    expect(view).toMatchObject({
      index: 2,
      name: 'web',
      alive: true,
      profile: 'virtio',
      shares: 2000,
      memoryPages: 16_384,
      maxPages: 16_384,
      targetPages: 16_384,
      residentPages: 9100,
      balloonPages: 4000,
      actualPages: 12_384,
      usedPages: 8000,
      freePages: 4384,
      pressure: { availablePages: 3000, committedPages: 9000 },
      distressed: false,
      touchedFraction: 0.4,
      activeSample: { sampledPages: 100, touchedPages: 40, atMs: 900 },
      hostSwappedPages: 7,
    });
  });

  it('shows nothing reported as null', () => {
    const view = guestView(new GuestRecord(0, guest('g'), 4096, null), 4096, 0);
    expect([view.usedPages, view.freePages, view.pressure, view.psi, view.touchedFraction, view.activeSample]).toEqual([null, null, null, null, null, null]);
  });
});

describe('buildPolicyView', () => {
  it('shows the host\'s figures, usable frames less the reserve, and builds the guests\' views once, when first read', () => {
    const record = new GuestRecord(0, guest('g'), 4096, null);
    const view = buildPolicyView(host(), [record]);
    expect(view).toMatchObject({ timeMs: 1000, nowMs: 1000, frames: 100_000, reservedFrames: 1000, usableFrames: 99_000, freeFrames: 5000, state: 'soft', highFrames: 6000, softFrames: 4000 });
    // Built lazily: a change before the first read shows.
    record.targetPages = 1234;
    const guests = view.guests;
    expect(guests[0]!.targetPages).toBe(1234);
    record.targetPages = 1;
    expect(view.guests).toBe(guests);
  });
});
