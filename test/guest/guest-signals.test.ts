/**
 * What a guest tells the host besides the balloon protocol: virtio stats every
 * stats interval (all 16 tags, published in shared memory where the host
 * reads them), and distress (a message) when it is desperately short.
 */
import { describe, expect, it } from 'vitest';
import { VIRTIO_STAT_TAGS } from '../../src/messages/virtio-stats.js';
import { SignalSlot } from '../../src/messages/guest-signals.js';
import { simulate } from '../../src/runtime/simulate.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { runLockstep } from '../support/lockstep.js';

const MiB = 2 ** 20;
const PAGE = 4096;

describe('virtio stats', () => {
  it('are published for the host every stats interval, all 16 tags, memory in bytes and events as counts', async () => {
    const yaml = `
duration: 30s
tick: 1s
host: { memory: 3GiB }
guests:
  - name: g
    memory: 1GiB
    swap: 512MiB
    driver: { profile: virtio, statsInterval: 2s }
    workload: [ { kind: anon, size: 600MiB }, { kind: file, size: 100MiB } ]
events: [{ at: 10s, setTarget: { guest: g, memory: 512MiB, force: true } }]
`;
    const result = runLockstep(parseScenarioText(yaml, 'stats.yaml'), { auditEveryTicks: 10 });
    // As the host reads them: 15 reports (0, 2, ..., 28 s), none of them a message.
    const published = result.world.host.accounts[0]!.record.signals();
    expect(result.messageCounts.get('stats')).toBeUndefined();
    expect(published[SignalSlot.STATS_REPORTS]).toBe(15);
    expect(published[SignalSlot.STATS_AT_MS]).toBe(28_000);
    const report = result.reports[0]!;
    const { summary } = await simulate(parseScenarioText(yaml, 'stats.yaml'), { placement: 'inline' });
    const stats = summary.guests[0]!.stats;
    expect(Object.keys(stats)).toEqual([...VIRTIO_STAT_TAGS]);
    // The last report (t = 28 s) against the guest's totals at the end (t = 30 s): totals can only have grown since.
    expect(stats.SWAP_OUT).toBeGreaterThan(0);
    expect(stats.SWAP_OUT % PAGE).toBe(0);
    expect(stats.SWAP_OUT).toBeLessThanOrEqual(report.swapOutPages * PAGE);
    expect(stats.MINFLT).toBeLessThanOrEqual(report.minorFaults);
    expect(stats.MINFLT).toBeGreaterThan((600 * MiB) / PAGE - 1);
    // Without deflate-on-OOM the balloon's pages leave MemTotal.
    expect(stats.MEMTOT).toBe(512 * MiB);
    expect(stats.CACHES).toBeGreaterThan(0);
    expect(stats.AVAIL).toBeGreaterThan(0);
    expect(stats.MEMFREE).toBeLessThan(stats.MEMTOT);
    expect(stats.HTLB_PGALLOC).toBe(0);
    expect(stats.HTLB_PGFAIL).toBe(0);
    expect(stats.ASYNC_RECLAIM + stats.DIRECT_RECLAIM).toBeGreaterThan(0);
    expect(stats.ASYNC_SCAN + stats.DIRECT_SCAN).toBeGreaterThanOrEqual(stats.ASYNC_RECLAIM + stats.DIRECT_RECLAIM);
  });

  it('read as -1 when the guest never sends them (statsInterval: 0s); with deflate-on-OOM the balloon stays in MemTotal', async () => {
    const { summary } = await simulate(
      parseScenarioText(
        `
duration: 5s
host: { memory: 3GiB }
guests:
  - { name: off, memory: 1GiB, driver: { profile: virtio, statsInterval: 0s } }
  - { name: oom, memory: 1GiB, driver: { profile: virtio, deflateOnOom: true } }
events: [{ at: 0s, setTarget: { guest: oom, memory: 512MiB, force: true } }]
`,
        'stats-off.yaml',
      ),
      { placement: 'inline' },
    );
    const [off, oom] = summary.guests;
    expect(Object.values(off!.stats).every((value) => value === -1)).toBe(true);
    expect(oom!.stats.MEMTOT).toBe(1024 * MiB);
  });
});

describe('distress', () => {
  it('goes to the host, at most once a second, when a guest thrashes or meets the OOM path; the host logs it', () => {
    const yaml = `
duration: 40s
tick: 500ms
host: { memory: 3GiB }
guests:
  - { name: thrash, memory: 1GiB, swap: 1GiB, workload: [ { kind: anon, size: 600MiB } ] }
  - { name: oom, memory: 1GiB, workload: [ { kind: anon, size: 600MiB } ] }
  - { name: calm, memory: 1GiB, workload: [ { kind: anon, size: 300MiB } ] }
events:
  - { at: 5s, setTarget: { guest: thrash, memory: 256MiB, force: true } }
  - { at: 5s, setTarget: { guest: oom, memory: 256MiB, force: true } }
  - { at: 5s, setTarget: { guest: calm, memory: 512MiB, force: true } }
`;
    const times: number[][] = [[], [], []];
    const result = runLockstep(parseScenarioText(yaml, 'distress.yaml'), {
      auditEveryTicks: 20,
      onTick: (_tick, endMs, world) => {
        world.outboxes.forEach((outbox, index) => {
          for (const message of outbox) if (message.type === 'distress') times[index]!.push(endMs);
        });
      },
    });
    // Heard by each guest's device side; the manager notes the reason.
    const [thrash, oom, calm] = result.world.host.accounts.map((account) => ({ ...account.device, lastDistressReason: account.record.lastDistressReason }));
    expect(thrash!.distressMessages).toBeGreaterThan(10);
    expect(thrash!.lastDistressReason).toBe('stall');
    expect(oom!.distressMessages).toBeGreaterThan(0);
    expect(oom!.lastDistressReason).toBe('oom');
    expect(result.reports[1]!.oomKills).toBeGreaterThan(0);
    expect(calm!.distressMessages).toBe(0);
    for (const list of times) for (let i = 1; i < list.length; i++) expect(list[i]! - list[i - 1]!).toBeGreaterThanOrEqual(1000);
    const logged = result.world.host.log.filter((event) => event.kind === 'distress');
    expect(logged.length).toBe(thrash!.distressMessages + oom!.distressMessages);
    expect(logged.some((event) => event.guest === 'oom' && event.detail.startsWith('oom'))).toBe(true);
    expect(result.reports[0]!.distressSent).toBe(thrash!.distressMessages);
  });
});
