/** Unit tests of src/runtime/free-orders.ts: the manager's orders for a worker, merged between its batches. */
import { describe, expect, it } from 'vitest';
import type { HostOrders } from '../../src/host/device/device-group.js';
import type { HostToGuest } from '../../src/messages/protocol.js';
import { emptyOrders, mergeOrders } from '../../src/runtime/free-orders.js';

const message = (n: number) => ({ type: 'setTarget', pages: n }) as unknown as HostToGuest;

describe('emptyOrders', () => {
  it('has nothing to do, in the state and at the time given', () => {
    expect(emptyOrders()).toEqual({ tick: 0, nowMs: 0, state: 'high', boot: false, crashes: [], commands: [], adopt: [], keep: Float64Array.of(), plannedMs: 0 });
    expect(emptyOrders('low', 3000, Float64Array.of(4, 2), 2000)).toMatchObject({ nowMs: 3000, state: 'low', keep: Float64Array.of(4, 2), plannedMs: 2000 });
  });
});

describe('mergeOrders', () => {
  it('takes the latest tick, time and state, concatenates the lists in order, and remembers a boot', () => {
    const first: HostOrders = { ...emptyOrders(), tick: 1, nowMs: 1000, boot: true, crashes: [{ guest: 0, why: 'a' }], commands: [{ guest: 0, message: message(1) }], keep: Float64Array.of(8, 4) };
    const runs = new Int32Array([10, 2]);
    const later: HostOrders = { ...emptyOrders('soft', 2000), tick: 2, crashes: [{ guest: 1, why: 'b' }], commands: [{ guest: 1, message: message(2) }], adopt: [{ shard: 0, runs }] };
    const merged = mergeOrders(first, later);
    expect(merged).toBe(first);
    expect(merged).toEqual({
      tick: 2,
      nowMs: 2000,
      state: 'soft',
      boot: true,
      crashes: [
        { guest: 0, why: 'a' },
        { guest: 1, why: 'b' },
      ],
      commands: [
        { guest: 0, message: message(1) },
        { guest: 1, message: message(2) },
      ],
      adopt: [{ shard: 0, runs }],
      // An empty keep means "no change": the earlier one stays.
      keep: Float64Array.of(8, 4),
      // The manager's orders carry no plannedMs: their own time is the plan's.
      plannedMs: 2000,
    });
  });

  it('keeps the latest plan: merging orders with an older or no plan (a worker\'s empty orders) never moves it back', () => {
    const merged = mergeOrders(emptyOrders('high', 0, Float64Array.of(), 3000), emptyOrders('high', 3000, Float64Array.of(), 1000));
    expect(merged.plannedMs).toBe(3000);
    expect(mergeOrders(emptyOrders('high', 0, Float64Array.of(), 3000), { ...emptyOrders('high', 5000), plannedMs: undefined }).plannedMs).toBe(5000);
  });

  it('replaces keep with a later non-empty one', () => {
    expect(mergeOrders(emptyOrders('high', 0, Float64Array.of(8, 4)), emptyOrders('high', 0, Float64Array.of(6, 3))).keep).toEqual(Float64Array.of(6, 3));
  });
});
