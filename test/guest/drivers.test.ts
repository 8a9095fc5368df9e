/**
 * The driver profiles of REFERENCE.md, side by side: how fast each reaches the
 * same target, and the behaviours that set them apart (2 MiB pages and host
 * refusals for VMware, back-off kinds, VMware's rate adaptation, the Hyper-V
 * floor, Hyper-V's quiet start for pressure reports).
 */
import { describe, expect, it } from 'vitest';
import { SignalSlot } from '../../src/messages/guest-signals.js';
import { simulate } from '../../src/runtime/simulate.js';
import type { Sample } from '../../src/runtime/sample.js';
import type { RunSummary } from '../../src/runtime/summary.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { runLockstep } from '../support/lockstep.js';

const MiB = 2 ** 20;
const PROFILES = ['virtio', 'vmware', 'xen', 'hyperv'] as const;

async function summarize(yaml: string, onSample?: (sample: Sample) => void): Promise<RunSummary> {
  const { summary } = await simulate(parseScenarioText(yaml, 'drivers.yaml'), { placement: 'inline', auditEveryTicks: 50, sampleEveryTicks: 1, ...(onSample ? { onSample } : {}) });
  expect(summary.audit.violations).toBe(0);
  return summary;
}

function eachProfile(guest: (profile: string) => string): string {
  return PROFILES.map((profile) => guest(profile)).join('\n');
}

function byName(summary: RunSummary, name: string) {
  const guest = summary.guests.find((g) => g.name === name);
  if (guest === undefined) throw new Error(`no guest ${name}`);
  return guest;
}

describe('driver profiles on the same workload and targets', () => {
  it('reach the same target at different speeds: Hyper-V and Xen fastest, then VMware with 2 MiB pages, then virtio; VMware deflates slowest', async () => {
    const summary = await summarize(`
duration: 60s
tick: 100ms
host: { memory: 8.5GiB }
guests:
${eachProfile((p) => `  - { name: ${p}, memory: 2GiB, driver: ${p}, workload: [ { kind: anon, size: 200MiB } ] }`)}
events:
${eachProfile((p) => `  - { at: 2s, setTarget: { guest: ${p}, memory: 512MiB, force: true } }\n  - { at: 20s, setTarget: { guest: ${p}, memory: 2GiB, force: true } }`)}
`);
    const inflate = Object.fromEntries(PROFILES.map((p) => [p, byName(summary, p).driver.inflateToTargetMs]));
    const deflate = Object.fromEntries(PROFILES.map((p) => [p, byName(summary, p).driver.deflateToTargetMs]));
    for (const p of PROFILES) expect(inflate[p]).toBeGreaterThan(0);
    expect(inflate.hyperv).toBeLessThan(inflate.xen!);
    expect(inflate.xen).toBeLessThan(inflate.vmware!);
    expect(inflate.vmware).toBeLessThan(inflate.virtio!);
    // virtio: 1.5 GiB at 1 MiB per 4.5 ms round trip.
    expect(inflate.virtio).toBeGreaterThan(6000);
    expect(inflate.virtio).toBeLessThan(7500);
    // VMware deflates at most 16384 pages per 1 s cycle: 1.5 GiB takes 24 s.
    expect(deflate.vmware).toBeGreaterThan(23_000);
    expect(deflate.virtio).toBeLessThan(2000);
    expect(byName(summary, 'vmware').driver.largePages).toBeGreaterThan(0);
    expect(byName(summary, 'hyperv').driver.largePages).toBeGreaterThan(0);
    expect(byName(summary, 'virtio').driver.largePages).toBe(0);
    expect(byName(summary, 'xen').driver.largePages).toBe(0);
  });
});

describe('VMware', () => {
  it('falls back to single pages, has some refused by the host (and keeps them), and adapts its rate after failures', async () => {
    const perSecond: number[] = [];
    let last = 0;
    const summary = await summarize(
      `
duration: 60s
tick: 1s
host: { memory: 6GiB }
guests:
  - { name: g, memory: 2GiB, driver: vmware, workload: [ { kind: anon, size: 256MiB }, { kind: file, size: 1.5GiB, hot: 10% } ] }
events: [{ at: 15s, setTarget: { guest: g, memory: 512MiB, force: true } }]
`,
      (sample) => {
        perSecond.push(sample.guests[0]!.balloonPages - last);
        last = sample.guests[0]!.balloonPages;
      },
    );
    const g = summary.guests[0]!;
    expect(g.driver.largePages).toBeGreaterThan(0);
    expect(g.driver.refusedFrames).toBeGreaterThan(0);
    expect(g.driver.outOfPuff).toBeGreaterThan(0);
    // Once it has failed, sleeping allocations go at most 2048 pages a cycle.
    const slow = perSecond.slice(25);
    // Four slow cycles after each failure, then non-sleeping allocations again until the next failure (kswapd frees memory in passes).
    expect(slow.filter((pages) => pages <= 2048).length).toBeGreaterThan(slow.length * 0.6);
    expect(slow.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});

describe('back-off after an inflate that found no page', () => {
  it('virtio retries every 200 ms; Xen waits 1 s, doubling to 32 s', async () => {
    const summary = await summarize(`
duration: 64s
tick: 100ms
host: { memory: 4GiB }
guests:
  - { name: virtio, memory: 1GiB, driver: { profile: virtio, inflateMode: free-only }, workload: [ { kind: anon, size: 800MiB } ] }
  - { name: xen, memory: 1GiB, driver: { profile: xen, inflateMode: free-only }, workload: [ { kind: anon, size: 800MiB } ] }
events:
  - { at: 1s, setTarget: { guest: virtio, memory: 256MiB, force: true } }
  - { at: 1s, setTarget: { guest: xen, memory: 256MiB, force: true } }
`);
    // virtio: a try every 200 ms plus the tick it takes: about 3 a second.
    expect(byName(summary, 'virtio').driver.outOfPuff).toBeGreaterThan(150);
    // Xen: 1 + 2 + 4 + 8 + 16 + 32 s of waiting fit in about 63 s: 6 or 7 failures.
    const xen = byName(summary, 'xen').driver.outOfPuff;
    expect(xen).toBeGreaterThanOrEqual(5);
    expect(xen).toBeLessThanOrEqual(7);
    for (const g of summary.guests) expect(g.oomKills).toBe(0);
  });
});

describe('Hyper-V', () => {
  it('never balloons available memory below its floor, where virtio over-shrinks the same guest into the OOM killer', async () => {
    const summary = await summarize(`
duration: 40s
tick: 1s
host: { memory: 4GiB }
guests:
  - { name: hyperv, memory: 1GiB, driver: hyperv, workload: [ { kind: anon, size: 600MiB } ] }
  - { name: virtio, memory: 1GiB, driver: virtio, workload: [ { kind: anon, size: 600MiB } ] }
events:
  - { at: 5s, setTarget: { guest: hyperv, memory: 128MiB, force: true } }
  - { at: 5s, setTarget: { guest: virtio, memory: 128MiB, force: true } }
`);
    const hyperv = byName(summary, 'hyperv');
    expect(hyperv.oomKills).toBe(0);
    expect(hyperv.driver.floorHeldPages).toBeGreaterThan(0);
    expect(hyperv.actualBytes).toBeGreaterThan(600 * MiB);
    // The floor of what is left: total = actual size; below 2 GiB, 104 MiB + total / 8.
    const floor = 104 * MiB + hyperv.actualBytes / 8;
    expect(hyperv.availableBytes).toBeGreaterThanOrEqual(floor - 2 * MiB);
    expect(byName(summary, 'virtio').oomKills).toBeGreaterThan(0);
  });

  it('publishes pressure reports every second after skipping the first 45 s; the other profiles from the start', () => {
    const yaml = `
duration: 60s
tick: 1s
host: { memory: 4GiB }
guests:
  - { name: hyperv, memory: 1GiB, driver: hyperv }
  - { name: virtio, memory: 1GiB, driver: virtio }
`;
    const reports = [0, 0];
    const result = runLockstep(parseScenarioText(yaml, 'pressure.yaml'), {
      auditEveryTicks: 20,
      onTick: (tick, _endMs, world) => {
        // What the guests published this tick, as the host reads it.
        const published = world.host.accounts.map((account) => account.record.signals()[SignalSlot.PRESSURE_REPORTS]!);
        expect(published[0]! - reports[0]!).toBe(tick >= 45 ? 1 : 0);
        expect(published[1]! - reports[1]!).toBe(1);
        reports.splice(0, 2, ...published);
        // Only protocol actions are messages.
        for (const outbox of world.outboxes) expect(outbox.filter((m) => (m.type as string) === 'pressure')).toEqual([]);
      },
    });
    const hyperv = result.world.host.accounts[0]!.record.signals();
    expect(hyperv[SignalSlot.PRESSURE_AT_MS]).toBe(59_000);
    expect(hyperv[SignalSlot.PRESSURE_REPORTS]).toBe(15);
    const virtio = result.world.host.accounts[1]!.record.signals();
    expect(virtio[SignalSlot.FLOOR_PAGES]).toBeGreaterThan(0);
    expect(virtio[SignalSlot.COMMITTED_PAGES]).toBeGreaterThan(virtio[SignalSlot.FLOOR_PAGES]!);
  });
});

describe('a batch of 1 frame', () => {
  it('keeps an honest guest within what the host reads in a tick: every release and request heard, a clean audit', async () => {
    // Xen at 512 pages per 2 ms: with batch 1, inflating toward 1.6 GiB sent 256,000 releases in a 1 s tick, past the
    // 65,536 messages the host reads; the host dropped the rest unread and the balloon's accounting broke.
    const summary = await summarize(`
duration: 20s
host: { memory: 8GiB }
guests:
  - { name: g, memory: 2GiB, driver: { profile: xen, batch: 1 }, workload: [ { kind: anon, size: 256MiB } ] }
events:
  - { at: 5s, setTarget: { guest: g, memory: 20%, force: true } }
  - { at: 10s, setTarget: { guest: g, memory: 100% } }
`);
    const g = byName(summary, 'g');
    expect(summary.host.protocolViolations).toBe(0);
    expect(g.protocolViolations).toBe(0);
    // Five ticks of 32,768 one-frame releases, then as many requests to give them back.
    expect(g.driver.releaseMessages).toBe(5 * 32_768);
    expect(g.driver.requestMessages).toBe(5 * 32_768);
    expect(g.balloonBytes).toBe(0);
  });
});
