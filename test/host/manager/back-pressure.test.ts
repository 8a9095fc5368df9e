/**
 * Back-pressure at the host: a distressed guest's target rises as far as free
 * memory above the soft threshold allows, it is not shrunk by the policy or
 * host reclaim while the distress lasts, a target the administrator forced
 * below the floor is left alone, and `host.backPressure: false` turns it all
 * off. (The run with and without it is in test/examples/examples.test.ts,
 * back-pressure.yaml.) A guest's device side hears its distress; the memory
 * manager acts on it when the tick closes (`endTick`), and the new target
 * goes out with the next tick's orders.
 */
import { describe, expect, it } from 'vitest';
import { DISTRESS_HOLD_MS } from '../../../src/host/manager/guest-signals.js';
import type { Policy } from '../../../src/host/policy/policy.js';
import type { DistressMessage } from '../../../src/messages/protocol.js';
import type { Scenario } from '../../../src/model/scenario.js';
import { publishStatus } from '../../support/guest-signals.js';
import { InlineHost } from '../../support/inline-host.js';
import { guest, MiB, scenario } from '../../support/scenarios.js';

const DISTRESS: DistressMessage = { type: 'distress', reason: 'stall', fullAvg10: 0.5, availablePages: 0 };
const PAGES_PER_MIB = 256;

/** A host of 256 MiB (1 MiB per tick... ticks of 1 s) with two guests of 64 MiB and a policy that halves guest 0 when asked. */
function host(options: { backPressure?: boolean; policy?: Policy; memoryMiB?: number } = {}): InlineHost {
  const s: Scenario = scenario({
    host: { memoryBytes: (options.memoryMiB ?? 256) * MiB, reservedBytes: 0, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 }, ...(options.backPressure !== undefined ? { backPressure: options.backPressure } : {}) },
    guests: [guest('a', { memoryBytes: 64 * MiB }), guest('b', { memoryBytes: 64 * MiB })],
  });
  const h = new InlineHost(s, options.policy !== undefined ? { policy: options.policy } : {});
  h.boot();
  h.beginTick(0);
  h.takeInboxes();
  return h;
}

describe('back-pressure', () => {
  it('raises a distressed guest’s target as far as free memory above the soft threshold allows, and logs it', () => {
    const h = host();
    h.setTargetOf(0, { bytes: 16 * MiB }, 'test', { force: true });
    h.manager.records[0]!.adminForced = false; // as if the administrator had set it above the floor
    h.handleOutbox(0, [DISTRESS]);
    // The device side heard it; the manager acts when the tick closes.
    expect(h.accounts[0]!.targetPages).toBe(16 * PAGES_PER_MIB);
    expect(h.accounts[0]!.device.distressMessages).toBe(1);
    h.endTick();
    expect(h.accounts[0]!.targetPages).toBe(64 * PAGES_PER_MIB);
    expect(h.accounts[0]!.backPressurePages).toBe(48 * PAGES_PER_MIB);
    expect(h.log.at(-1)).toMatchObject({ kind: 'backPressure', guest: 'a', detail: 'in distress: target 16 MiB -> 64 MiB (+48 MiB)' });
    // The new target goes out with the next tick's orders.
    h.beginTick(1);
    expect(h.takeInboxes()[0]!.at(-1)).toEqual({ type: 'setTarget', targetPages: 64 * PAGES_PER_MIB });
  });

  it('gives no more than free memory above the soft threshold, shared among the guests in distress in a tick', () => {
    // 40 MiB host with lazy guests: the kernels (2 x 4 MiB) are all it holds, so 32 MiB are free; soft is 4 % (1.6 MiB).
    const h = host({ memoryMiB: 40 });
    for (const index of [0, 1]) {
      h.setTargetOf(index, { bytes: 8 * MiB }, 'test', { force: true });
      h.manager.records[index]!.adminForced = false;
    }
    const room = h.freeFrames - h.manager.freeMemory.thresholds.softFrames;
    h.handleOutbox(0, [DISTRESS]);
    h.handleOutbox(1, [DISTRESS]);
    h.endTick();
    const raised = h.accounts.map((account) => account.targetPages - 8 * PAGES_PER_MIB);
    expect(raised[0]).toBe(room);
    expect(raised[1]).toBe(0);
    expect(h.log.at(-1)).toMatchObject({ kind: 'backPressure', guest: 'b', detail: expect.stringMatching(/^in distress, but the host has no memory above its soft threshold to give/) });
    // Once per episode: another distress a second later says nothing more.
    h.beginTick(1);
    const logged = h.log.length;
    h.handleOutbox(1, [DISTRESS]);
    h.endTick();
    expect(h.log.slice(logged).filter((event) => event.kind === 'backPressure').map((e) => e.detail)).toEqual([]);
  });

  it('keeps the policy from shrinking a guest in distress, until the distress is over', () => {
    const halve: Policy = { name: 'halve', periodMs: 1000, decide: (view) => new Map([[0, Math.floor(view.guests[0]!.targetPages / 2)]]) };
    const h = host({ policy: halve });
    expect(h.accounts[0]!.targetPages).toBe(32 * PAGES_PER_MIB); // halved at time 0
    h.handleOutbox(0, [DISTRESS]);
    h.endTick();
    const before = h.accounts[0]!.targetPages;
    expect(before).toBe(64 * PAGES_PER_MIB); // given back
    for (let tick = 1; tick * 1000 <= DISTRESS_HOLD_MS; tick++) {
      h.beginTick(tick);
      expect(h.accounts[0]!.targetPages).toBe(before);
    }
    h.beginTick(DISTRESS_HOLD_MS / 1000 + 1);
    expect(h.accounts[0]!.targetPages).toBe(before / 2);
  });

  it('keeps host reclaim off a guest in distress: it takes from the others', () => {
    const h = host({ memoryMiB: 128 });
    // Both guests hold 62 MiB: 4 MiB free of 128 (3 %) is the soft state.
    for (const index of [0, 1]) {
      const account = h.accounts[index]!;
      h.handleOutbox(index, [{ type: 'request', id: 1, purpose: 'populate', pages: 58 * PAGES_PER_MIB, withFrames: true }]);
      expect(account.ownedFrames).toBe(62 * PAGES_PER_MIB);
    }
    h.handleOutbox(0, [DISTRESS]);
    h.beginTick(1);
    expect(h.freeState).toBe('soft');
    expect(h.accounts[0]!.targetPages).toBe(64 * PAGES_PER_MIB);
    expect(h.accounts[1]!.targetPages).toBeLessThan(64 * PAGES_PER_MIB);
  });

  it('leaves alone a target the administrator forced below the guest’s floor', () => {
    const h = host();
    publishStatus(h.signals[0]!, 0, { balloonPages: 0, usedPages: 40 * PAGES_PER_MIB, freePages: 24 * PAGES_PER_MIB });
    h.setTargetOf(0, { bytes: 16 * MiB }, 'test', { force: true });
    expect(h.accounts[0]!.adminForced).toBe(true);
    h.handleOutbox(0, [DISTRESS]);
    h.endTick();
    expect(h.accounts[0]!.targetPages).toBe(16 * PAGES_PER_MIB);
    expect(h.log.at(-1)).toMatchObject({ kind: 'backPressure', detail: 'in distress; its target 16 MiB was forced by the administrator, so it stays' });
    // A new target from the administrator ends the override.
    h.setTargetOf(0, { bytes: 48 * MiB }, 'test');
    expect(h.accounts[0]!.adminForced).toBe(false);
  });

  it('does nothing when turned off', () => {
    const halve: Policy = { name: 'halve', periodMs: 1000, decide: (view) => new Map([[0, Math.floor(view.guests[0]!.targetPages / 2)]]) };
    const h = host({ backPressure: false, policy: halve });
    h.setTargetOf(0, { bytes: 16 * MiB }, 'test', { force: true });
    h.manager.records[0]!.adminForced = false;
    h.handleOutbox(0, [DISTRESS]);
    h.endTick();
    expect(h.accounts[0]!.targetPages).toBe(16 * PAGES_PER_MIB);
    h.beginTick(1);
    expect(h.accounts[0]!.targetPages).toBe(8 * PAGES_PER_MIB);
    expect(h.log.some((event) => event.kind === 'backPressure')).toBe(false);
    expect(h.log.some((event) => event.kind === 'distress')).toBe(true);
  });
});
