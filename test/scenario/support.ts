/** Helpers for the scenario loader's tests. */
import { ScenarioError, type ScenarioIssue } from '../../src/scenario/errors.js';

/** The ScenarioError that `fn` throws. */
export function scenarioError(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioError, but the scenario was accepted');
}

/** The one issue at `path`, failing with every issue listed when there is not exactly one. */
export function issueAt(error: ScenarioError, path: string): ScenarioIssue {
  const found = error.issues.filter((issue) => issue.path === path);
  if (found.length !== 1) throw new Error(`expected one issue at ${path}, found ${found.length}:\n${error.format()}`);
  return found[0] as ScenarioIssue;
}

/** A small valid scenario, as YAML lines, with the given guest lines after `guests:`. */
export function yamlWithGuests(guestLines: string, rest = ''): string {
  return `host:\n  memory: 16GiB\nguests:\n${guestLines}${rest}`;
}
