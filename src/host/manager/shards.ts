/**
 * Shards: fixed groups of guests (consecutive guest indexes) whose free
 * frames are held in one pool on the thread that hosts them. How many there
 * are is decided by the scenario (`host.shards`, else a default from the
 * guest count), never by the number of worker threads, so that a run's
 * result does not depend on its placement; threads host whole shards.
 */
import { SHARDS_MAX } from '../owners.js';

/** Default number of shards: one per guest, up to this many (enough threads for a large machine). */
export const DEFAULT_SHARDS_MAX = 64;

export interface ShardLayout {
  readonly shards: number;
  /** Shard of each guest. */
  readonly shardOf: Int32Array;
  /** Guest indexes of each shard, in order. */
  readonly guestsOf: ReadonlyArray<ReadonlyArray<number>>;
}

/** How many shards `shardLayout(guests, shards)` makes, without making them. */
export function shardCount(guests: number, shards?: number): number {
  if (!Number.isSafeInteger(guests) || guests < 0) throw new RangeError(`shardLayout: guests must be a whole number, got ${guests}`);
  const count = Math.max(1, Math.min(guests, shards ?? DEFAULT_SHARDS_MAX));
  if (!Number.isSafeInteger(count) || count > SHARDS_MAX) throw new RangeError(`shardLayout: shards must be a whole number from 1 to ${SHARDS_MAX}, got ${shards}`);
  return count;
}

/** Splits `guests` guests into `shards` shards of consecutive guests whose sizes differ by at most one. */
export function shardLayout(guests: number, shards?: number): ShardLayout {
  const count = shardCount(guests, shards);
  const shardOf = new Int32Array(guests);
  const guestsOf: number[][] = [];
  const base = Math.floor(guests / count);
  const extra = guests % count;
  let next = 0;
  for (let shard = 0; shard < count; shard++) {
    const size = base + (shard < extra ? 1 : 0);
    const members: number[] = [];
    for (let i = 0; i < size; i++) {
      shardOf[next] = shard;
      members.push(next++);
    }
    guestsOf.push(members);
  }
  return { shards: count, shardOf, guestsOf };
}

/**
 * Splits the threads' work: `threads` groups of shards, dealt round robin
 * (thread t hosts shards t, t + threads, t + 2 threads, ...; each thread at
 * least one). Scenarios list guests by kind, so consecutive shards tend to
 * hold guests of one kind: dealing them out gives every thread its share of
 * each kind, where consecutive blocks would give one thread the busy guests
 * and another the idle ones. Which thread hosts a shard never changes a
 * result (the manager merges the threads' reports in guest order).
 */
export function shardsPerThread(layout: ShardLayout, threads: number): number[][] {
  const count = Math.max(1, Math.min(threads, layout.shards));
  const groups: number[][] = Array.from({ length: count }, () => []);
  for (let shard = 0; shard < layout.shards; shard++) groups[shard % count]!.push(shard);
  return groups;
}
