/** Unit tests of src/sweep/shard.ts (test/sweep/shards.test.ts holds the property that shards cover every case once). */
import { describe, expect, it } from 'vitest';
import { formatShard, inShard, parseShard, SHARDS_MAX } from '../../src/sweep/shard.js';

describe('parseShard', () => {
  it('reads i/n, with spaces around', () => {
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard(' 3/7 ')).toEqual({ index: 3, count: 7 });
    expect(parseShard(`${SHARDS_MAX}/${SHARDS_MAX}`)).toEqual({ index: SHARDS_MAX, count: SHARDS_MAX });
  });

  it('says what is wrong with anything else', () => {
    expect(parseShard('1 / 2')).toBe('a shard is written i/n, such as 1/4 (the first of four), got "1 / 2"');
    expect(parseShard('-1/2')).toMatch(/written i\/n/);
    expect(parseShard('1.5/2')).toMatch(/written i\/n/);
    // Not a string failed as "Cannot read properties of null (reading 'trim')".
    expect(parseShard(null as never)).toBe('a shard is written i/n, such as 1/4 (the first of four), got null');
    expect(parseShard(2 as never)).toBe('a shard is written i/n, such as 1/4 (the first of four), got number');
    expect(parseShard('1/100001')).toBe('the number of shards must be from 1 to 100000, got 100001');
    expect(parseShard('0/3')).toBe('shard 0/3 does not exist: shards are numbered 1 to 3');
    expect(parseShard('4/3')).toBe('shard 4/3 does not exist: shards are numbered 1 to 3');
  });
});

describe('inShard', () => {
  it('deals cases round-robin: shard i of n takes the cases with remainder i - 1', () => {
    const shard = { index: 2, count: 3 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].filter((c) => inShard(c, shard))).toEqual([1, 4, 7]);
  });
  it('takes every case without a shard', () => {
    expect([0, 1, 2].every((c) => inShard(c, null))).toBe(true);
  });
});

describe('formatShard', () => {
  it('writes i/n, which parseShard reads back', () => {
    expect(formatShard({ index: 2, count: 4 })).toBe('2/4');
    expect(parseShard(formatShard({ index: 5, count: 9 }))).toEqual({ index: 5, count: 9 });
  });
});

describe('inShard and formatShard of what is not a shard', () => {
  const IS = 'shard must be { index, count } with 1 <= index <= count <= 100000 (parseShard(\'1/4\') makes one)';

  it('refuse a shard that is not { index, count }: undefined failed reading count, "1/4" took no case, formatShard wrote "undefined/undefined"', () => {
    expect(() => inShard(0, undefined as never)).toThrow(new TypeError(`inShard: ${IS}, got nothing`));
    expect(() => inShard(0, '1/4' as never)).toThrow(new TypeError(`inShard: ${IS}, got "1/4"`));
    expect(() => formatShard({ index: 0, count: 4 })).toThrow(new TypeError(`formatShard: ${IS}, got { index: 0, count: 4 }`));
    expect(() => formatShard(5 as never)).toThrow(new TypeError(`formatShard: ${IS}, got 5`));
  });

  it('refuses a case number that is not a whole number, which no shard took', () => {
    expect(() => inShard(Number.NaN, { index: 1, count: 2 })).toThrow(new RangeError("inShard: caseIndex must be a case's number, a whole number of at least 0, got NaN"));
    expect(() => inShard(-1, null)).toThrow(/^inShard: caseIndex must be a case's number, .*got -1$/);
  });
});
