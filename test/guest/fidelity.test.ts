/**
 * The guest model against what a real Linux guest did under virtio-balloon
 * (REFERENCE.md, "Measured on a real Linux guest"): the same shapes, not the
 * same decimals. Each scenario is a 1 GiB virtio guest, as measured.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/runtime/simulate.js';
import type { GuestSample, Sample } from '../../src/runtime/sample.js';
import type { GuestSummary } from '../../src/runtime/summary.js';
import { parseScenarioText } from '../../src/scenario/load.js';

const MiB = 2 ** 20;
const PAGE = 4096;

interface Run {
  guest: GuestSummary;
  /** The guest's samples, one per tick, with their times in seconds. */
  series: Array<GuestSample & { t: number }>;
  violations: number;
}

async function run(yaml: string): Promise<Run> {
  const scenario = parseScenarioText(yaml, 'fidelity.yaml');
  const series: Run['series'] = [];
  const { summary } = await simulate(scenario, {
    placement: 'inline',
    auditEveryTicks: 5,
    sampleEveryTicks: 1,
    onSample: (sample: Sample) => series.push({ ...sample.guests[0]!, t: sample.timeMs / 1000 }),
  });
  return { guest: summary.guests[0]!, series, violations: summary.audit.violations };
}

const mib = (pages: number): number => (pages * PAGE) / MiB;
const at = (r: Run, t: number): GuestSample => r.series.find((s) => s.t >= t - 1e-9)!;
/** First sample time at or after `from` when `test` holds. */
const firstTime = (r: Run, from: number, test: (s: GuestSample) => boolean): number => r.series.find((s) => s.t >= from && test(s))?.t ?? Number.POSITIVE_INFINITY;

function guest1GiB(workload: string, extra = ''): string {
  return `
host: { memory: 2GiB, backPressure: false } # QEMU does not listen to a guest's distress
guests:
  - name: g
    memory: 1GiB
${extra}
    workload: ${workload}
`;
}

describe('an idle guest (1 GiB, virtio)', () => {
  it('goes 1024 -> 384 MiB in about 3 s and back in under 1 s', async () => {
    const r = await run(`duration: 12s\ntick: 100ms\n${guest1GiB('[]')}\nevents:\n  - { at: 1s, setTarget: { guest: g, memory: 384MiB, force: true } }\n  - { at: 7s, setTarget: { guest: g, memory: 1GiB, force: true } }\n`);
    const down = firstTime(r, 1, (s) => mib(s.balloonPages) >= 640) - 1;
    const up = firstTime(r, 7, (s) => s.balloonPages === 0) - 7;
    expect(down).toBeGreaterThan(2);
    expect(down).toBeLessThan(4);
    expect(up).toBeLessThan(1);
    expect(r.guest.driver.inflateToTargetMs).toBeGreaterThan(2000);
    expect(r.guest.driver.deflateToTargetMs).toBeLessThan(1000);
    expect(r.violations).toBe(0);
  });
});

describe('a 600 MiB all-hot workload, target 256 MiB', () => {
  it('without swap: the balloon takes the free memory, runs out of puff, the next allocation OOM-kills the workload, then the balloon reaches the target', async () => {
    const r = await run(`duration: 30s\n${guest1GiB('[{ kind: anon, size: 600MiB }]')}\nevents: [{ at: 10s, setTarget: { guest: g, memory: 256MiB, force: true } }]\n`);
    const killedAt = firstTime(r, 0, (s) => s.oomKillsTotal > 0);
    // Before the kill the balloon had taken the free memory down to the kernel's free reserve (about 48 MiB of a 1 GiB guest with THP), and no more.
    const before = at(r, killedAt - 1);
    expect(mib(before.anonPages)).toBe(600);
    expect(mib(before.freePages)).toBeGreaterThan(44);
    expect(mib(before.freePages)).toBeLessThan(56);
    expect(mib(before.balloonPages)).toBeGreaterThan(250);
    expect(r.guest.driver.outOfPuff).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(15);
    expect(firstTime(r, killedAt, (s) => mib(s.balloonPages) >= 768)).toBeLessThan(killedAt + 3);
    expect(r.guest.swapOutPages).toBe(0);
    expect(r.violations).toBe(0);
  });

  it('with swap: the balloon pushes the workload to swap and reaches 256 MiB in about 10 s; the workload thrashes until deflated, then faults back in', async () => {
    const r = await run(`duration: 60s\n${guest1GiB('[{ kind: anon, size: 600MiB }]', '    swap: 1GiB')}\nevents:\n  - { at: 10s, setTarget: { guest: g, memory: 256MiB, force: true } }\n  - { at: 40s, setTarget: { guest: g, memory: 1GiB, force: true } }\n`);
    const reached = firstTime(r, 10, (s) => mib(s.balloonPages) >= 768) - 10;
    expect(reached).toBeGreaterThan(3);
    expect(reached).toBeLessThan(16);
    // Thrashing: swap-in and swap-out both keep going, every second, while ballooned.
    for (let t = 25; t < 40; t += 3) {
      expect(at(r, t + 3).swapInTotal).toBeGreaterThan(at(r, t).swapInTotal);
      expect(at(r, t + 3).swapOutTotal).toBeGreaterThan(at(r, t).swapOutTotal);
    }
    expect(at(r, 40).psiFullAvg10).toBeGreaterThan(0.5);
    expect(r.guest.oomKills).toBe(0);
    // Deflated, the workload faults its pages back in; swap-out stops.
    const end = at(r, 60);
    expect(end.swapOutTotal).toBe(at(r, 42).swapOutTotal);
    expect(mib(end.anonPages)).toBeGreaterThan(500);
    expect(r.violations).toBe(0);
  });
});

describe('a 600 MiB workload with a 30 % hot part, swap on, target 512 MiB', () => {
  it('a short transient (swap-in while the balloon still inflates, a few thousand major faults), then swap-in stops: the hot part resident, the cold rest in swap', async () => {
    const r = await run(`duration: 60s\ntick: 100ms\n${guest1GiB('[{ kind: anon, size: 600MiB, hot: 30%, skew: 1 }]', '    swap: 1GiB')}\nevents: [{ at: 10s, setTarget: { guest: g, memory: 512MiB, force: true } }]\n`);
    const reached = firstTime(r, 10, (s) => mib(s.balloonPages) >= 511);
    expect(reached).toBeLessThan(20);
    // Reclaim is not an oracle of hotness: hot pages went out and came back while the balloon was inflating.
    expect(at(r, reached).swapInTotal).toBeGreaterThan(0);
    expect(r.guest.majorFaults).toBeGreaterThan(500);
    expect(r.guest.majorFaults).toBeLessThan(20_000);
    // Then it settles: no more swap-in, the hot part resident.
    expect(at(r, 60).swapInTotal).toBe(at(r, 30).swapInTotal);
    expect(at(r, 60).swapPages).toBeGreaterThan(0);
    const component = r.guest.components[0]!;
    expect(component.hotResidentBytes).toBe(component.hotBytes);
    expect(component.outBytes).toBeGreaterThan(50 * MiB);
    expect(r.violations).toBe(0);
  });

  it('without the two lists (everything judged from one oracle of hotness) none of that would happen: the swap-out exceeds what the balloon needed', async () => {
    const r = await run(`duration: 40s\ntick: 100ms\n${guest1GiB('[{ kind: anon, size: 600MiB, hot: 30%, skew: 1 }]', '    swap: 1GiB')}\nevents: [{ at: 10s, setTarget: { guest: g, memory: 512MiB, force: true } }]\n`);
    // What the balloon needed from the workload: its size less what the guest can hold above the kernel and the free reserve.
    const needed = 600 - (512 - mib(at(r, 40).kernelPages) - mib(at(r, 40).freePages));
    expect(mib(r.guest.swapOutPages)).toBeGreaterThan(1.2 * needed);
  });
});

describe('page cache: a file read in a loop keeps about 400 MiB cached', () => {
  it('ballooning drops cache (no swap, no OOM) and makes reads refault; after deflating the cache refills in seconds', async () => {
    const r = await run(`duration: 50s\n${guest1GiB('[{ kind: anon, size: 200MiB, hot: 50% }, { kind: file, size: 400MiB }]')}\nevents:\n  - { at: 10s, setTarget: { guest: g, memory: 384MiB, force: true } }\n  - { at: 30s, setTarget: { guest: g, memory: 1GiB, force: true } }\n`);
    expect(mib(at(r, 10).cachePages)).toBe(400);
    expect(mib(at(r, 25).cachePages)).toBeLessThan(200);
    expect(r.guest.swapOutPages).toBe(0);
    expect(r.guest.oomKills).toBe(0);
    expect(r.guest.refaults).toBeGreaterThan(100_000);
    // Each second while ballooned, reads refault: stall, where there was none before.
    expect(at(r, 25).stallSecondsTotal - at(r, 20).stallSecondsTotal).toBeGreaterThan(4);
    expect(at(r, 10).stallSecondsTotal).toBe(0);
    const refilled = firstTime(r, 30, (s) => mib(s.cachePages) >= 399) - 30;
    expect(refilled).toBeLessThan(15);
    expect(r.violations).toBe(0);
  });
});

describe('inflate mode `reclaim` below the used memory', () => {
  it('sends cold pages to swap while the hot ones stay resident', async () => {
    // The cold part was last touched when it was made, more than a minute before the target: cold.
    const r = await run(`duration: 100s\n${guest1GiB('[{ kind: anon, size: 700MiB, hot: 20% }]', '    swap: 1GiB\n    driver: { profile: virtio, inflateMode: reclaim }')}\nevents: [{ at: 65s, setTarget: { guest: g, memory: 400MiB, force: true } }]\n`);
    const g = r.guest;
    expect(g.balloonBytes).toBe(624 * MiB);
    expect(g.driver.coldReclaimedPages).toBeGreaterThan(0);
    expect(g.swapOutPages).toBeGreaterThan(0);
    const component = g.components[0]!;
    expect(component.hotResidentBytes).toBe(component.hotBytes);
    expect(g.majorFaults).toBe(0);
    expect(r.violations).toBe(0);
  });
});

describe('a process the OOM killer killed', () => {
  const scenario = (restart: string): string =>
    `duration: 90s\n${guest1GiB(`[{ kind: anon, size: 600MiB${restart} }]`)}\nevents: [{ at: 10s, setTarget: { guest: g, memory: 256MiB, force: true } }]\n`;

  it('stays dead by default: its memory is freed at once and it never comes back', async () => {
    const r = await run(scenario(''));
    const killedAt = firstTime(r, 0, (s) => s.oomKillsTotal > 0);
    expect(killedAt).toBeLessThan(20);
    expect(mib(at(r, killedAt).anonPages)).toBe(0);
    expect(mib(at(r, 90).anonPages)).toBe(0);
    expect(r.guest.oomKills).toBe(1);
    expect(r.guest.components[0]!.kills).toBe(1);
  });

  it('comes back empty after the delay of `restart`, grows, and is killed again', async () => {
    const r = await run(scenario(', restart: 30s'));
    const killedAt = firstTime(r, 0, (s) => s.oomKillsTotal > 0);
    const againAt = firstTime(r, killedAt, (s) => s.oomKillsTotal > 1);
    expect(againAt - killedAt).toBeGreaterThanOrEqual(30);
    expect(againAt - killedAt).toBeLessThanOrEqual(31);
    expect(r.guest.oomKills).toBe(3);
  });
});

describe('fault accounting of a file read in a loop while ballooned (no swap)', () => {
  const scenario = (access: string): string =>
    `duration: 40s\n${guest1GiB(`[{ kind: file, size: 400MiB, skew: 1${access} }]`)}\nevents: [{ at: 5s, setTarget: { guest: g, memory: 384MiB, force: true } }]\n`;

  it('read(): misses are file refaults, never major faults (the virtio MAJFLT stat stays 0)', async () => {
    const r = await run(scenario(', access: read'));
    expect(r.guest.refaults).toBeGreaterThan(50_000);
    expect(r.guest.majorFaults).toBe(0);
    expect(r.guest.stats.MAJFLT).toBe(0);
  });

  it('mmap in order: readahead covers most misses, far fewer major faults than refaults; mmap at random: every refault is a major fault', async () => {
    const inOrder = await run(scenario(', access: mmap'));
    expect(inOrder.guest.refaults).toBeGreaterThan(50_000);
    expect(inOrder.guest.majorFaults).toBeGreaterThan(0);
    expect(inOrder.guest.majorFaults).toBeLessThan(inOrder.guest.refaults / 50);
    const random = await run(scenario(', access: mmap, order: random'));
    expect(random.guest.majorFaults).toBe(random.guest.refaults);
    expect(random.guest.stats.MAJFLT).toBeGreaterThan(0);
  });
});
