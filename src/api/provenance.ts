/** Provenance: what every output of a run says about where it came from (see runtime/provenance.ts). */
import type { Provenance } from '../runtime/provenance.js';
import type { RunResult } from '../runtime/simulate.js';
import { resolvedScenarioFile } from '../scenario/resolved-file.js';
import type { Scenario } from '../model/scenario.js';
import { BALLOONSIM_VERSION } from '../util/version.js';

/** The provenance of a run of `scenario` with `seed`. */
export function provenanceOf(scenario: Scenario, seed: number): Provenance {
  return {
    tool: 'balloonsim',
    version: BALLOONSIM_VERSION,
    node: process.version,
    seed,
    source: scenario.source,
    scenario: resolvedScenarioFile({ ...scenario, seed }),
  };
}

/** The result with its summary's provenance filled in (the same object, for chaining). */
export function withProvenance<R extends RunResult>(result: R, scenario: Scenario, seed: number): R {
  result.summary.provenance = provenanceOf(scenario, seed);
  return result;
}

/** One line for humans: `balloonsim 0.1.0, Node v20.20.0, seed 42`. */
export function provenanceLine(provenance: Provenance): string {
  return `${provenance.tool} ${provenance.version}, Node ${provenance.node}, seed ${provenance.seed}`;
}
