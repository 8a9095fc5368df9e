/**
 * Provenance: what every output of a run says about where it came from (see
 * runtime/provenance.ts), made from the scenario resolved back into its file
 * form. Here, below the library and the sweeps, so that a sweep's cases
 * (`--case-outputs`) carry it as `run --out` does.
 */
import type { Provenance } from '../runtime/provenance.js';
import type { RunResult } from '../runtime/simulate.js';
import type { Scenario } from '../model/scenario.js';
import { BALLOONSIM_VERSION } from '../util/version.js';
import { isCount } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import { resolvedScenarioFileUnchecked } from './resolved-file.js';
import { checkScenario } from './resolved-scenario-check.js';

/**
 * The provenance of a run of `scenario` with `seed`.
 *
 * @throws TypeError when `scenario` is not a resolved scenario
 * @throws RangeError when `seed` is not a whole number of at least 0
 */
export function provenanceOf(scenario: Scenario, seed: number): Provenance {
  checkScenario(scenario, 'provenanceOf');
  // The seed is written into the provenance's scenario: NaN or a string there made a file that does not load again.
  if (!isCount(seed, 0)) {
    throw new RangeError(`provenanceOf: seed must be a whole number of at least 0 (the seed the run used, summary.seed), got ${describeValue(seed)}`);
  }
  return provenanceOfUnchecked(scenario, seed);
}

/**
 * `provenanceOf` without its checks, for a run's own result: its scenario
 * was checked when the run was asked for, and its seed is one the run used
 * (the run refuses any other before it starts).
 */
function provenanceOfUnchecked(scenario: Scenario, seed: number): Provenance {
  return {
    tool: 'balloonsim',
    version: BALLOONSIM_VERSION,
    node: process.version,
    seed,
    source: scenario.source,
    scenario: resolvedScenarioFileUnchecked({ ...scenario, seed }),
  };
}

/** The result with its summary's provenance filled in (the same object, for chaining). */
export function withProvenance<R extends RunResult>(result: R, scenario: Scenario, seed: number): R {
  result.summary.provenance = provenanceOfUnchecked(scenario, seed);
  return result;
}
