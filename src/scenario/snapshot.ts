/**
 * A copy of a resolved scenario, taken when a run or a sweep is asked for:
 * the library's `simulate` and `sweep` read the scenario later (after the
 * workers start, when a case's turn comes), and a caller who changed the
 * object after the call (a loop that sets a field and starts the next run)
 * changed a run already started, or broke it deep inside.
 */
import type { Scenario } from '../model/scenario.js';

/**
 * A deep copy of `scenario` (structured clone).
 *
 * @param what the function called, for the message (`simulate`, `sweep: scenarios[2]`)
 * @throws TypeError naming `what` when the scenario holds something that cannot be copied (a function, a class instance with private state)
 */
export function scenarioSnapshot(scenario: Scenario, what: string): Scenario {
  try {
    return structuredClone(scenario);
  } catch (error) {
    throw new TypeError(`${what}: scenario must be plain data (it holds something that cannot be copied: ${error instanceof Error ? error.message : String(error)}); make one with defineScenario({...})`);
  }
}
