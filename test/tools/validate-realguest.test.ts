/** Unit tests of src/tools/validate-realguest.ts: the results table (test/validation/realguest.test.ts runs the validation itself). */
import { describe, expect, it } from 'vitest';
import { resultsMarkdown, type RunResult } from '../../src/tools/validate-realguest.js';

function result(figures: Array<[string, number, number, boolean]>): RunResult {
  return { name: 'squeeze', setup: 's', real: [], sim: [], figures: figures.map(([figure, real, sim, ok]) => ({ run: 'squeeze', figure, unit: 'MiB', real, sim, tolerance: '±10 %', ok })) };
}

describe('resultsMarkdown', () => {
  it('writes a Markdown row per figure with the relative error, and marks figures out of tolerance', () => {
    const text = resultsMarkdown([result([['free', 200, 210, true], ['oom kills', 0, 0, true], ['swap', 0, 3, false], ['big', 123456, 100000, false], ['nan', Number.NaN, 1, false]])]);
    expect(text.split('\n')).toEqual([
      '| run | figure | real | balloonsim | error | tolerance | |',
      '|---|---|---:|---:|---:|---|---|',
      '| squeeze | free (MiB) | 200 | 210 | +5 % | ±10 % | ok |',
      '| squeeze | oom kills (MiB) | 0 | 0 | 0 | ±10 % | ok |',
      '| squeeze | swap (MiB) | 0 | 3 | 3 | ±10 % | **out** |',
      '| squeeze | big (MiB) | 123,456 | 100,000 | -19 % | ±10 % | **out** |',
      '| squeeze | nan (MiB) | NaN | 1 |  | ±10 % | **out** |',
    ]);
  });
  it('is the header alone for no results', () => {
    expect(resultsMarkdown([]).split('\n')).toHaveLength(2);
  });
});
