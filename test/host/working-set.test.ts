/**
 * The guard's working-set estimate (host/working-set.ts): from the guest's
 * latest MemAvailable (virtio stats or Hyper-V pressure report, whichever
 * came last), else its used pages, else its kernel; and the floor it gives
 * an administrator's target in a real run.
 */
import { describe, expect, it } from 'vitest';
import { VirtioStat } from '../../src/balloon/virtio-stats.js';
import type { GuestAccount } from '../../src/host/guest-account.js';
import { noSignalsHeard } from '../../src/host/guest-reports.js';
import { workingSetEstimate } from '../../src/host/manager/working-set.js';
import { simulate } from '../../src/runtime/simulate.js';
import { parseScenarioText } from '../../src/scenario/load.js';

const PAGE = 4096;

function account(overrides: Partial<GuestAccount> = {}): GuestAccount {
  return { memoryPages: 1000, balloonPages: 200, kernelPages: 50, lastStatus: null, heard: noSignalsHeard(), ...overrides } as GuestAccount;
}

function stats(availableBytes: number): Float64Array {
  const values = new Float64Array(16).fill(-1);
  values[VirtioStat.AVAIL] = availableBytes;
  return values;
}

describe('workingSetEstimate', () => {
  it('is the guest’s size as the balloon leaves it, less MemAvailable, from the latest report', () => {
    const heard = { ...noSignalsHeard(), stats: stats(300 * PAGE), statsAtMs: 1000 };
    // 1000 - 200 balloon = 800 pages; 300 available: 500.
    expect(workingSetEstimate(account({ heard }), PAGE)).toEqual({ pages: 500, source: 'MemAvailable' });
    // A later pressure report wins; an earlier one does not.
    const report = { availablePages: 100, committedPages: 0, floorPages: 0, someAvg10: 0, someAvg60: 0, someAvg300: 0, fullAvg10: 0, fullAvg60: 0, fullAvg300: 0, someTotalSeconds: 0, fullTotalSeconds: 0 };
    expect(workingSetEstimate(account({ heard: { ...heard, pressure: report, pressureAtMs: 2000 } }), PAGE).pages).toBe(700);
    expect(workingSetEstimate(account({ heard: { ...heard, pressure: report, pressureAtMs: 500 } }), PAGE).pages).toBe(500);
    // Never below kernel memory.
    expect(workingSetEstimate(account({ heard: { ...heard, stats: stats(790 * PAGE) } }), PAGE).pages).toBe(50);
  });

  it('falls back to the used pages of the last status, then to kernel memory', () => {
    expect(workingSetEstimate(account({ lastStatus: { type: 'status', balloonPages: 200, usedPages: 420, freePages: 380 } }), PAGE)).toEqual({ pages: 420, source: 'used memory' });
    expect(workingSetEstimate(account(), PAGE)).toEqual({ pages: 50, source: 'kernel memory' });
    // Stats with AVAIL unreported (-1) do not count.
    expect(workingSetEstimate(account({ heard: { ...noSignalsHeard(), stats: stats(-1), statsAtMs: 0 } }), PAGE).source).toBe('kernel memory');
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
