/** Unit tests of src/runtime/guest-thread.ts: one thread's guest actors and device sides, stepped by the manager's orders. */
import { describe, expect, it } from 'vitest';
import { GuestThread } from '../../src/runtime/guest-thread.js';
import { prepareRun, threadSetups } from '../../src/runtime/run-setup.js';
import { tinyScenario } from '../support/tiny-run.js';

const faults = { untilMs: 3000, settleMs: 1000, crashes: [{ guest: 'a', atMs: 1000, how: 'throw' as const }], randomThrows: 0, randomKills: 0, delayFraction: 0, delayTurnsMax: 8 };

describe('GuestThread', () => {
  it('refuses actors that are not its shards\' guests in index order', async () => {
    const setup = await prepareRun(tinyScenario());
    const [thread] = threadSetups(setup, 1);
    expect(() => new GuestThread({ ...thread!, guests: [...thread!.guests].reverse() })).toThrow(new RangeError("GuestThread: the actors must be the shards' guests, in index order"));
    expect(() => new GuestThread({ ...thread!, guests: thread!.guests.slice(1) })).toThrow(RangeError);
  });

  it('steps its guests, runs the audit asked for with the step, and a crashed actor loses its frames to the host', async () => {
    const setup = await prepareRun(tinyScenario({ faults }), { seed: 1 });
    const thread = new GuestThread(threadSetups(setup, 1)[0]!);
    expect(thread.guestIndexes).toEqual([0, 1]);
    const first = thread.step(setup.manager.beginTick(0), { kind: 'quick', timeMs: 1000 });
    expect(first.crashed).toEqual([]);
    expect(first.audit).not.toBeNull();
    setup.manager.endTick([first.report]);
    expect(setup.manager.records[0]!.ownedFrames).toBeGreaterThan(0);
    const second = thread.step(setup.manager.beginTick(1), null);
    expect(second.crashed.map((c) => c.guestIndex)).toEqual([0]);
    expect(second.audit).toBeNull();
    setup.manager.endTick([second.report]);
    expect(setup.manager.records[0]!.ownedFrames).toBe(0);
    expect(setup.manager.records[1]!.ownedFrames).toBeGreaterThan(0);
    const audit = thread.auditNow({ kind: 'full', timeMs: 2000, sliceStart: 0, sliceEnd: setup.table.frames });
    expect(audit).toBeDefined();
    expect(thread.reports().map((r) => r.name)).toEqual(['a', 'b']);
  });
});
