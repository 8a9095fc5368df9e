/**
 * The examples run, and show what they are there to show (issue 4's
 * acceptance checks that the current guest model can answer; swap, major
 * faults and pressure stalls come with the guest model).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate, type RunResult } from '../../src/runtime/simulate.js';
import type { Sample } from '../../src/runtime/sample.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { parseOverride } from '../../src/scenario/overrides.js';
import { runCli } from '../cli/run-cli.js';
import { expectCleanRun } from '../support/clean-run.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const PAGE = 4096;

async function run(name: string, sets: string[] = [], placement: 'inline' | 'workers' = 'inline'): Promise<RunResult & { samples: Sample[] }> {
  const scenario = loadScenarioFile(`${EXAMPLES}${name}`, { overrides: sets.map(parseOverride) });
  const samples: Sample[] = [];
  const result = await simulate(scenario, { placement, workers: 2, sampleEveryTicks: 1, onSample: (sample) => samples.push(sample) });
  expectCleanRun(result.summary);
  return { ...result, samples };
}

/** Each guest's target changes: [time, from, to]. */
function targetChanges(samples: ReadonlyArray<Sample>, guest: string): Array<[number, number, number]> {
  const changes: Array<[number, number, number]> = [];
  let last: number | undefined;
  for (const sample of samples) {
    const target = sample.guests.find((g) => g.name === guest)!.targetPages;
    if (last !== undefined && target !== last) changes.push([sample.timeMs, last, target]);
    last = target;
  }
  return changes;
}

describe('examples', () => {
  it('every example file validates', () => {
    for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml'))) {
      expect(() => loadScenarioFile(join(EXAMPLES, file)), file).not.toThrow();
    }
  });

  it('every example file is in this test', () => {
    const files = readdirSync(EXAMPLES).filter((file) => file.endsWith('.yaml')).sort();
    // The guest memory model's examples (deflate-on-oom, drivers, pressure) are checked in guest-model-examples.test.ts;
    // hostile, free-faults and stress-free in test/cli/robustness-cli.test.ts; soak by test/scripts/soak.test.ts;
    // dense-64 and stress-1000 are run by the benchmarks (they are too big for a test) and validated in test/scenario.
    expect(files).toEqual([
      'admin-guard.yaml',
      'back-pressure.yaml',
      'custom-policy.yaml',
      'deflate-on-oom.yaml',
      'dense-64.yaml',
      'drivers.yaml',
      'esx-idle-tax.yaml',
      'free-faults.yaml',
      'host-paging.yaml',
      'hostile.yaml',
      'hotplug-grow.yaml',
      'mom.yaml',
      'pressure.yaml',
      'senpai.yaml',
      'soak.yaml',
      'stress-1000.yaml',
      'stress-free.yaml',
    ]);
  });

  it('mom.yaml: no target moves by more than 5 % per 10 s period', async () => {
    const { summary, samples } = await run('mom.yaml');
    expect(summary.host.policy.name).toBe('mom');
    expect(summary.host.stateTicks.soft + summary.host.stateTicks.hard + summary.host.stateTicks.low).toBe(0); // host reclaim never stepped in
    let shrinks = 0;
    let growths = 0;
    for (const guest of summary.guests) {
      const changes = targetChanges(samples, guest.name);
      for (let i = 0; i < changes.length; i++) {
        const [timeMs, from, to] = changes[i]!;
        // MOM rounds 0.95 * current down to whole pages: at most one page more than 5 %.
        expect({ guest: guest.name, timeMs, change: Math.abs(to - from) <= 0.05 * from + 1 }).toEqual({ guest: guest.name, timeMs, change: true });
        if (i > 0) expect(timeMs - changes[i - 1]![0]).toBeGreaterThanOrEqual(10_000);
        if (to < from) shrinks++;
        else growths++;
      }
    }
    // The example does exercise both rules.
    expect(shrinks).toBeGreaterThan(5);
    expect(growths).toBeGreaterThan(5);
  });

  it('esx-idle-tax.yaml: with tau 0.75 the busy guest gets more memory and fewer major faults than with tau 0, from the sampled active fractions', async () => {
    const taxed = await run('esx-idle-tax.yaml');
    const untaxed = await run('esx-idle-tax.yaml', ['host.policy.tau=0']);
    expect(taxed.summary.host.policy.parameters['tau']).toBe(0.75);
    expect(untaxed.summary.host.policy.parameters['tau']).toBe(0);
    const busy = (result: RunResult) => result.summary.guests.find((g) => g.name === 'busy')!;
    const idle = (result: RunResult) => result.summary.guests.find((g) => g.name === 'idle')!;
    // More memory for the busy guest, taken from the idle one.
    expect(busy(taxed).targetBytes).toBeGreaterThan(busy(untaxed).targetBytes + 512 * MiB);
    expect(busy(taxed).residentBytes).toBeGreaterThan(busy(untaxed).residentBytes + 512 * MiB);
    expect(idle(taxed).targetBytes).toBeLessThan(idle(untaxed).targetBytes - 512 * MiB);
    // Squeezed without the tax, the busy guest pages (it has swap): far more major faults and stall.
    expect(busy(untaxed).majorFaults).toBeGreaterThan(100_000);
    expect(busy(taxed).majorFaults).toBeLessThan(busy(untaxed).majorFaults / 100);
    expect(busy(untaxed).stallSeconds).toBeGreaterThan(10 * busy(taxed).stallSeconds + 60);
    for (const result of [taxed, untaxed]) {
      expect(busy(result).oomKills).toBe(0);
      // The difference comes from what sampling found: the busy guest touches most of its memory, the idle one little.
      expect(busy(result).activeFraction).toBeGreaterThan(0.8);
      expect(idle(result).activeFraction).toBeLessThan(0.2);
    }
  });

  it('senpai.yaml: with no stall the target falls by about 1 % every 6 s, then settles just above the working set', async () => {
    const { summary, samples } = await run('senpai.yaml');
    const build = summary.guests[0]!;
    const changes = targetChanges(samples, 'build');
    // The probe phase: 1 % every 6 s until the first stall (once the target nears the workload, kernel memory and the free reserve).
    const firstStall = samples.find((sample) => sample.guests[0]!.stallSecondsTotal > 0)!.timeMs;
    const probing = changes.filter(([timeMs]) => timeMs <= firstStall);
    expect(probing.length).toBeGreaterThan(100);
    for (let i = 0; i < probing.length; i++) {
      const [timeMs, from, to] = probing[i]!;
      expect(to / from).toBeCloseTo(0.99, 3);
      if (i > 0) expect(timeMs - probing[i - 1]![0]).toBe(6000);
    }
    // Then it probes down to just above the working set (the hot parts of
    // the workload plus kernel memory), never below it, and backs off
    // whenever the guest stalls (sharply, after a burst of major faults).
    const kernel = build.pageStates['kernel']! * PAGE;
    const workingSet = build.components.reduce((sum, c) => sum + c.hotBytes, 0) + kernel;
    const afterProbe = samples.filter((sample) => sample.timeMs >= firstStall).map((sample) => sample.guests[0]!.targetPages * PAGE);
    expect(Math.min(...afterProbe)).toBeGreaterThanOrEqual(workingSet);
    expect(Math.min(...afterProbe)).toBeLessThan(1.5 * workingSet);
    expect(changes.some(([, from, to]) => to > from)).toBe(true); // back-offs happened
    expect(build.stallSeconds).toBeGreaterThan(0);
    // The hot working set stays resident; the cold rest went to swap.
    expect(build.components.every((c) => c.hotResidentBytes === c.hotBytes)).toBe(true);
    expect(build.swapUsedBytes).toBeGreaterThan(100 * MiB);
    expect(build.oomKills).toBe(0);
  });

  it('hotplug-grow.yaml: both guests grow past their boot size and their workloads fit; refused, they are OOM-killed', async () => {
    const grown = await run('hotplug-grow.yaml');
    const refused = await run('hotplug-grow.yaml', ['host.hotplug=false']);
    const guest = (result: RunResult, name: string) => result.summary.guests.find((g) => g.name === name)!;
    for (const name of ['hyperv', 'virtio-mem']) {
      expect(guest(grown, name).bootBytes).toBe(2 * GiB);
      expect(guest(grown, name).hotplugBytes).toBe(2 * GiB);
      expect(guest(grown, name).oomKills).toBe(0);
      expect(guest(grown, name).growth.failed).toBe(0);
      expect(guest(refused, name).hotplugBytes).toBe(0);
      expect(guest(refused, name).growth.failed).toBe(1);
      expect(guest(refused, name).oomKills).toBe(1); // killed, it stays dead
      expect(guest(refused, name).components[0]!.bytes).toBe(0);
      expect(guest(refused, name).actualBytes).toBe(2 * GiB);
    }
    // Hyper-V style: 16 sections of 128 MiB, one every 5 s (each online before the next is asked for).
    const sections = grown.events.filter((event) => event.kind === 'hotplug' && event.guest === 'hyperv' && event.detail.startsWith('plugged 128 MiB'));
    expect(sections.map((event) => event.timeMs)).toEqual(Array.from({ length: 16 }, (_, i) => 30_000 + 5000 * i));
    // virtio-mem: all of it at once; later asked to shrink back, it unplugs only blocks that are entirely free: with the workload holding its memory, none.
    const virtioMem = guest(grown, 'virtio-mem');
    expect(grown.events.filter((event) => event.kind === 'hotplug' && event.guest === 'virtio-mem' && event.detail.startsWith('plugged'))).toHaveLength(1);
    expect(virtioMem.freeBytes).toBeGreaterThan(100 * 2 ** 20);
    expect(virtioMem.growth.unpluggedBytes).toBe(0);
    expect(virtioMem.growth.unplugHeldBytes).toBe(2 * GiB);
    expect(virtioMem.actualBytes).toBeGreaterThan(virtioMem.targetBytes + GiB);
    expect(virtioMem.actualBytes).toBeGreaterThanOrEqual(virtioMem.usedBytes);
    expect(guest(grown, 'hyperv').actualBytes).toBe(4 * GiB);
    // Refused: the log says so, once per guest (the failure is permanent).
    const refusals = refused.events.filter((event) => event.kind === 'hotplug' && event.detail.includes('refused'));
    expect(refusals.map((event) => event.guest)).toEqual(['hyperv', 'virtio-mem']);
    expect(refusals[0]!.detail).toMatch(/the host does not hot-add memory \(host\.hotplug: false\); the guest's growth failed for good/);
  });

  it('back-pressure.yaml: with back-pressure the host gives the distressed guest memory back; without, it thrashes', async () => {
    const on = await run('back-pressure.yaml');
    const off = await run('back-pressure.yaml', ['host.backPressure=false']);
    const app = (result: RunResult) => result.summary.guests[0]!;
    expect(on.summary.host.backPressure).toBe(true);
    expect(off.summary.host.backPressure).toBe(false);
    // Both guests said they were in distress; only one host listened.
    expect(app(on).distressEvents).toBeGreaterThan(0);
    expect(app(off).distressEvents).toBeGreaterThan(app(on).distressEvents);
    expect(app(on).backPressureBytes).toBeGreaterThan(100 * MiB);
    expect(app(off).backPressureBytes).toBe(0);
    expect(app(on).targetBytes).toBe(512 * MiB);
    expect(app(off).targetBytes).toBe(300 * MiB);
    // The difference: far fewer major faults and far less stall.
    expect(app(on).majorFaults * 10).toBeLessThan(app(off).majorFaults);
    expect(app(on).stallSeconds * 10).toBeLessThan(app(off).stallSeconds);
    const answer = on.events.find((event) => event.kind === 'backPressure');
    expect(answer).toMatchObject({ guest: 'app', detail: expect.stringMatching(/^in distress: target 300 MiB -> 512 MiB \(\+212 MiB\)$/) });
    expect(off.events.some((event) => event.kind === 'backPressure')).toBe(false);
    expect(off.events.some((event) => event.kind === 'distress')).toBe(true);
  });

  it('host-paging.yaml: the host pages guest memory out in the hard state; host swap faults and double paging show', async () => {
    const { summary, events } = await run('host-paging.yaml');
    const guest = (name: string) => summary.guests.find((g) => g.name === name)!;
    expect(summary.host.stateTicks.hard).toBeGreaterThan(60);
    expect(summary.host.swapOutPages * PAGE).toBeGreaterThan(256 * MiB);
    expect(summary.host.swapInPages).toBeGreaterThan(0);
    expect(summary.host.swapUsedBytes).toBeGreaterThan(64 * MiB);
    expect(summary.host.swapUsedBytes).toBeLessThanOrEqual(summary.host.swapBytes);
    expect(summary.host.pagingTicks).toBeGreaterThan(60);
    // web cannot balloon its used memory: the host pages it out, and it pays host swap faults.
    expect(guest('web').hostPagedOutPages).toBeGreaterThan(guest('db').hostPagedOutPages);
    expect(guest('web').hostSwapFaults).toBeGreaterThan(10_000);
    expect(guest('web').oomKills).toBe(0);
    // db swaps itself too: some of what it swaps out the host had paged out already.
    expect(guest('db').doublePagingPages).toBeGreaterThan(0);
    expect(guest('db').hostSwapFaults).toBeGreaterThan(guest('db').doublePagingPages);
    expect(events.some((event) => event.kind === 'hostPaging' && event.guest === 'web')).toBe(true);
  });

  it('admin-guard.yaml: the guard refuses the over-shrinks, naming guest, floor and asked size; the forced one hurts', async () => {
    const { summary, events } = await run('admin-guard.yaml');
    const guest = (name: string) => summary.guests.find((g) => g.name === name)!;
    expect(guest('web').guardRefusals).toBe(2);
    expect(guest('db').guardRefusals).toBe(1);
    const refusals = events.filter((event) => event.kind === 'guardRefusal').map((event) => event.detail);
    expect(refusals[0]).toMatch(/^refused to shrink web to 1 GiB: that is 1\.68 GiB below its floor of 2\.68 GiB \(working set plus kernel memory\); add force: true/);
    expect(refusals[2]).toMatch(/^refused to shrink db to 10% of maxMemory = 205 MiB: that is 155 MiB below its floor of 360 MiB \(Hyper-V floor\)/);
    expect(events.some((event) => event.kind === 'guardWarning' && event.detail.includes('looks like a size in KiB read as bytes'))).toBe(true);
    expect(events.find((event) => event.kind === 'dryRun')?.detail).toMatch(/the balloon would grow by 3 GiB .* take 1\.58 GiB beyond the guest's free memory/);
    expect(events.find((event) => event.kind === 'setTarget' && event.detail.includes('(forced)'))).toMatchObject({ timeMs: 300_000, guest: 'web' });
    // The damage: with its free memory in the balloon, the workload is pushed to swap and thrashes
    // (it grows again at 7m); the untouched guest does not.
    expect(guest('web').swapOutPages).toBeGreaterThan(0);
    expect(guest('web').majorFaults).toBeGreaterThan(0);
    expect(guest('web').stallSeconds).toBeGreaterThan(0);
    expect(guest('web').psi.someAvg60).toBeGreaterThan(0.5);
    expect(guest('db').majorFaults).toBe(0);
  });

  it('custom-policy.yaml: a policy module runs on the host whatever the placement', async () => {
    const inline = await run('custom-policy.yaml');
    const workers = await run('custom-policy.yaml', [], 'workers');
    expect(inline.summary.host.policy).toMatchObject({ name: 'keep-free', periodSeconds: 10 });
    expect(inline.summary.guests.map((g) => g.targetBytes)).not.toEqual(inline.summary.guests.map((g) => g.maxBytes));
    const { timing: _a, ...a } = inline.summary;
    const { timing: _b, ...b } = workers.summary;
    expect(b).toEqual(a);
  });

  it('custom-policy.yaml: free-running mode loads the policy module too (it once failed: "the module ... was not loaded")', () => {
    const done = runCli(['run', join(EXAMPLES, 'custom-policy.yaml'), '--mode', 'free', '--duration', '2m', '--json']);
    expect(done.code, done.stderr).toBe(0);
    const summary = JSON.parse(done.stdout) as RunResult['summary'];
    expect(summary.timing.mode).toBe('free');
    expect(summary.host.policy).toMatchObject({ name: 'keep-free', periodSeconds: 10 });
    expect(summary.audit.violations).toBe(0);
    // The module set targets below the guests' sizes, as it does in lockstep.
    expect(summary.guests.some((g) => g.targetBytes < g.maxBytes)).toBe(true);
  });
});
