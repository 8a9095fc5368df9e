/**
 * The hostile guest's side: an honest guest that adds attacks every round,
 * with ids of their own, and counts what it sent and what the host should
 * count. Whether the host refuses them all is tested in test/host/hostile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ATTACK_ID_BASE, HostileGuestActor } from '../../src/guest/hostile-guest.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import type { AttackKind } from '../../src/model/scenario.js';
import { runLockstep } from '../support/lockstep.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

function run(attacks: AttackKind[], durationMs = 5000) {
  const s = scenario({ durationMs, guests: [guest('evil', { hostile: { everyMs: 2000, attacks, floodMessages: 5 } }), guest('good')] });
  return runLockstep(s, { auditEveryTicks: 1 });
}

describe('HostileGuestActor', () => {
  it('refuses a spec without hostile settings, naming the guest', () => {
    const spec = guest('calm');
    expect(() => new HostileGuestActor({ index: 0, spec, tickMs: 1000, frameBytes: 4096, seed: 1, shared: GuestSharedViews.allocate(16_384).buffers })).toThrow('HostileGuestActor calm: the spec has no hostile settings');
  });

  it('attacks once a round, the first everyMs in (2 and 4 s of a 5 s run), counting the violations the host should count', () => {
    const { reports, world } = run(['absurd-count', 'out-of-range']);
    const hostile = reports[0]!.hostile!;
    expect(hostile.rounds).toBe(2);
    expect(hostile.attackMessages).toBeGreaterThanOrEqual(4);
    expect(hostile.attackMessages).toBe(hostile.expectedViolations);
    expect(hostile.attacksAccepted).toBe(0);
    expect(world.host.accounts[0]!.protocolViolations).toBe(hostile.expectedViolations);
    expect(world.host.accounts[1]!.protocolViolations).toBe(0);
  });

  it('sends malformed messages that the lockstep loop counts as the wire does: anything that is not a message object is malformed', () => {
    // Each round sends every kind of malformed message, null and 42 among them.
    const s = scenario({ durationMs: 3000, guests: [guest('evil', { hostile: { everyMs: 1000, attacks: ['malformed'], floodMessages: 5 } }), guest('good')] });
    const { messageCounts, reports } = runLockstep(s, { auditEveryTicks: 1 });
    expect(messageCounts.get('malformed')).toBeGreaterThan(0);
    expect(reports[0]!.hostile!.attacksAccepted).toBe(0);
  });

  it('floods with floodMessages junk messages a round, each one violation', () => {
    const { reports } = run(['flood']);
    expect(reports[0]!.hostile!).toMatchObject({ rounds: 2, attackMessages: 10, expectedViolations: 10, attacksAccepted: 0 });
    expect(reports[0]!.hostile!.byKind).toEqual({ flood: 10 });
  });

  it('picks the frames of a forged release along its path and stops at the last it needs', () => {
    // A 1 GiB host: 262,144 frames, almost all of them not the attacker's. Two rounds of one forged release of 8
    // frames each; the scan used to read FRAME_PICK_SCAN_MAX (65,536) scattered table entries a round.
    const s = scenario({
      durationMs: 5000,
      host: { memoryBytes: 1024 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
      guests: [guest('evil', { hostile: { everyMs: 2000, attacks: ['forged'], floodMessages: 0 } }), guest('good')],
    });
    const { world, reports } = runLockstep(s, { auditEveryTicks: 1 });
    const evil = world.actors[0] as HostileGuestActor;
    expect(reports[0]!.hostile!.byKind).toEqual({ forged: 2 });
    expect(evil.framesLooked).toBeGreaterThanOrEqual(16);
    expect(evil.framesLooked).toBeLessThan(64);
  });

  it('sends forged and out-of-range frames with ids of its own, above any honest id', () => {
    const ids: number[] = [];
    const s = scenario({ durationMs: 3000, guests: [guest('evil', { hostile: { everyMs: 2000, attacks: ['out-of-range', 'absurd-count'], floodMessages: 0 } })] });
    runLockstep(s, { onTick: (_tick, _end, world) => ids.push(...world.outboxes[0]!.flatMap((m) => ('id' in m && typeof m.id === 'number' && m.id >= ATTACK_ID_BASE ? [m.id] : []))) });
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
