/**
 * What a policy reads of a guest's own signals: claims, so anything that is
 * not a plausible number reads as unreported (-1, or 0 for fractions and
 * seconds), and distress that holds for 5 s.
 */
import { describe, expect, it } from 'vitest';
import { DISTRESS_HOLD_MS, isDistressed, pressureAvailablePages, signalsOf, statsOf, statusOf, unknownStats } from '../../../src/host/manager/guest-signals.js';
import { GuestRecord } from '../../../src/host/manager/guest-record.js';
import { allocateGuestSignals, SignalSlot } from '../../../src/messages/guest-signals.js';
import { guest } from '../../support/scenarios.js';
import { publishPressure, publishStats, publishStatus } from '../../support/guest-signals.js';

function record() {
  const buffer = allocateGuestSignals();
  return { buffer, record: new GuestRecord(0, guest('g'), 4096, buffer) };
}

describe('host-side guest signals', () => {
  it('reads every stat as -1 until the guest reports, then what it reported, with implausible values as -1', () => {
    const { buffer, record: r } = record();
    const before = statsOf(r.signals());
    expect(Object.values(before).every((v) => v === -1)).toBe(true);
    expect(Object.keys(before)).toEqual(Object.keys(unknownStats()));
    publishStats(buffer, 1000, { SWAP_IN: 12, MEMFREE: 4096 * 10, MAJFLT: 1.5, OOM_KILL: -3 });
    const stats = statsOf(r.signals());
    expect([stats.SWAP_IN, stats.MEMFREE, stats.MAJFLT, stats.OOM_KILL, stats.CACHES]).toEqual([12, 40_960, -1, -1, -1]);
    expect(Object.isFrozen(stats)).toBe(true);
  });

  it('has no pressure report until the first, then reads it with PSI fractions clamped to 0..1 and bad seconds as 0', () => {
    const { buffer, record: r } = record();
    expect(pressureAvailablePages(r.signals())).toBe(-1);
    expect(signalsOf(r, 0)).toMatchObject({ pressure: null, psi: null, distressed: false });
    publishPressure(buffer, 5000, { availablePages: 300, committedPages: -7, some: [0.5, 2, Number.NaN], full: [-1, 0.25, 0], someTotalSeconds: Number.POSITIVE_INFINITY, fullTotalSeconds: 3 });
    expect(pressureAvailablePages(r.signals())).toBe(300);
    const signals = signalsOf(r, 5000);
    expect(signals.pressure).toEqual({ availablePages: 300, committedPages: 0 });
    expect(signals.psi).toEqual({ someTotalSeconds: 0, fullTotalSeconds: 3, someAvg10: 0.5, someAvg60: 1, someAvg300: 0, fullAvg10: 0, fullAvg60: 0.25, fullAvg300: 0 });
  });

  it('counts a guest as distressed for 5 s after its last distress message', () => {
    const { record: r } = record();
    expect(DISTRESS_HOLD_MS).toBe(5000);
    expect(isDistressed(r, 0)).toBe(false);
    r.lastDistressAtMs = 10_000;
    expect(isDistressed(r, 10_000)).toBe(true);
    expect(isDistressed(r, 15_000)).toBe(true);
    expect(isDistressed(r, 15_001)).toBe(false);
  });

  it('reads the status as null before the first, then its pages, negative claims as 0', () => {
    const { buffer, record: r } = record();
    expect(statusOf(r)).toBeNull();
    publishStatus(buffer, 100, { balloonPages: 10, usedPages: -5, freePages: 20 });
    expect(statusOf(r)).toEqual({ balloonPages: 10, usedPages: 0, freePages: 20 });
    expect(r.signals()[SignalSlot.STATUS_AT_MS]).toBe(100);
  });
});
