/** Unit tests of src/runtime/free/free-workers.ts: the coordinator's book of workers (its bookkeeping on records alone; starting real workers in free-worker.test.ts). */
import { describe, expect, it } from 'vitest';
import type { HostOrders } from '../../../src/host/device/device-group.js';
import { GuestState } from '../../../src/host/device/guest-states.js';
import type { HostToGuest } from '../../../src/messages/protocol.js';
import { emptyOrders } from '../../../src/runtime/free-orders.js';
import type { FreeWorker } from '../../../src/runtime/free/free-worker.js';
import { FreeWorkers } from '../../../src/runtime/free/free-workers.js';

/** A worker record with no thread behind it. */
function slot(index: number, guests: number[], shards: number[], overrides: Partial<FreeWorker> = {}): FreeWorker {
  return { index, worker: null as never, control: null as never, port: null as never, guests, shards, roundsDone: 0, finished: false, dead: false, pending: emptyOrders(), lastBatchMs: 0, ...overrides };
}

function book(...slots: FreeWorker[]): FreeWorkers {
  const workers = new FreeWorkers(4);
  workers.slots.push(...slots);
  return workers;
}

const command = (guest: number) => ({ guest, message: { type: 'setTarget', pages: guest } as unknown as HostToGuest });

describe('FreeWorkers', () => {
  it('is done when every worker has finished or died', () => {
    expect(book(slot(0, [0], [0], { finished: true }), slot(1, [1], [1], { dead: true })).allDone).toBe(true);
    expect(book(slot(0, [0], [0], { finished: true }), slot(1, [1], [1])).allDone).toBe(false);
  });

  it('moves the clock to the round every running worker has finished, or the furthest one when none runs', () => {
    expect(book(slot(0, [0], [0], { roundsDone: 7 }), slot(1, [1], [1], { roundsDone: 4 }), slot(2, [2], [2], { roundsDone: 1, dead: true })).roundAllFinished(0)).toBe(4);
    expect(book(slot(0, [0], [0], { roundsDone: 7, finished: true }), slot(1, [1], [1], { roundsDone: 9, dead: true })).roundAllFinished(3)).toBe(9);
    expect(book(slot(0, [0], [0], { roundsDone: 2, finished: true })).roundAllFinished(5)).toBe(5);
  });

  it('queues each worker the crashes and commands of its guests and the frames of its shards, not a boot, and skips dead workers', () => {
    const a = slot(0, [0, 1], [0]);
    const b = slot(1, [2, 3], [1]);
    const dead = slot(2, [], [2], { dead: true });
    const workers = book(a, b, dead);
    const runs = new Int32Array([5, 2]);
    const orders: HostOrders = {
      tick: 3,
      nowMs: 3000,
      state: 'soft',
      boot: true,
      crashes: [{ guest: 2, why: 'event' }],
      commands: [command(0), command(3), command(1)],
      adopt: [{ shard: 0, runs }, { shard: 2, runs }],
      keep: Float64Array.of(10, 5),
    };
    workers.queueOrders(orders);
    expect(a.pending).toEqual({ tick: 3, nowMs: 3000, state: 'soft', boot: false, crashes: [], commands: [command(0), command(1)], adopt: [{ shard: 0, runs }], keep: Float64Array.of(10, 5), plannedMs: 3000 });
    expect(b.pending).toMatchObject({ crashes: [{ guest: 2, why: 'event' }], commands: [command(3)], adopt: [] });
    expect(dead.pending).toEqual(emptyOrders());
    workers.queueOrders({ ...emptyOrders('low', 4000), tick: 4, commands: [command(1)] });
    expect(a.pending.commands).toEqual([command(0), command(1), command(1)]);
    expect(a.pending.tick).toBe(4);
  });

  it('hands a worker its orders once, leaving empty orders in the same state behind', () => {
    const a = slot(0, [0], [0]);
    const workers = book(a);
    workers.queueOrders({ ...emptyOrders('hard', 2000, Float64Array.of(4, 2)), commands: [command(0)] });
    const taken = workers.takeOrders(a);
    expect(taken.commands).toEqual([command(0)]);
    expect(a.pending).toEqual(emptyOrders('hard', 2000, Float64Array.of(4, 2)));
    expect(workers.takeOrders(a).commands).toEqual([]);
  });

  it('terminates a worker: marks it dead and its guests dying before the thread goes', async () => {
    let terminated = 0;
    const a = slot(0, [1, 3], [0], { worker: { terminate: async () => ++terminated } as never });
    const states = new Int32Array(4);
    await book(a).terminate(a, states);
    expect(a.dead).toBe(true);
    expect(terminated).toBe(1);
    expect([...states]).toEqual([0, GuestState.DYING, 0, GuestState.DYING]);
  });

  it('takes a killed worker\'s reports from deadReport, by guest index', async () => {
    const live = slot(0, [2, 0], [0], { control: { reports: async () => [{ name: 'c' }, { name: 'a' }] } as never });
    const gone = slot(1, [1, 3], [1], { dead: true });
    const reports = await book(live, gone).reports((guest) => ({ name: `dead-${guest}` }) as never);
    expect(reports.map((r) => r.name)).toEqual(['a', 'dead-1', 'c', 'dead-3']);
  });
});
