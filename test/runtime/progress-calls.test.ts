/**
 * Progress comes often enough for a display to stay live: lockstep reports
 * every tick, free-running mode every move of the host's clock (it used to
 * be every 1 %, which for examples/stress-free.yaml meant nothing for hours).
 */
import { describe, expect, it } from 'vitest';
import { simulateFree } from '../../src/runtime/free/simulate-free.js';
import { simulate } from '../../src/runtime/simulate.js';
import { parseScenarioText } from '../../src/scenario/load.js';

const yaml = (duration: string): string => `name: progress
duration: ${duration}
tick: 100ms
host: { memory: 1GiB }
guests: [ { name: g, count: 2, memory: 64MiB, workload: [ { kind: anon, size: 16MiB } ] } ]
`;

describe('progress reports', () => {
  it('come after every tick in lockstep, ending at the total', async () => {
    const calls: Array<[number, number]> = [];
    await simulate(parseScenarioText(yaml('30s'), 'progress.yaml'), { placement: 'inline', onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toHaveLength(300);
    expect(calls[0]).toEqual([1, 300]);
    expect(calls.at(-1)).toEqual([300, 300]);
  });

  it('come whenever the host clock moves in free-running mode, far more often than every 1 %', async () => {
    const calls: number[] = [];
    await simulateFree(parseScenarioText(yaml('100s'), 'progress.yaml'), { workers: 2, audit: false, onProgress: (done) => calls.push(done) });
    expect(calls.length).toBeGreaterThan(200);
    expect(calls.at(-1)).toBe(1000);
    for (let i = 1; i < calls.length; i++) expect(calls[i]).toBeGreaterThan(calls[i - 1]!);
  });
});
