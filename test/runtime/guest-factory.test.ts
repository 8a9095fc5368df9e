/** Unit tests of src/runtime/guest-factory.ts: which actor a guest's init makes. */
import { describe, expect, it } from 'vitest';
import { ThrowingGuest } from '../../src/faults/throwing-guest.js';
import { GuestActor } from '../../src/guest/guest-actor.js';
import { HostileGuestActor } from '../../src/guest/hostile-guest.js';
import { createGuestActor } from '../../src/runtime/guest-factory.js';
import { prepareRun } from '../../src/runtime/run-setup.js';
import { guest, MiB } from '../support/scenarios.js';
import { tinyScenario } from '../support/tiny-run.js';

const noFaults = { untilMs: 3000, settleMs: 1000, crashes: [], randomThrows: 0, randomKills: 0, delayFraction: 0, delayTurnsMax: 8 };

describe('createGuestActor', () => {
  it('makes an honest actor for an honest guest, named and numbered as its init', async () => {
    const { inits } = await prepareRun(tinyScenario());
    const actor = createGuestActor(inits[1]!);
    expect(actor).toBeInstanceOf(GuestActor);
    expect([actor.index, actor.name]).toEqual([1, 'b']);
  });

  it('makes a hostile actor for a hostile guest', async () => {
    const s = tinyScenario();
    const hostile = { ...s, guests: [s.guests[0]!, guest('evil', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB, hostile: { everyMs: 1000, attacks: ['forged'], floodMessages: 10 } })] };
    const { inits } = await prepareRun(hostile);
    expect(createGuestActor(inits[1]!)).toBeInstanceOf(HostileGuestActor);
    expect(createGuestActor(inits[0]!)).toBeInstanceOf(GuestActor);
  });

  it('wraps the actor in a ThrowingGuest only when it has throws planned', async () => {
    const { inits } = await prepareRun(tinyScenario({ faults: { ...noFaults, crashes: [{ guest: 'a', atMs: 1000, how: 'throw' }] } }), { seed: 1 });
    const planned = createGuestActor(inits[0]!);
    expect(planned).toBeInstanceOf(ThrowingGuest);
    expect(planned.name).toBe('a');
    expect(createGuestActor(inits[1]!)).toBeInstanceOf(GuestActor);
  });
});
