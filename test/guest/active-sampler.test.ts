/**
 * ESX active-memory sampling through the protocol: the host asks each guest
 * to sample random pages every period, the guest judges each sampled page
 * from its own touch rates, and the host hears counts only. The fraction
 * found touched is what a guest's memory really does: hot workload pages
 * (touched many times a period) and kernel memory count, idle and free
 * memory does not, and memory allocated during the period does.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVE_SAMPLE_OPEN_MAX, ActiveSampling, takeActiveSample } from '../../src/host/manager/active-sampling.js';
import type { GuestAccount } from '../../src/host/guest-account.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { runLockstep } from '../support/lockstep.js';

const SCENARIO = `
duration: 95s
tick: 1s
seed: 12
host: { memory: 2GiB, policy: { kind: esx, period: 30s, samples: 2000 } }
guests:
  - name: busy                      # 512 MiB, 320 MiB hot (touched at least once a second) + 16 MiB kernel
    memory: 512MiB
    kernel: 16MiB
    workload: [ { kind: anon, size: 320MiB } ]
  - name: idle                      # 320 MiB allocated and never touched again
    memory: 512MiB
    kernel: 16MiB
    workload: [ { kind: anon, size: 320MiB, hot: 0% } ]
  - name: growing                   # nothing until 40 s, then 256 MiB, written as it is allocated
    memory: 512MiB
    kernel: 16MiB
    workload: [ { kind: anon, size: { steps: [[0s, 0B], [40s, 256MiB]] }, hot: 0% } ]
`;

describe('active-memory sampling', () => {
  it('finds the fraction of memory a guest touches: hot and kernel memory yes, idle and free memory no, new allocations yes', () => {
    const samples: Array<Array<GuestAccount['activeSample']>> = [];
    const result = runLockstep(parseScenarioText(SCENARIO, 'active.yaml'), {
      onTick: (_tick, endMs, world) => {
        if (endMs % 30_000 === 0) samples.push(world.host.accounts.map((account) => account.activeSample));
      },
    });
    expect(result.audit.violations).toBe(0);
    expect(result.world.host.protocolViolations).toBe(0);
    // Periods [0, 30 s), [30, 60 s), [60, 90 s): answered in the period's last tick.
    expect(samples.map((row) => row.map((sample) => sample?.atMs))).toEqual([
      [29_000, 29_000, 29_000],
      [59_000, 59_000, 59_000],
      [89_000, 89_000, 89_000],
    ]);
    const fraction = (period: number, guest: number): number => samples[period]![guest]!.touchedPages / samples[period]![guest]!.sampledPages;
    for (const period of [0, 1, 2]) {
      for (const guest of [0, 1, 2]) expect(samples[period]![guest]!.sampledPages).toBe(2000);
      // busy: (320 + 16) / 512 = 0.66; idle: 16 / 512 = 0.03 (its workload was allocated before the period, then left alone).
      expect(fraction(period, 0)).toBeCloseTo(336 / 512, 1);
      expect(fraction(period, 1)).toBeLessThan(period === 0 ? 0.7 : 0.06);
    }
    // growing: nothing but its kernel in the first period; the second period sees its 256 MiB allocated (written) at 40 s;
    // the third sees it idle.
    expect(fraction(0, 2)).toBeLessThan(0.06);
    expect(fraction(1, 2)).toBeCloseTo(272 / 512, 1);
    expect(fraction(2, 2)).toBeLessThan(0.06);
    expect(result.messageCounts.get('activeSample')).toBe(9);
    // The ESX policy's estimates follow: the busy guest is active, the idle one is not.
    const view = result.world.host.policyView();
    expect(view.guests[0]!.touchedFraction).toBeCloseTo(336 / 512, 1);
    expect(view.guests[1]!.activeSample).toMatchObject({ sampledPages: 2000, atMs: 89_000 });
  });

  it('is not asked for when the policy does not sample', () => {
    const result = runLockstep(parseScenarioText(SCENARIO.replace('{ kind: esx, period: 30s, samples: 2000 }', 'static'), 'static.yaml'), { auditEveryTicks: 0 });
    expect(result.messageCounts.get('activeSample')).toBeUndefined();
    expect(result.world.host.accounts.map((account) => account.touchedFraction)).toEqual([null, null, null]);
  });
});

describe('the host and activeSample messages', () => {
  const account = (): GuestAccount =>
    ({ alive: true, activeSampleAsked: [{ id: 3, pages: 100 }, { id: 4, pages: 100 }], activeSampleDroppedId: 0, activeSample: null, touchedFraction: null }) as unknown as GuestAccount;

  it('takes an answer to an open request (the previous one too), and refuses the rest', () => {
    const a = account();
    expect(takeActiveSample(a, { type: 'activeSample', id: 3, sampledPages: 100, touchedPages: 25 }, 5000)).toBeNull();
    expect(a.activeSample).toEqual({ sampledPages: 100, touchedPages: 25, atMs: 5000 });
    expect(a.touchedFraction).toBe(0.25);
    expect(a.activeSampleAsked).toEqual([{ id: 4, pages: 100 }]);
    expect(takeActiveSample(a, { type: 'activeSample', id: 3, sampledPages: 100, touchedPages: 25 }, 6000)).toMatch(/^activeSample 3 answers no open sampling request \(open: 4\)/);
    expect(takeActiveSample(a, { type: 'activeSample', id: 4, sampledPages: 101, touchedPages: 1 }, 6000)).toBe('activeSample 4 sampled 101 pages, 100 were asked for');
    expect(a.activeSample?.atMs).toBe(5000);
  });

  it('keeps the requests of a guest that runs behind (free-running), and ignores late answers to ones it dropped', () => {
    const a = account();
    a.activeSampleAsked = [];
    const sampling = new ActiveSampling();
    const ids: number[] = [];
    for (let period = 0; period < ACTIVE_SAMPLE_OPEN_MAX + 6; period++) ids.push(sampling.begin(period * 1000, [a], { pages: 10, periodMs: 1000 })[0]!.id);
    expect(a.activeSampleAsked).toHaveLength(ACTIVE_SAMPLE_OPEN_MAX);
    expect(a.activeSampleAsked[0]!.id).toBe(ids[6]);
    // Answers come in order: the dropped ones are ignored, the rest taken.
    expect(takeActiveSample(a, { type: 'activeSample', id: ids[0]!, sampledPages: 10, touchedPages: 1 }, 1000)).toBeNull();
    expect(a.activeSample).toBeNull();
    expect(takeActiveSample(a, { type: 'activeSample', id: ids[6]!, sampledPages: 10, touchedPages: 5 }, 7000)).toBeNull();
    expect(a.touchedFraction).toBe(0.5);
    expect(a.activeSampleAsked).toHaveLength(ACTIVE_SAMPLE_OPEN_MAX - 1);
    // A request never made is still refused.
    expect(takeActiveSample(a, { type: 'activeSample', id: ids.at(-1)! + 1, sampledPages: 10, touchedPages: 5 }, 7000)).toMatch(/answers no open sampling request/);
  });
});
