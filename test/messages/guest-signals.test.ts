/**
 * Unit tests of src/messages/guest-signals.ts: the layout of a guest's
 * signals buffer, and its seqlock (a reader gets one whole report or says it
 * could not).
 */
import { describe, expect, it } from 'vitest';
import { GuestSignalsReader, GuestSignalsWriter, SIGNALS_BYTES, SIGNAL_SLOTS, SignalSlot, allocateGuestSignals } from '../../src/messages/guest-signals.js';
import { VIRTIO_STAT_COUNT } from '../../src/messages/virtio-stats.js';

describe('the signals buffer', () => {
  it('gives every figure its own slot, the stats one each in tag order', () => {
    const single = Object.entries(SignalSlot).filter(([name]) => name !== 'STATS').map(([, slot]) => slot);
    const stats = Array.from({ length: VIRTIO_STAT_COUNT }, (_, index) => SignalSlot.STATS + index);
    const all = [...single, ...stats];
    expect(new Set(all).size).toBe(all.length);
    expect(Math.min(...all)).toBe(0);
    expect(Math.max(...all)).toBe(SIGNAL_SLOTS - 1);
    expect(SIGNALS_BYTES).toBe(8 + 8 * SIGNAL_SLOTS);
  });

  it('starts with nothing reported: its times and stats -1, the rest 0', () => {
    const values = new Float64Array(allocateGuestSignals(), 8, SIGNAL_SLOTS);
    const unreported = new Set<number>([SignalSlot.STATUS_AT_MS, SignalSlot.STATS_AT_MS, SignalSlot.PRESSURE_AT_MS]);
    for (let index = 0; index < VIRTIO_STAT_COUNT; index++) unreported.add(SignalSlot.STATS + index);
    values.forEach((value, slot) => expect([slot, value]).toEqual([slot, unreported.has(slot) ? -1 : 0]));
  });

  it('is refused at any other size, by writer and reader alike', () => {
    const wrong = new SharedArrayBuffer(SIGNALS_BYTES - 8);
    expect(() => new GuestSignalsWriter(wrong)).toThrow(/^GuestSignalsWriter: a signals buffer has/);
    expect(() => new GuestSignalsReader(wrong)).toThrow(/^GuestSignalsReader: a signals buffer has/);
  });
});

describe('the seqlock', () => {
  it('hands a reader what the writer wrote between begin and end', () => {
    const buffer = allocateGuestSignals();
    const writer = new GuestSignalsWriter(buffer);
    writer.begin();
    writer.values[SignalSlot.BALLOON_PAGES] = 1234;
    writer.values[SignalSlot.FULL_AVG10] = 0.25;
    writer.end();
    const out = new Float64Array(SIGNAL_SLOTS);
    expect(new GuestSignalsReader(buffer).read(out)).toBe(true);
    expect([out[SignalSlot.BALLOON_PAGES], out[SignalSlot.FULL_AVG10]]).toEqual([1234, 0.25]);
  });

  it('gives up on a report left half written, and leaves what the reader had', () => {
    const buffer = allocateGuestSignals();
    const writer = new GuestSignalsWriter(buffer);
    writer.begin();
    writer.values[SignalSlot.BALLOON_PAGES] = 99;
    const out = new Float64Array(SIGNAL_SLOTS).fill(7);
    expect(new GuestSignalsReader(buffer).read(out)).toBe(false);
    expect(out.every((value) => value === 7)).toBe(true);
    writer.end();
    expect(new GuestSignalsReader(buffer).read(out)).toBe(true);
    expect(out[SignalSlot.BALLOON_PAGES]).toBe(99);
  });

  it('lets a reader on the writer\'s own thread read the slots in place between reports, and not mid-report', () => {
    const buffer = allocateGuestSignals();
    const writer = new GuestSignalsWriter(buffer);
    const reader = new GuestSignalsReader(buffer);
    writer.begin();
    writer.values[SignalSlot.USED_PAGES] = 512;
    expect(reader.settled()).toBeNull();
    writer.end();
    const settled = reader.settled();
    expect(settled?.[SignalSlot.USED_PAGES]).toBe(512);
    // The slots themselves, not a copy: the next report shows through.
    writer.begin();
    writer.values[SignalSlot.USED_PAGES] = 640;
    writer.end();
    expect(settled?.[SignalSlot.USED_PAGES]).toBe(640);
  });
});
