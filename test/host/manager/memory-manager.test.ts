/**
 * The memory manager through the whole host on one thread (test/support/
 * inline-host.ts), with no guest actors: boot and the reserve, the policy on
 * its period, targets kept within each guest's limits, a policy switch, an
 * administrator's targets, a crash, and bad input.
 */
import { describe, expect, it } from 'vitest';
import { HostFiguresBuffer } from '../../../src/host/device/device-figures.js';
import { FrameTable } from '../../../src/host/frame-table.js';
import { describeParameters, MemoryManager } from '../../../src/host/manager/memory-manager.js';
import type { Policy, PolicyHostView } from '../../../src/host/policy/policy.js';
import { allocateGuestSignals } from '../../../src/messages/guest-signals.js';
import { InlineHost } from '../../support/inline-host.js';
import { guest, MiB, scenario } from '../../support/scenarios.js';

/** A host of 256 MiB (65536 frames, 1024 reserved) with two 64 MiB guests (16384 pages, 1024 of kernel, minMemory 8 MiB), ticks of 1 s. */
function host(policy?: Policy) {
  const s = scenario({
    host: { memoryBytes: 256 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
    guests: [guest('a', { minMemoryBytes: 8 * MiB }), guest('b', { minMemoryBytes: 8 * MiB })],
  });
  const h = new InlineHost(s, policy !== undefined ? { policy } : {});
  h.boot();
  return h;
}

/** A policy that records when it decided and asks what `targets` says. */
function scripted(periodMs: number, targets: (view: PolicyHostView) => Array<[number, number]>): Policy & { decidedAt: number[] } {
  const decidedAt: number[] = [];
  return { name: 'scripted', periodMs, decidedAt, decide: (view) => (decidedAt.push(view.timeMs), new Map(targets(view))) };
}

const targetsSent = (h: InlineHost) => h.takeInboxes().map((inbox) => inbox.flatMap((m) => (m.type === 'setTarget' ? [m.targetPages] : [])));

describe('MemoryManager', () => {
  it('boots the guests with their kernels\' frames and keeps the reserve: 65536 - 1024 - 2 x 1024 frames free, the high state', () => {
    const h = host();
    h.beginTick(0);
    expect(h.manager.reservedFrames).toBe(1024);
    expect(h.accounts.map((a) => a.ownedFrames)).toEqual([1024, 1024]);
    h.beginTick(1);
    expect(h.manager.freeFrames).toBe(65_536 - 1024 - 2048);
    expect(h.manager.freeState).toBe('high');
  });

  it('runs the policy on its period and sends the targets it changes, within [minMemory, maxMemory]', () => {
    const policy = scripted(2000, (view) => (view.timeMs === 0 ? [[0, 8000], [1, 1e9]] : [[0, 10], [1, 12_000.7]]));
    const h = host(policy);
    h.beginTick(0);
    // Guest b asked for more than its 16384 pages: kept at 16384, its target already.
    expect(targetsSent(h)).toEqual([[8000], []]);
    h.beginTick(1);
    expect(targetsSent(h)).toEqual([[], []]);
    h.beginTick(2);
    // 10 pages is below minMemory (2048 pages); 12000.7 rounds down.
    expect(targetsSent(h)).toEqual([[2048], [12_000]]);
    h.beginTick(3);
    h.beginTick(4);
    expect(policy.decidedAt).toEqual([0, 2000, 4000]);
    expect(h.manager.log.entries.filter((e) => e.kind === 'setTarget').map((e) => e.guest)).toEqual(['a', 'a', 'b']);
  });

  it('hands over to a new policy, which decides at once, and logs the switch with its parameters', () => {
    const h = host(scripted(10_000, () => []));
    h.beginTick(0);
    h.beginTick(1);
    const next = { ...scripted(10_000, () => [[1, 9000]]), name: 'next', parameters: { tau: 0.5 } };
    h.manager.setPolicy(next);
    h.beginTick(2);
    expect(targetsSent(h)).toEqual([[], [9000]]);
    expect(next.decidedAt).toEqual([2000]);
    expect(h.manager.log.entries.find((e) => e.kind === 'setPolicy')?.detail).toBe('policy scripted -> next (tau 0.5)');
  });

  it('applies an administrator\'s target in bytes or as a share of maxMemory', () => {
    const h = host();
    h.beginTick(0);
    expect(h.setTargetOf(0, { bytes: 32 * MiB }, 'test')).toMatchObject({ guest: 'a', outcome: 'applied', targetPages: 8192 });
    expect(h.setTargetOf(1, { percentOfMax: 75 }, 'test')).toMatchObject({ outcome: 'applied', targetPages: 12_288 });
    h.beginTick(1);
    expect(targetsSent(h)).toEqual([[8192], [12_288]]);
  });

  it('refuses an administrator\'s target for a guest it does not have or that is no size, naming itself', () => {
    const h = host();
    h.beginTick(0);
    expect(() => h.setTargetOf(5, { bytes: MiB }, 'test')).toThrow(/^MemoryManager\.setTargetOf: no guest 5/);
    for (const bad of [{ bytes: -1 }, { bytes: Number.NaN }, { percentOfMax: 0 }, { percentOfMax: 101 }]) {
      expect(() => h.setTargetOf(0, bad, 'test')).toThrow(/^MemoryManager\.setTargetOf: a target is a finite size of at least 0 bytes or a percentage in \(0, 100\]/);
    }
  });

  it('tells the device side of a crashed guest in the next orders; its frames go back and its targets are ignored', () => {
    const h = host();
    h.beginTick(0);
    h.beginTick(1);
    const free = h.manager.freeFrames;
    h.manager.crash(1, 'test');
    h.manager.crash(1, 'again');
    expect(h.manager.records[1]!.alive).toBe(false);
    h.beginTick(2);
    expect(h.lastOrders?.crashes).toEqual([{ guest: 1, why: 'test' }]);
    h.beginTick(3);
    expect(h.manager.freeFrames).toBe(free + 1024);
    expect(h.setTargetOf(1, { bytes: 16 * MiB }, 'test').outcome).toBe('dead');
  });

  it('refuses a table whose size is not the host\'s memory', () => {
    const s = scenario({ guests: [guest('a')] });
    expect(() => new MemoryManager(s, { table: new FrameTable(10), figures: new InlineHost(s).figures, signals: [allocateGuestSignals()] })).toThrow(/^MemoryManager: the table has 10 frames, the host's memory needs 65536/);
  });

  it('refuses a table of 16-bit owners for more guests than 16 bits can name', () => {
    const one = scenario({ guests: [guest('a')] });
    const many = { ...one, guests: Array.from({ length: 32_768 }, (_, index) => ({ ...one.guests[0]!, name: `g-${index}` })) };
    const figures = new HostFiguresBuffer(many.guests.length, 64);
    expect(() => new MemoryManager(many, { table: new FrameTable(65_536, 16), figures, signals: [] })).toThrow(
      new RangeError("MemoryManager: the table's owners have 16 bits, 32768 guests in 64 shards need 32"),
    );
    // One guest fewer fits.
    const fits = { ...many, guests: many.guests.slice(1) };
    expect(() => new MemoryManager(fits, { table: new FrameTable(65_536, 16), figures: new HostFiguresBuffer(fits.guests.length, 64), signals: [] })).not.toThrow();
  });
});

describe('describeParameters', () => {
  it('lists a policy\'s parameters in parentheses, or nothing', () => {
    expect(describeParameters({ name: 'esx', periodMs: 1, parameters: { tau: 0.75, samples: 100 }, decide: () => new Map() })).toBe(' (tau 0.75, samples 100)');
    expect(describeParameters({ name: 'static', periodMs: 1, decide: () => new Map() })).toBe('');
  });
});
