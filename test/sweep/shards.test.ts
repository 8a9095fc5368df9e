import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSweepTables, MergeError } from '../../src/sweep/merge.js';
import { inShard, parseShard } from '../../src/sweep/shard.js';
import { sweep } from '../../src/sweep/sweep.js';
import { deterministicTable, sweepCsv, type SweepTable } from '../../src/sweep/table.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import { arbitraryScenario } from '../support/scenarios.js';

describe('shards', () => {
  const params = propertyParams('the shards of a sweep cover every case exactly once', { numRuns: 200 });
  it(params.name, () => {
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 40 }), (cases, count) => {
        const owners = Array.from({ length: cases }, (_, c) => Array.from({ length: count }, (_, i) => i + 1).filter((index) => inShard(c, { index, count })));
        expect(owners.every((list) => list.length === 1)).toBe(true);
        const sizes = Array.from({ length: count }, (_, i) => owners.filter((list) => list[0] === i + 1).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      params,
    );
  });

  it('parse i/n and refuse the rest', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('0/4')).toMatch(/does not exist/);
    expect(parseShard('5/4')).toMatch(/does not exist/);
    expect(parseShard('1/0')).toMatch(/from 1/);
    expect(parseShard('half')).toMatch(/written i\/n/);
  });
});

describe('sweep on worker threads', () => {
  const params = propertyParams('shards merged equal the whole sweep, whatever the concurrency', { numRuns: 4 });
  it(params.name, async () => {
    await assertProperty(
      fc.asyncProperty(fc.array(arbitraryScenario(), { minLength: 2, maxLength: 5 }), fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 }), async (scenarios, count, concurrency) => {
        const whole = await sweep(scenarios, { concurrency });
        expect(whole.rows.map((r) => r.case)).toEqual(scenarios.map((_, i) => i));
        expect(whole.rows.every((r) => r.status !== 'failed' && r.metrics!.auditViolations === 0)).toBe(true);
        const shards: SweepTable[] = [];
        for (let index = 1; index <= count; index++) shards.push(await sweep(scenarios, { concurrency: 1, shard: { index, count } }));
        const merged = mergeSweepTables(shards.reverse());
        expect(deterministicTable(merged)).toEqual(deterministicTable(whole));
        expect(sweepCsv(merged)).toBe(sweepCsv(whole));
      }),
      params,
    );
  });

  it('merge refuses what does not join', async () => {
    const scenarios = await new Promise<ReturnType<typeof arbitraryScenario> extends fc.Arbitrary<infer S> ? S[] : never>((resolve) => resolve(fc.sample(arbitraryScenario({ crashes: false }), { numRuns: 3, seed: 42 })));
    const first = await sweep(scenarios, { concurrency: 1, shard: '1/2' });
    const second = await sweep(scenarios, { concurrency: 1, shard: '2/2' });
    expect(mergeSweepTables([first, second]).rows).toHaveLength(3);
    expect(() => mergeSweepTables([first, first])).toThrow(MergeError);
    expect(() => mergeSweepTables([first])).toThrow(/missing shards: 2\/2/);
    expect(mergeSweepTables([first], undefined, { allowMissing: true }).rows).toHaveLength(2);
    expect(() => mergeSweepTables([first, { ...second, fingerprint: 'other' }])).toThrow(/different grid/);
    expect(() => mergeSweepTables([{ ...first, kind: 'x' } as never])).toThrow(/not a balloonsim sweep table/);
    expect(() => mergeSweepTables([])).toThrow(/nothing to merge/);
  });
});
