/** The message helpers: edit distance, "did you mean", short lists, values in words. */
import { describe, expect, it } from 'vitest';
import { closest, describeValue, didYouMean, editDistance, listFew } from '../../src/util/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('memory', 'memory')).toBe(0);
    expect(editDistance('memory', 'memor')).toBe(1);
    expect(editDistance('memory', 'memorys')).toBe(1);
    expect(editDistance('memory', 'menory')).toBe(1);
    expect(editDistance('memory', 'mmeory')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('closest and didYouMean', () => {
  const keys = ['memory', 'maxMemory', 'minMemory', 'shares', 'swap'];

  it('finds a plausible typo, ignoring case, and nothing for a word far from every candidate', () => {
    expect(closest('memroy', keys)).toBe('memory');
    expect(closest('MAXMEMORY', keys)).toBe('maxMemory');
    expect(closest('swp', keys)).toBe('swap');
    expect(closest('colour', keys)).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
  });

  it('allows one edit in a short word and two in a longer one', () => {
    expect(closest('ab', ['ax'])).toBe('ax');
    expect(closest('ab', ['xy'])).toBeUndefined();
    expect(closest('sharez', ['shares'])).toBe('shares');
    expect(closest('shxrez', ['shares'])).toBe('shares');
    expect(closest('sxxrez', ['shares'])).toBeUndefined();
  });

  it('words the suggestion, or says nothing', () => {
    expect(didYouMean('memroy', keys)).toBe('did you mean "memory"? ');
    expect(didYouMean('colour', keys)).toBe('');
  });
});

describe('listFew', () => {
  it('lists up to the limit, then says how many more', () => {
    expect(listFew(['a', 'b', 'c'])).toBe('a, b, c');
    expect(listFew(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
    expect(listFew([])).toBe('');
  });
});

describe('describeValue', () => {
  it('quotes strings, shortens long ones, and describes collections without dumping them', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(null)).toBe('null (an empty value)');
    expect(describeValue('4 GiB')).toBe('"4 GiB"');
    expect(describeValue('x'.repeat(61))).toBe(`${JSON.stringify('x'.repeat(60))}... (61 characters)`);
    expect(describeValue(12)).toBe('12');
    expect(describeValue(true)).toBe('true');
    expect(describeValue([1])).toBe('a list of 1 item');
    expect(describeValue([1, 2])).toBe('a list of 2 items');
    expect(describeValue({ a: 1 })).toBe('a mapping (key: value pairs)');
  });
});
