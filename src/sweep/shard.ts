/**
 * Shards: `--shard i/n` runs the cases whose number leaves remainder i - 1
 * when divided by n. Dealing cases out round-robin (rather than in blocks)
 * spreads neighbouring cases, which tend to cost alike, over the shards.
 */
import { isCount } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Most shards a sweep can be cut into. */
export const SHARDS_MAX = 100_000;

/**
 * Parses `i/n` (1 <= i <= n).
 *
 * @returns the shard, or a sentence saying what is wrong
 */
export function parseShard(text: string): Shard | string {
  if (typeof text !== 'string') return `a shard is written i/n, such as 1/4 (the first of four), got ${text === null ? 'null' : typeof text}`;
  const found = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (found === null) return `a shard is written i/n, such as 1/4 (the first of four), got "${text}"`;
  const index = Number(found[1]);
  const count = Number(found[2]);
  if (count < 1 || count > SHARDS_MAX) return `the number of shards must be from 1 to ${SHARDS_MAX}, got ${count}`;
  if (index < 1 || index > count) return `shard ${index}/${count} does not exist: shards are numbered 1 to ${count}`;
  return { index, count };
}

/**
 * Throws unless `shard` is a shard: given undefined or a string, inShard
 * failed reading count of undefined or answered false for every case, and
 * formatShard wrote "undefined/undefined".
 */
function checkShard(shard: unknown, what: string): asserts shard is Shard {
  const candidate = shard as Partial<Shard> | null;
  const whole = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
  if (candidate === null || typeof candidate !== 'object' || !whole(candidate.index) || !whole(candidate.count) || candidate.count < 1 || candidate.count > SHARDS_MAX || candidate.index < 1 || candidate.index > candidate.count) {
    const shown = candidate !== null && typeof candidate === 'object' && !Array.isArray(candidate) ? `{ index: ${String(candidate.index)}, count: ${String(candidate.count)} }` : describeValue(shard);
    throw new TypeError(`${what}: shard must be { index, count } with 1 <= index <= count <= ${SHARDS_MAX} (parseShard('1/4') makes one), got ${shown}`);
  }
}

/** Whether case `caseIndex` (0-based) belongs to `shard`. */
export function inShard(caseIndex: number, shard: Shard | null): boolean {
  if (!isCount(caseIndex, 0)) {
    throw new RangeError(`inShard: caseIndex must be a case's number, a whole number of at least 0, got ${describeValue(caseIndex)}`);
  }
  if (shard === null) return true;
  checkShard(shard, 'inShard');
  return caseIndex % shard.count === shard.index - 1;
}

/** `2/4`. */
export function formatShard(shard: Shard): string {
  checkShard(shard, 'formatShard');
  return `${shard.index}/${shard.count}`;
}
