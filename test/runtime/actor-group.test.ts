/** Unit tests of src/runtime/actor-group.ts: the guest actors of one thread, stepped in order, crashes recorded when faults are on. */
import { describe, expect, it } from 'vitest';
import { ActorGroup } from '../../src/runtime/actor-group.js';
import { prepareRun } from '../../src/runtime/run-setup.js';
import { tinyScenario } from '../support/tiny-run.js';

const faults = { untilMs: 3000, settleMs: 1000, crashes: [{ guest: 'b', atMs: 1000, how: 'throw' as const }], randomThrows: 0, randomKills: 0, delayFraction: 0, delayTurnsMax: 8 };

describe('ActorGroup', () => {
  it('hosts its guests in order, and reports each', async () => {
    const { inits } = await prepareRun(tinyScenario());
    const group = new ActorGroup(inits);
    expect(group.size).toBe(2);
    expect(group.guestIndexes).toEqual([0, 1]);
    expect(group.step(0, [[], []])).toHaveLength(2);
    expect(group.reports().map((r) => [r.index, r.name, r.alive])).toEqual([
      [0, 'a', true],
      [1, 'b', true],
    ]);
  });

  it('with faults on, turns a throw into a crash: the guest stops, the crash is kept once, the others go on', async () => {
    const { inits } = await prepareRun(tinyScenario({ faults }), { seed: 1 });
    const group = new ActorGroup(inits);
    group.step(0, [[], []]);
    const out = group.step(1, [[], []]);
    expect(out[1]).toEqual([]);
    expect(group.isStopped(1)).toBe(true);
    expect(group.isStopped(0)).toBe(false);
    const crash = group.lastCrash(1);
    expect(crash?.guestIndex).toBe(1);
    expect(crash?.message).toMatch(/^InjectedThrow: injected throw at tick 1, /);
    expect(group.lastCrash(0)).toBeNull();
    expect(group.takeCrashes()).toEqual([crash]);
    expect(group.takeCrashes()).toEqual([]);
    // Stopped: no more messages, and no crash is recorded for it again.
    expect(group.stepOne(1, 2, [])).toEqual([]);
    expect(group.lastCrash(1)).toBeNull();
  });

  it('stops a guest it hosts, and refuses one it does not', async () => {
    const { inits } = await prepareRun(tinyScenario());
    const group = new ActorGroup([inits[1]!]);
    expect(group.guestIndexes).toEqual([1]);
    group.stop(1);
    expect(group.isStopped(0)).toBe(true);
    expect(() => group.stop(0)).toThrow(new RangeError('ActorGroup.stop: this group does not host guest 0'));
  });
});
