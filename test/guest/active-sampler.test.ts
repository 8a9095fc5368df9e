/**
 * ESX active-memory sampling through the protocol: the host asks each guest
 * to sample random pages every period, the guest judges each sampled page
 * from its own touch rates, and the host hears counts only. The fraction
 * found touched is what a guest's memory really does: hot workload pages
 * (touched many times a period) and kernel memory count, idle and free
 * memory does not, and memory allocated during the period does.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceAccount } from '../../src/host/device/device-account.js';
import { ACTIVE_SAMPLE_OPEN_MAX } from '../../src/host/device/guest-device.js';
import { ActiveSampling } from '../../src/host/manager/active-sampling.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { InlineHost } from '../support/inline-host.js';
import { runLockstep } from '../support/lockstep.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

/** The last sample a guest's device side heard, as policies see it; null before the first. */
function sampleOf(account: DeviceAccount): { sampledPages: number; touchedPages: number; atMs: number } | null {
  return account.sampleAtMs < 0 ? null : { sampledPages: account.sampledPages, touchedPages: account.touchedPages, atMs: account.sampleAtMs };
}

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
    const samples: Array<Array<ReturnType<typeof sampleOf>>> = [];
    const result = runLockstep(parseScenarioText(SCENARIO, 'active.yaml'), {
      onTick: (_tick, endMs, world) => {
        if (endMs % 30_000 === 0) samples.push(world.host.accounts.map((account) => sampleOf(account.device)));
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
    expect(result.world.host.accounts.map((account) => account.record.touchedFraction)).toEqual([null, null, null]);
  });
});

describe('the device side and activeSample messages', () => {
  /** A booted host of one guest in tick 0, whose device side asked for samples 3 and 4 (as the manager's sampleActive commands do). */
  function asked(ids: number[] = [3, 4]): { host: InlineHost; account: DeviceAccount } {
    const host = new InlineHost(scenario({ guests: [guest('g', { memoryBytes: 64 * MiB })] }));
    host.boot();
    host.beginTick(0);
    const device = host.devices.device(0);
    for (const id of ids) device.command({ type: 'sampleActive', id, pages: 100, periodMs: 1000 });
    host.takeInboxes();
    return { host, account: device.account };
  }

  /** The violations the device side recorded (they reach the log when the tick closes). */
  function violations(host: InlineHost): string[] {
    host.endTick();
    return host.log.filter((event) => event.kind === 'violation').map((event) => event.detail);
  }

  it('takes an answer to an open request (the previous one too), and refuses the rest', () => {
    const { host, account: a } = asked();
    host.handleOutbox(0, [{ type: 'activeSample', id: 3, sampledPages: 100, touchedPages: 25 }]);
    expect(sampleOf(a)).toEqual({ sampledPages: 100, touchedPages: 25, atMs: 0 });
    expect(a.activeSampleAsked).toEqual([{ id: 4, pages: 100 }]);
    expect(a.protocolViolations).toBe(0);
    host.beginTick(1);
    // The manager reads it when the tick closes: a quarter of the memory touched.
    expect(host.accounts[0]!.record.touchedFraction).toBe(0.25);
    host.handleOutbox(0, [{ type: 'activeSample', id: 3, sampledPages: 100, touchedPages: 25 }]);
    host.handleOutbox(0, [{ type: 'activeSample', id: 4, sampledPages: 101, touchedPages: 1 }]);
    expect(a.protocolViolations).toBe(2);
    const found = violations(host);
    expect(found[0]).toMatch(/^activeSample 3 answers no open sampling request \(open: 4\)/);
    expect(found[1]).toBe('activeSample 4 sampled 101 pages, 100 were asked for');
    expect(a.sampleAtMs).toBe(0);
  });

  it('keeps the requests of a guest that runs behind (free-running), and ignores late answers to ones it dropped', () => {
    const { host, account: a } = asked([]);
    const sampling = new ActiveSampling();
    const device = host.devices.device(0);
    const ids: number[] = [];
    for (let period = 0; period < ACTIVE_SAMPLE_OPEN_MAX + 6; period++) {
      const request = sampling.begin(period * 1000, [{ index: 0, alive: true }], { pages: 10, periodMs: 1000 })[0]!;
      device.command({ type: 'sampleActive', id: request.id, pages: request.pages, periodMs: request.periodMs });
      ids.push(request.id);
    }
    expect(a.activeSampleAsked).toHaveLength(ACTIVE_SAMPLE_OPEN_MAX);
    expect(a.activeSampleAsked[0]!.id).toBe(ids[6]);
    // Answers come in order: the dropped ones are ignored, the rest taken.
    host.handleOutbox(0, [{ type: 'activeSample', id: ids[0]!, sampledPages: 10, touchedPages: 1 }]);
    expect(sampleOf(a)).toBeNull();
    host.handleOutbox(0, [{ type: 'activeSample', id: ids[6]!, sampledPages: 10, touchedPages: 5 }]);
    expect(sampleOf(a)).toMatchObject({ sampledPages: 10, touchedPages: 5 });
    expect(a.activeSampleAsked).toHaveLength(ACTIVE_SAMPLE_OPEN_MAX - 1);
    expect(a.protocolViolations).toBe(0);
    // A request never made is still refused.
    host.handleOutbox(0, [{ type: 'activeSample', id: ids.at(-1)! + 1, sampledPages: 10, touchedPages: 5 }]);
    expect(violations(host)).toEqual([expect.stringMatching(/answers no open sampling request/)]);
  });
});
