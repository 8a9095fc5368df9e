/**
 * Scenarios from plain objects: what a scenario file holds, written in
 * TypeScript or JavaScript, checked by the same validator with the same
 * messages (less line numbers, which an object does not have).
 */
import { resolve as resolvePath } from 'node:path';
import { ScenarioError } from '../scenario/errors.js';
import { NESTING_MAX } from '../scenario/limits.js';
import { checkDurationOverride, resolveScenario } from '../scenario/resolve.js';
import type { ScenarioFileInput } from '../scenario/schema.js';
import type { Scenario } from '../model/scenario.js';
import { refuseUnknownOptions } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';

export interface DefineScenarioOptions {
  /** Names the scenario in messages and summaries when it has no `name` (default `defineScenario`). */
  source?: string;
  /** The directory trace and policy module paths are relative to (default: the working directory). */
  baseDir?: string;
  /** Run for this long instead of `duration`, in ms (as `run --duration`). */
  durationOverrideMs?: number;
}

const DEFINE_SCENARIO_OPTION_KEYS: ReadonlyArray<keyof DefineScenarioOptions> = ['source', 'baseDir', 'durationOverrideMs'];

/** A description of where an object nests too deeply or refers to itself, or null. */
function shapeProblem(value: unknown): string | null {
  const onPath = new Set<object>();
  const visit = (node: unknown, depth: number, path: string): string | null => {
    if (node === null || typeof node !== 'object') return null;
    if (onPath.has(node)) return `${path === '' ? 'the scenario' : path} refers back to itself`;
    if (depth > NESTING_MAX) return `the scenario nests more than ${NESTING_MAX} levels deep (at ${path})`;
    onPath.add(node);
    for (const [key, child] of Object.entries(node)) {
      const found = visit(child, depth + 1, Array.isArray(node) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);
      if (found !== null) return found;
    }
    onPath.delete(node);
    return null;
  };
  return visit(value, 0, '');
}

/**
 * Makes a scenario from an object shaped as a scenario file: sizes and
 * durations as strings with units (`'4GiB'`, `'10m'`), shorthands allowed
 * (`driver: 'xen'`, `policy: 'static'`), every default filled in. The same
 * rules and messages as `loadScenarioFile`.
 *
 * @throws ScenarioError listing every problem, each with its path (`guests[0].memory`), what is wrong and how to fix it
 * @example
 * ```ts
 * const scenario = defineScenario({
 *   name: 'two-guests',
 *   duration: '30m',
 *   host: { memory: '16GiB', policy: { kind: 'mom', period: '10s' } },
 *   guests: [
 *     { name: 'web', memory: '4GiB', workload: [{ kind: 'anon', size: { sine: { min: '1GiB', max: '3GiB', period: '10m' } } }] },
 *     { name: 'batch', count: 4, memory: '2GiB' },
 *   ],
 *   events: [{ at: '5m', setTarget: { guest: 'web', memory: '2GiB' } }],
 * });
 * ```
 */
export function defineScenario(scenario: ScenarioFileInput, options: DefineScenarioOptions = {}): Scenario {
  if (options === null || typeof options !== 'object') throw new TypeError(`defineScenario: options must be an object, got ${describeValue(options)}`);
  // A misspelt key was ignored, and a baseDir that was not a path failed as Node's 'The "paths[0]" argument must be of type string'.
  refuseUnknownOptions(options, DEFINE_SCENARIO_OPTION_KEYS, 'defineScenario');
  checkDurationOverride(options.durationOverrideMs, 'defineScenario');
  const source = options.source ?? 'defineScenario';
  if (typeof source !== 'string' || source === '') throw new TypeError('defineScenario: options.source must be a non-empty string');
  const baseDir = options.baseDir;
  if (baseDir !== undefined && (typeof baseDir !== 'string' || baseDir === '')) throw new TypeError(`defineScenario: baseDir must be the path of a directory, got ${describeValue(baseDir)}`);
  const problem = shapeProblem(scenario);
  if (problem !== null) throw new ScenarioError(source, [{ path: '', message: problem, hint: 'a scenario is plain data: mappings, lists, strings, numbers and booleans' }]);
  return resolveScenario(scenario, source, resolvePath(options.baseDir ?? process.cwd()), { durationOverrideMs: options.durationOverrideMs });
}
