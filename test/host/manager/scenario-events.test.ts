/** Each kind of scenario event, applied to the memory manager of a booted host (test/support/inline-host.ts). */
import { describe, expect, it } from 'vitest';
import { applyScenarioEvent } from '../../../src/host/manager/scenario-events.js';
import { InlineHost } from '../../support/inline-host.js';
import { guest, MiB, scenario } from '../../support/scenarios.js';

/** A host of 256 MiB (1024 frames reserved) with guests a (64 MiB) and b (64 MiB, room to 128 MiB). */
function host() {
  const s = scenario({
    host: { memoryBytes: 256 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
    guests: [guest('a'), guest('b', { maxMemoryBytes: 128 * MiB })],
  });
  const h = new InlineHost(s);
  h.boot();
  h.beginTick(0);
  return { h, m: h.manager };
}

const targetsSent = (h: InlineHost) => {
  h.beginTick(1);
  return h.takeInboxes().map((inbox) => inbox.flatMap((m) => (m.type === 'setTarget' ? [m.targetPages] : [])));
};

describe('applyScenarioEvent', () => {
  it('setTarget: an administrator\'s target, through the guard; one out of range is brought into it', () => {
    const { h, m } = host();
    applyScenarioEvent(m, { atMs: 0, kind: 'setTarget', guest: 'a', target: { bytes: 32 * MiB } });
    applyScenarioEvent(m, { atMs: 0, kind: 'setTarget', guest: 'b', target: { percentOfMax: 250 } });
    expect(m.records.map((r) => r.targetPages)).toEqual([8192, 32_768]);
    expect(targetsSent(h)).toEqual([[8192], [32_768]]);
  });

  it('setTarget with dryRun changes nothing and logs what it would do', () => {
    const { m } = host();
    applyScenarioEvent(m, { atMs: 0, kind: 'setTarget', guest: 'a', target: { bytes: 32 * MiB }, dryRun: true });
    expect(m.records[0]!.targetPages).toBe(16_384);
    expect(m.log.entries.some((e) => e.kind === 'dryRun' && e.guest === 'a')).toBe(true);
  });

  it('crash: the guest dies in the next orders', () => {
    const { h, m } = host();
    applyScenarioEvent(m, { atMs: 0, kind: 'crash', guest: 'b' });
    expect(m.records[1]!.alive).toBe(false);
    h.beginTick(1);
    expect(h.lastOrders?.crashes).toEqual([{ guest: 1, why: 'scenario event' }]);
  });

  it('setPolicy, pausePolicy and resumePolicy: a fresh policy; paused, it does not decide; resumed, it decides at once', () => {
    const { m } = host();
    applyScenarioEvent(m, { atMs: 0, kind: 'setPolicy', policy: { kind: 'proportional', periodMs: 5000 } });
    expect(m.policy.name).toBe('proportional');
    applyScenarioEvent(m, { atMs: 0, kind: 'pausePolicy' });
    expect(m.policyPaused).toBe(true);
    m.nowMs = 3000;
    applyScenarioEvent(m, { atMs: 3000, kind: 'resumePolicy' });
    expect([m.policyPaused, m.nextPolicyMs]).toEqual([false, 3000]);
    expect(m.log.entries.map((e) => e.kind).filter((k) => k.endsWith('Policy'))).toEqual(['setPolicy', 'pausePolicy', 'resumePolicy']);
  });

  it('setShares: the guest\'s weight changes, logged with before and after', () => {
    const { m } = host();
    applyScenarioEvent(m, { atMs: 0, kind: 'setShares', guest: 'b', shares: 3000 });
    expect(m.records[1]!.shares).toBe(3000);
    expect(m.log.entries.find((e) => e.kind === 'setShares')).toMatchObject({ guest: 'b', detail: 'shares 1000 -> 3000' });
  });

  it('setReserved: the hypervisor gives frames back at once, or takes what transit has', () => {
    const { m } = host();
    applyScenarioEvent(m, { atMs: 0, kind: 'setReserved', bytes: 1 * MiB });
    expect(m.reservedFrames).toBe(256);
    applyScenarioEvent(m, { atMs: 0, kind: 'setReserved', bytes: 8 * MiB });
    expect(m.reserve.wanted).toBe(2048);
  });

  it('hotplug: the target grows by the bytes asked, up to maxMemory', () => {
    const { m } = host();
    applyScenarioEvent(m, { atMs: 0, kind: 'hotplug', guest: 'b', bytes: 16 * MiB });
    expect(m.records[1]!.targetPages).toBe(16_384 + 4096);
    applyScenarioEvent(m, { atMs: 0, kind: 'hotplug', guest: 'b', bytes: 1024 * MiB });
    expect(m.records[1]!.targetPages).toBe(32_768);
  });

  it('resendTarget: the unchanged target is written again', () => {
    const { h, m } = host();
    applyScenarioEvent(m, { atMs: 0, kind: 'resendTarget', guest: 'a' });
    expect(targetsSent(h)).toEqual([[16_384], []]);
  });

  it('refuses an event for a guest the host does not have, naming it', () => {
    const { m } = host();
    expect(() => applyScenarioEvent(m, { atMs: 0, kind: 'crash', guest: 'nobody' })).toThrow('MemoryManager: event for unknown guest nobody');
  });
});
