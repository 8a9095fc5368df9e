/**
 * Growth past the boot size: (a) a reserved range held by the balloon that a
 * raised target deflates into; (b) hotplug sections and virtio-mem blocks
 * that the host plugs when the target rises above the guest's memory, with
 * their online delays, the host's busy answers (the guest asks again after
 * its back-off) and permanent failures, and virtio-mem unplug, which gives
 * back free memory only.
 */
import { describe, expect, it } from 'vitest';
import { InlineHost } from '../support/inline-host.js';
import { simulate } from '../../src/runtime/simulate.js';
import type { GuestSummary } from '../../src/runtime/summary.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { expectCleanRun } from '../support/clean-run.js';
import { runLockstep } from '../support/lockstep.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

async function run(yaml: string): Promise<{ guest: GuestSummary; events: ReadonlyArray<{ timeMs: number; kind: string; guest?: string; detail: string }> }> {
  const { summary, events } = await simulate(parseScenarioText(yaml, 'growth.yaml'), { placement: 'inline' });
  expectCleanRun(summary);
  return { guest: summary.guests[0]!, events };
}

describe('growth by a reserved range', () => {
  const yaml = (events: string) => `
duration: 60s
host: { memory: 1GiB }
guests:
  - name: g
    memory: 256MiB
    maxMemory: 512MiB            # 256 MiB reserved above boot, held by the balloon
    workload: [ { kind: anon, size: { steps: [[0s, 100MiB], [20s, 400MiB]] } } ]
events: ${events}
`;

  it('boots with the room in the balloon; a raised target deflates into it and the workload fits', async () => {
    const grown = await run(yaml('[{ at: 10s, hotplug: { guest: g, memory: 256MiB } }]'));
    expect(grown.guest.bootBytes).toBe(256 * MiB);
    expect(grown.guest.peakBalloonBytes).toBe(256 * MiB);
    expect(grown.guest.balloonBytes).toBe(0);
    expect(grown.guest.actualBytes).toBe(512 * MiB);
    expect(grown.guest.oomKills).toBe(0);
    expect(grown.guest.hotplugBytes).toBe(0); // nothing plugged: the memory was there all along
    expect(grown.guest.growth.kind).toBe('reserved');
    expect(grown.events.find((event) => event.kind === 'hotplug')?.detail).toBe('asked to grow by 256 MiB: target 256 MiB -> 512 MiB (its reserved range deflates)');
    // The same with setTarget, and without growth the workload does not fit.
    const set = await run(yaml('[{ at: 10s, setTarget: { guest: g, memory: 512MiB } }]'));
    expect(set.guest.actualBytes).toBe(512 * MiB);
    expect(set.guest.oomKills).toBe(0);
    const kept = await run(yaml('[]').replace('host: { memory: 1GiB }', 'host: { memory: 1GiB, backPressure: false }'));
    expect(kept.guest.actualBytes).toBe(256 * MiB);
    expect(kept.guest.oomKills).toBeGreaterThan(0);
  });
});

describe('growth by hotplug', () => {
  it('plugs a section at a time, each online after its delay; the pages come online free, without frames', () => {
    const s = parseScenarioText(
      `
duration: 20s
host: { memory: 1GiB }
guests:
  - name: g
    memory: 128MiB
    maxMemory: 192MiB
    growth: { kind: hotplug, block: 16MiB, onlineDelay: 24s }   # 3 s per 16 MiB section
events: [{ at: 1s, hotplug: { guest: g, memory: 64MiB } }]
`,
      'hotplug.yaml',
    );
    const memory: number[] = [];
    const result = runLockstep(s, {
      onTick: (_tick, _endMs, world) => {
        const counters = world.shared[0]!.counters;
        memory.push((world.host.accounts[0]!.pages - counters[0]!) / 256);
      },
    });
    expect(result.audit.violations).toBe(0);
    // Asked in the tick at 1 s, answered then, online 3 s after the guest read the answer (at 2 s), in the tick from 4 to 5 s;
    // the next is asked in that tick.
    expect(memory.slice(0, 14)).toEqual([128, 128, 128, 128, 144, 144, 144, 160, 160, 160, 176, 176, 176, 192]);
    expect(result.reports[0]!.growth).toMatchObject({ kind: 'hotplug', requests: 4, pluggedPages: 64 * 256, onlinePages: 64 * 256, busyReplies: 0, failed: false });
    expect(result.reports[0]!.pageStates['freeUnbacked']).toBeGreaterThanOrEqual(64 * 256);
    expect(result.reports[0]!.pageStates['unpopulated']).toBe(0);
  });

  it('asks again after its back-off when the host is busy (hard state), and grows once the host has memory again', async () => {
    const { guest: g, events } = await run(`
duration: 40s
host:
  memory: 1GiB
  reserved: 900MiB                 # the host starts short: free memory below the hard threshold
  freeMemoryStates: { high: 30%, soft: 25%, hard: 25%, low: 1% }
guests:
  - name: g
    memory: 64MiB
    maxMemory: 128MiB
    growth: { kind: hotplug, block: 64MiB, onlineDelay: 1s }
events:
  - { at: 1s, hotplug: { guest: g, memory: 64MiB } }
  - { at: 8s, setReserved: 256MiB }  # the hypervisor gives memory back
`);
    const answers = events.filter((event) => event.kind === 'hotplug' && event.detail.startsWith('plug '));
    // Busy at 1 s (the guest reads it at 2 s); asked again 5 s later (still busy), then 10 s after that: plugged.
    expect(answers.map((event) => [event.timeMs, event.detail.split(':')[0]])).toEqual([
      [1000, 'plug of 64 MiB answered busy'],
      [7000, 'plug of 64 MiB answered busy'],
    ]);
    expect(events.find((event) => event.kind === 'hotplug' && event.detail.startsWith('plugged'))?.timeMs).toBe(18_000);
    expect(g.growth).toMatchObject({ busy: 2, failed: 0, requests: 3, onlineBytes: 64 * MiB });
    expect(g.actualBytes).toBe(128 * MiB);
  });

  it('stops asking after a permanent failure', async () => {
    const { guest: g, events } = await run(`
duration: 30s
host: { memory: 1GiB, hotplug: false }
guests:
  - name: g
    memory: 64MiB
    maxMemory: 256MiB
    growth: hotplug
events: [{ at: 1s, hotplug: { guest: g, memory: 192MiB } }]
`);
    expect(g.growth).toMatchObject({ requests: 1, failed: 1, onlineBytes: 0 });
    expect(g.hotplugBytes).toBe(0);
    expect(events.filter((event) => event.kind === 'hotplug' && event.detail.includes('refused'))).toHaveLength(1);
  });

  it('virtio-mem: plugs what the target asks at once, and unplugs only what is free', async () => {
    const yaml = (workload: string) => `
duration: 30s
host: { memory: 1GiB }
guests:
  - name: g
    memory: 128MiB
    maxMemory: 384MiB
    growth: virtio-mem
    workload: [ { kind: anon, size: ${workload} } ]
events:
  - { at: 1s, hotplug: { guest: g, memory: 256MiB } }
  - { at: 20s, setTarget: { guest: g, memory: 128MiB, force: true } }
`;
    // The workload shrinks before the unplug: all plugged memory goes back.
    const free = await run(yaml('{ steps: [[0s, 64MiB], [5s, 300MiB], [15s, 64MiB]] }'));
    expect(free.guest.hotplugBytes).toBe(256 * MiB);
    expect(free.guest.growth.unpluggedBytes).toBe(256 * MiB);
    expect(free.guest.growth.unplugHeldBytes).toBe(0);
    expect(free.guest.actualBytes).toBe(128 * MiB);
    // The workload holds it: the free part goes back, the rest stays plugged.
    const held = await run(yaml('{ steps: [[0s, 64MiB], [5s, 300MiB]] }'));
    expect(held.guest.growth.unplugHeldBytes).toBeGreaterThan(150 * MiB);
    expect(held.guest.actualBytes).toBeGreaterThan(300 * MiB);
    expect(held.guest.actualBytes).toBe(384 * MiB - held.guest.growth.unpluggedBytes);
    expect(held.guest.oomKills).toBe(0);
  });

  it('virtio-mem unplugs only blocks that are entirely free: with the workload holding its memory nothing goes back, although over 100 MiB are free in scattered pages', async () => {
    const { guest: g } = await run(`
duration: 40s
host: { memory: 2GiB }
guests:
  - name: g
    memory: 1GiB
    maxMemory: 1.5GiB
    growth: virtio-mem
    workload: [ { kind: anon, size: { steps: [[0s, 100MiB], [5s, 1.2GiB]] }, hot: 30% } ]
events:
  - { at: 1s, hotplug: { guest: g, memory: 512MiB } }
  - { at: 20s, setTarget: { guest: g, memory: 1GiB, force: true } }
`);
    expect(g.hotplugBytes).toBe(512 * MiB);
    expect(g.freeBytes).toBeGreaterThan(100 * MiB);
    expect(g.growth.unpluggedBytes).toBe(0);
    expect(g.growth.unplugHeldBytes).toBe(512 * MiB);
    expect(g.actualBytes).toBe(1536 * MiB);
  });
});

describe('the host and plug requests', () => {
  function host(growth: 'reserved' | 'virtio-mem' = 'virtio-mem'): InlineHost {
    const h = new InlineHost(
      scenario({
        host: { memoryBytes: 256 * MiB, reservedBytes: 0, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
        guests: [guest('g', { memoryBytes: 32 * MiB, maxMemoryBytes: 64 * MiB, ...(growth !== 'reserved' ? { growth: { kind: growth, blockBytes: 2 * MiB, onlineDelayMs: 0 } } : {}) })],
      }),
    );
    h.boot();
    h.beginTick(0);
    h.takeInboxes();
    return h;
  }

  it('plugs up to the guest’s room and counts it as the guest’s memory', () => {
    const h = host();
    h.handleOutbox(0, [{ type: 'plug', id: 1, pages: 4096 }]);
    expect(h.takeInboxes()[0]).toEqual([{ type: 'plugReply', id: 1, pages: 4096, status: 'ok' }]);
    expect(h.accounts[0]!.device).toMatchObject({ memoryPages: 12_288, hotplugPages: 4096, protocolViolations: 0 });
  });

  it('refuses a plug beyond the room, a plug from a guest without hotplug room, and an unplug of more than was plugged', () => {
    const h = host();
    h.handleOutbox(0, [{ type: 'plug', id: 1, pages: 8193 }]);
    expect(h.takeInboxes()[0]).toEqual([{ type: 'plugReply', id: 1, pages: 0, status: 'failed' }]);
    h.handleOutbox(0, [{ type: 'unplug', id: 2, frames: new Int32Array(0), unbackedPages: 1 }]);
    expect(h.accounts[0]!.protocolViolations).toBe(2);
    expect(h.accounts[0]!.memoryPages).toBe(8192);
    const reserved = host('reserved');
    reserved.handleOutbox(0, [{ type: 'plug', id: 1, pages: 1 }]);
    expect(reserved.accounts[0]!.protocolViolations).toBe(1);
    expect(reserved.accounts[0]!.memoryPages).toBe(16_384);
  });
});

describe('the hyperv policy with a hotplug guest', () => {
  it('hot-adds: a target above the guest’s memory makes it plug sections as its committed memory grows', async () => {
    const { guest: g, events } = await run(`
duration: 3m
host: { memory: 4GiB, policy: hyperv }
guests:
  - name: g
    memory: 1GiB
    maxMemory: 2GiB
    driver: hyperv
    growth: { kind: hotplug, block: 128MiB, onlineDelay: 2s }
    workload: [ { kind: anon, size: { ramp: { from: 256MiB, to: 1.4GiB, start: 1m, end: 2m } } } ]
`);
    // Committed memory plus the 20 % buffer goes past 1 GiB: the policy's target rises above memory, and the guest plugs.
    expect(g.hotplugBytes).toBeGreaterThanOrEqual(512 * MiB);
    expect(g.actualBytes).toBeGreaterThan(1.4 * 1024 * MiB);
    expect(g.oomKills).toBe(0);
    expect(events.some((event) => event.kind === 'setTarget' && /by policy hyperv/.test(event.detail) && event.timeMs > 60_000)).toBe(true);
    expect(events.filter((event) => event.kind === 'hotplug' && event.detail.startsWith('plugged 128 MiB')).length).toBeGreaterThanOrEqual(4);
  });
});
