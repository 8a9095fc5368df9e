/**
 * The guard's working-set estimate (host/working-set.ts): from the guest's
 * latest MemAvailable (virtio stats or Hyper-V pressure report, whichever
 * came last), else its used pages, else its kernel; and the floor it gives
 * an administrator's target in a real run.
 */
import { describe, expect, it } from 'vitest';
import { DeviceSlot } from '../../../src/host/device/device-figures.js';
import { GuestRecord } from '../../../src/host/manager/guest-record.js';
import { workingSetEstimate } from '../../../src/host/manager/working-set.js';
import { allocateGuestSignals } from '../../../src/messages/guest-signals.js';
import { simulate } from '../../../src/runtime/simulate.js';
import { parseScenarioText } from '../../../src/scenario/load.js';
import { publishPressure, publishStats, publishStatus } from '../../support/guest-signals.js';
import { guest } from '../../support/scenarios.js';

const PAGE = 4096;

/**
 * The manager's record of a guest of 1000 pages with 50 of kernel whose device side published a balloon of 200
 * pages, and whose signals `publish` writes (what the guest publishes in shared memory).
 */
function record(publish: (signals: SharedArrayBuffer) => void = () => {}): GuestRecord {
  const signals = allocateGuestSignals();
  publish(signals);
  const r = new GuestRecord(0, guest('g', { memoryBytes: 1000 * PAGE, kernelBytes: 50 * PAGE }), PAGE, signals);
  r.device[DeviceSlot.MEMORY] = 1000;
  r.device[DeviceSlot.BALLOON] = 200;
  return r;
}

const report = { availablePages: 100, committedPages: 0 };

describe('workingSetEstimate', () => {
  it('is the guest’s size as the balloon leaves it, less MemAvailable, from the latest report', () => {
    // 1000 - 200 balloon = 800 pages; 300 available: 500.
    expect(workingSetEstimate(record((s) => publishStats(s, 1000, { AVAIL: 300 * PAGE })), PAGE)).toEqual({ pages: 500, source: 'MemAvailable' });
    // A later pressure report wins; an earlier one does not.
    const both = (pressureAtMs: number) =>
      record((s) => {
        publishStats(s, 1000, { AVAIL: 300 * PAGE });
        publishPressure(s, pressureAtMs, report);
      });
    expect(workingSetEstimate(both(2000), PAGE).pages).toBe(700);
    expect(workingSetEstimate(both(500), PAGE).pages).toBe(500);
    // Never below kernel memory.
    expect(workingSetEstimate(record((s) => publishStats(s, 1000, { AVAIL: 790 * PAGE })), PAGE).pages).toBe(50);
  });

  it('falls back to the used pages of the last status, then to kernel memory', () => {
    expect(workingSetEstimate(record((s) => publishStatus(s, 1000, { balloonPages: 200, usedPages: 420, freePages: 380 })), PAGE)).toEqual({ pages: 420, source: 'used memory' });
    expect(workingSetEstimate(record(), PAGE)).toEqual({ pages: 50, source: 'kernel memory' });
    // Stats with AVAIL unreported (-1) do not count.
    expect(workingSetEstimate(record((s) => publishStats(s, 0, { AVAIL: -1 })), PAGE).source).toBe('kernel memory');
  });

  it('reads a figure a guest published that is no page count as unreported', () => {
    // A hostile guest's nonsense: the estimate falls back as if nothing had been published.
    expect(workingSetEstimate(record((s) => publishStats(s, 1000, { AVAIL: Number.NaN })), PAGE).source).toBe('kernel memory');
    expect(workingSetEstimate(record((s) => publishPressure(s, 1000, { availablePages: -7, committedPages: 0 })), PAGE).source).toBe('kernel memory');
    expect(workingSetEstimate(record((s) => publishStatus(s, 1000, { balloonPages: 0, usedPages: Number.POSITIVE_INFINITY, freePages: 0 })), PAGE)).toEqual({ pages: 50, source: 'used memory' });
    // More used pages than the guest's memory (1000 pages): held to its memory, so the guard never protects more.
    expect(workingSetEstimate(record((s) => publishStatus(s, 1000, { balloonPages: 200, usedPages: 5000, freePages: 0 })), PAGE)).toEqual({ pages: 1000, source: 'used memory' });
  });
});

describe('the guard’s floor in a run', () => {
  it('leaves out page cache the guest can drop: a target above anonymous and kernel memory but below all used memory passes', async () => {
    const yaml = `
duration: 20s
host: { memory: 2GiB }
guests:
  - name: g
    memory: 1GiB
    kernel: 32MiB
    workload:
      - { kind: anon, size: 300MiB }
      - { kind: file, size: 400MiB, hot: 10% }
events:
  - { at: 10s, setTarget: { guest: g, memory: 600MiB } }   # used is 732 MiB, but half the cache can go
  - { at: 12s, setTarget: { guest: g, memory: 300MiB } }   # below anonymous + kernel: refused
`;
    const { summary, events } = await simulate(parseScenarioText(yaml, 'floor.yaml'), { placement: 'inline' });
    expect(events.filter((event) => event.kind === 'guardRefusal').map((event) => event.timeMs)).toEqual([12_000]);
    const refusal = events.find((event) => event.kind === 'guardRefusal')!.detail;
    const floorMiB = Number(/its floor of ([\d.]+) MiB/.exec(refusal)![1]);
    expect(floorMiB).toBeGreaterThan(332);
    expect(floorMiB).toBeLessThan(600);
    expect(summary.guests[0]!.targetBytes).toBe(600 * 2 ** 20);
  });
});
