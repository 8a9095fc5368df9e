/**
 * Scenarios whose host policy is a module written for the test (in a
 * temporary directory removed when the test is done): two guests of 24 MiB
 * of workload each, a policy period of 5 s, 20 s long.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../../src/model/scenario.js';
import { guest, MiB, scenario } from './scenarios.js';
import { temporaryDirectory } from './temporary-directory.js';

/** A module whose decide loops for ever from 5 s of simulated time on (tick 5), after deciding nothing at 0 s. */
export const DECIDE_LOOPS_FROM_5S = 'export function createPolicy() { return { decide(view) { if (view.timeMs >= 5000) for (;;) {} return null; } }; }\n';

/** A module whose decide returns at once, deciding nothing. */
export const DECIDES_NOTHING = 'export function createPolicy() { return { decide: () => null }; }\n';

/** A scenario whose policy is `source`, written to `<fresh temporary directory>/<file>`. */
export function policyModuleScenario(source: string, file = 'policy.mjs', overrides: Partial<Omit<Scenario, 'guests'>> = {}): Scenario {
  const path = join(temporaryDirectory('balloonsim-policy-module-'), file);
  writeFileSync(path, source);
  const workload = [{ kind: 'anon' as const, name: 'anon-0', hotFraction: 1, size: { kind: 'constant' as const, bytes: 24 * MiB } }];
  return scenario({
    durationMs: 20_000,
    guests: [guest('a', { workload }), guest('b', { workload })],
    host: { memoryBytes: 256 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'module', periodMs: 5000, path, options: {} } },
    ...overrides,
  });
}
