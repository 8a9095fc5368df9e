/** The smallest honest run for unit tests that need a real RunResult: two 16 MiB guests, 5 ticks, inline, a sample every tick. */
import { TimeSeries } from '../../src/output/time-series.js';
import { simulate, type RunResult } from '../../src/runtime/simulate.js';
import type { Scenario } from '../../src/model/scenario.js';
import { guest, MiB, scenario } from './scenarios.js';

export function tinyScenario(overrides: Partial<Omit<Scenario, 'guests'>> = {}): Scenario {
  return scenario({
    name: 'tiny',
    seed: 5,
    durationMs: 5000,
    guests: [
      guest('a', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 4 * MiB } }] }),
      guest('b', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB }),
    ],
    host: { memoryBytes: 64 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
    ...overrides,
  });
}

export async function runTiny(s: Scenario = tinyScenario()): Promise<{ scenario: Scenario; result: RunResult; series: TimeSeries }> {
  const series = new TimeSeries(s.guests.map((g) => g.name), s.frameBytes, Math.floor(s.host.memoryBytes / s.frameBytes));
  const result = await simulate(s, { placement: 'inline', sampleEveryTicks: 1, onSample: (sample) => series.add(sample) });
  return { scenario: s, result, series };
}
