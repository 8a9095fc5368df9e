/**
 * How the memory manager sets targets, through a booted host with eager
 * backing and no guest actors: the policy's targets (observe and decide on
 * their own clocks; raises limited to what cuts free while the host is
 * short), host reclaim below the soft threshold, give-back in the high state.
 */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../src/host/policy/policy.js';
import { InlineHost } from '../../support/inline-host.js';
import { guest, MiB, scenario } from '../../support/scenarios.js';

/**
 * Guests a and b of 64 MiB, eagerly backed (16384 frames each); b may grow to 128 MiB. `hostMiB` of host memory, 4 MiB
 * reserved: 137 MiB leaves 1280 free frames of 35072, below the soft threshold (4 %: 1403), the high one at 6 % (2105).
 */
function host(hostMiB: number, policy?: Policy) {
  const s = scenario({
    host: { memoryBytes: hostMiB * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'eager', policy: { kind: 'static', periodMs: 1000 } },
    guests: [guest('a'), guest('b', { maxMemoryBytes: 128 * MiB })],
  });
  const h = new InlineHost(s, policy !== undefined ? { policy } : {});
  h.boot();
  h.beginTick(0);
  h.beginTick(1);
  return { h, m: h.manager };
}

describe('the policy\'s targets', () => {
  it('observes on its own interval and decides on its period; a paused policy observes but does not decide', () => {
    const observed: number[] = [];
    const decided: number[] = [];
    const policy: Policy = { name: 'p', periodMs: 3000, observeEveryMs: 2000, observe: (v) => void observed.push(v.timeMs), decide: (v) => (decided.push(v.timeMs), new Map()) };
    const { h, m } = host(256, policy);
    for (let tick = 2; tick <= 6; tick++) h.beginTick(tick);
    expect(observed).toEqual([0, 2000, 4000, 6000]);
    expect(decided).toEqual([0, 3000, 6000]);
    m.policyPaused = true;
    for (let tick = 7; tick <= 10; tick++) h.beginTick(tick);
    expect(decided).toEqual([0, 3000, 6000]);
    expect(observed).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
  });

  it('while the host is short, scales raises down to what the cuts free', () => {
    let first = true;
    const policy: Policy = {
      name: 'shift',
      periodMs: 1000,
      decide: () => {
        if (!first) return new Map();
        first = false;
        return new Map([
          [0, 16_384 - 1000],
          [1, 16_384 + 3000],
        ]);
      },
    };
    // The policy's first decision (tick 0) comes before the state is known; start it once the host is in the soft state.
    const { h, m } = host(137);
    expect(m.freeState).toBe('soft');
    const [a, b] = m.records.map((r) => r.targetPages);
    m.setPolicy(policy);
    h.beginTick(2);
    // The cut of guest a frees what guest b may gain (its raise of 3000 scaled down; whole pages, rounded down).
    const cut = a! - 15_384;
    const raise = m.records[1]!.targetPages - b!;
    expect(m.records[0]!.targetPages).toBe(15_384);
    expect(raise).toBeGreaterThanOrEqual(cut - 1);
    expect(raise).toBeLessThanOrEqual(cut);
    expect(raise).toBeLessThan(3000);
    expect(m.log.entries.some((e) => e.kind === 'setTarget' && e.detail.includes('raise limited while the host is soft'))).toBe(true);
  });

  it('sets a policy\'s raise in full while the host is in the high state, within maxMemory', () => {
    const policy: Policy = { name: 'grow', periodMs: 1000, decide: () => new Map([[1, 1e9]]) };
    const { m } = host(256, policy);
    expect(m.records[1]!.targetPages).toBe(32_768);
  });
});

describe('host reclaim and give-back', () => {
  it('below the soft threshold, lowers targets by shares until free memory and what balloons owe reach the high threshold', () => {
    const { m } = host(137);
    // Needed: 2105 (high) - 1280 free - 0 owed = 825 frames, by equal shares: 412.5 each, taken in whole pages in the
    // host's favour (at least what is needed): 413 each.
    const lowered = m.records.map((r) => r.reclaimedPages);
    expect(lowered).toEqual([413, 413]);
    expect(m.records.map((r) => r.targetPages)).toEqual(lowered.map((pages) => 16_384 - pages));
    expect(m.log.entries.find((e) => e.kind === 'reclaim')?.detail).toMatch(/^soft: .* lowered 2 targets/);
  });

  it('does not lower the targets again while the balloons still owe what it asked', () => {
    const { h, m } = host(137);
    const targets = m.records.map((r) => r.targetPages);
    h.beginTick(2);
    h.beginTick(3);
    expect(m.records.map((r) => r.targetPages)).toEqual(targets);
  });

  it('in the high state, gives back what reclaim took', () => {
    const { h, m } = host(256);
    const record = m.records[0]!;
    m.setTarget(record, 16_384 - 500, 'test');
    record.reclaimedPages = 500;
    h.beginTick(2);
    expect([record.targetPages, record.reclaimedPages]).toEqual([16_384, 0]);
    expect(m.log.entries.some((e) => e.kind === 'reclaim' && e.detail.includes('gave back'))).toBe(true);
  });
});
