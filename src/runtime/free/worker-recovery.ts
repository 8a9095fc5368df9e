/**
 * Free-running mode: when a worker is killed, its guests and its shards'
 * pools die with it, wherever it was in its round. The coordinator takes
 * their frames back from the table, which is the truth: every frame a dead
 * guest owns, every frame marked free in a dead shard's pool, and every
 * frame still OWNER_FREE in the untouched ranges the coordinator handed the
 * dead shards (at boot or by adopt orders) and did not get back. Whatever a
 * pool operation was doing when the thread stopped, each frame is then in
 * exactly one of those places or already somewhere else for good.
 */
import { DeviceSlot } from '../../host/device/device-figures.js';
import { GuestState } from '../../host/device/guest-states.js';
import { RunList } from '../../host/frame-runs.js';
import type { FrameTable } from '../../host/frame-table.js';
import { freeOwnerOfShard, guestIndexOfOwner, OWNER_FREE, shardOfFreeOwner } from '../../host/owners.js';
import type { RunSetup } from '../run-setup.js';

/** The untouched ranges each shard was handed and has not handed back (what the coordinator knows of them). */
export class ShardAttribution {
  /** Per shard: sorted, disjoint [start, end) pairs. */
  private readonly ranges: number[][];

  constructor(shards: number) {
    this.ranges = Array.from({ length: shards }, () => []);
  }

  /** The shard was handed runs (first, count pairs). */
  add(shard: number, runs: Int32Array): void {
    const list = this.ranges[shard]!;
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
    for (let i = 0; i < runs.length; i += 2) pairs.push([runs[i]!, runs[i]! + runs[i + 1]!]);
    this.ranges[shard] = sortedDisjoint(pairs);
  }

  /**
   * The shard handed runs back (first, count pairs, in any order, overlapping
   * or not): one pass over its ranges with the cuts sorted and merged, so a
   * report of thousands of short runs costs the ranges plus the runs, not
   * their product (it was cut by cut: a free-running run of 8 guests spent
   * two thirds of the coordinator's time here and stalled).
   */
  subtract(shard: number, runs: Int32Array): void {
    const list = this.ranges[shard]!;
    if (list.length === 0 || runs.length === 0) return;
    const cuts = mergedCuts(runs);
    const next: number[] = [];
    let c = 0;
    for (let k = 0; k < list.length; k += 2) {
      let start = list[k]!;
      const end = list[k + 1]!;
      // Cuts and ranges are sorted and disjoint: a cut that ends before this range touches no later one.
      while (c < cuts.length && cuts[c + 1]! <= start) c += 2;
      for (let j = c; j < cuts.length && cuts[j]! < end && start < end; j += 2) {
        if (cuts[j]! > start) next.push(start, cuts[j]!);
        start = Math.max(start, cuts[j + 1]!);
      }
      if (start < end) next.push(start, end);
    }
    this.ranges[shard] = next;
  }

  of(shard: number): ReadonlyArray<number> {
    return this.ranges[shard]!;
  }
}

/** Runs (first, count pairs) as sorted, disjoint [start, end) pairs. */
function mergedCuts(runs: Int32Array): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < runs.length; i += 2) pairs.push([runs[i]!, runs[i]! + runs[i + 1]!]);
  return sortedDisjoint(pairs);
}

/** [start, end) pairs sorted and merged where they overlap or touch, empty ones dropped, as a flat list. */
function sortedDisjoint(pairs: Array<[number, number]>): number[] {
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [start, end] of pairs) {
    if (end <= start) continue;
    if (merged.length > 0 && start <= merged[merged.length - 1]!) merged[merged.length - 1] = Math.max(merged[merged.length - 1]!, end);
    else merged.push(start, end);
  }
  return merged;
}

/** What the recovery took back. */
export interface Recovery {
  /** Frames taken from each dead guest, by index. */
  fromGuests: Map<number, number>;
  /** Every frame taken back, now OWNER_FREE, as runs. */
  free: RunList;
}

/**
 * Takes back the frames of dead guests and dead shards (a killed worker's):
 * first the attributed untouched ranges' OWNER_FREE frames (bookkeeping),
 * then, in one pass over the table, every frame a dead guest owns or a dead
 * shard's pool holds (each by a compare-exchange to OWNER_FREE).
 */
export function recoverDeadWorker(table: FrameTable, guests: ReadonlyArray<number>, shards: ReadonlyArray<number>, attribution: ShardAttribution, guestCount: number): Recovery {
  const owners = table.owners;
  const free = new RunList();
  for (const shard of shards) {
    const ranges = attribution.of(shard);
    for (let i = 0; i < ranges.length; i += 2) {
      for (let frame = ranges[i]!; frame < ranges[i + 1]!; frame++) {
        if (Atomics.load(owners, frame) === OWNER_FREE) free.add(frame, 1);
      }
    }
    attribution.subtract(shard, Int32Array.of(0, owners.length));
  }
  const deadGuest = new Uint8Array(guestCount);
  for (const guest of guests) deadGuest[guest] = 1;
  const deadShard = new Set(shards);
  const fromGuests = new Map<number, number>(guests.map((guest) => [guest, 0]));
  for (let frame = 0; frame < owners.length; frame++) {
    const owner = Atomics.load(owners, frame);
    const guest = guestIndexOfOwner(owner);
    if (guest >= 0 && guest < guestCount && deadGuest[guest] === 1) {
      if (table.transfer(frame, owner, OWNER_FREE)) {
        free.add(frame, 1);
        fromGuests.set(guest, fromGuests.get(guest)! + 1);
      }
      continue;
    }
    const shard = shardOfFreeOwner(owner);
    if (shard >= 0 && deadShard.has(shard) && table.transfer(frame, freeOwnerOfShard(shard), OWNER_FREE)) free.add(frame, 1);
  }
  return { fromGuests, free };
}

/**
 * Everything the coordinator does once a killed worker's thread is gone:
 * takes back its guests' and shards' frames (into transit), marks its guests
 * dead and reclaimed, publishes what is left of their figures (their device
 * sides can publish nothing more) and lets the manager see the result.
 * `crashed(guest, frames)` is called for each guest that was still alive.
 */
export function retireDeadWorker(
  setup: RunSetup,
  states: Int32Array,
  guests: ReadonlyArray<number>,
  shards: ReadonlyArray<number>,
  attribution: ShardAttribution,
  crashed: (guest: number, framesTaken: number) => void,
): void {
  const { manager, figures } = setup;
  const recovery = recoverDeadWorker(setup.table, guests, shards, attribution, setup.scenario.guests.length);
  manager.balancer.transit.add(recovery.free.view());
  for (const guest of guests) {
    const record = manager.records[guest]!;
    if (record.alive && record.device[DeviceSlot.ALIVE] === 1) crashed(guest, recovery.fromGuests.get(guest) ?? 0);
    record.alive = false;
    figures.retireGuest(guest, record.memoryPages, record.targetPages);
    Atomics.store(states, guest, GuestState.RECLAIMED);
    setup.shared[guest]!.tearDown();
  }
  for (const shard of shards) {
    figures.retireShard(shard);
    manager.balancer.retire(shard);
  }
  manager.endTick([]);
}
