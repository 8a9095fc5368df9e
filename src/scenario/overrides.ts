/**
 * Command-line overrides of scenario settings: `--set host.policy.tau=0`,
 * `--set guests[0].memory=2GiB`, `--set guests[name=web].memory=2GiB` (a list
 * item by a key's value, as in sweep grids), `--set host.policy={kind: mom,
 * period: 5s}`. They are applied to the file's content before validation, so an override
 * is checked exactly as if it were written in the file.
 */
import { parse as parseYaml } from 'yaml';
import { formatPath, ScenarioError } from './errors.js';
import { indexOfItem, isRecord, ownValue, parseParameterPath, type ItemMatch } from './parameter-path.js';
import type { PathSegment } from './errors.js';

/** One `PATH=VALUE` override. */
export interface ScenarioOverride {
  /** As written: `host.policy.tau`. */
  path: string;
  /** As written: `0`, `75%`, `{kind: mom}` (read as YAML). */
  value: string;
}

/** Keys whose value may be a shorthand string standing for a mapping with this key (`policy: esx` is `{kind: esx}`). */
const SHORTHAND_KEYS: Readonly<Record<string, string>> = { policy: 'kind', setPolicy: 'kind', driver: 'profile' };

/** A step of an override's path: a key, a list index, or an item picked by a key's value. */
export type OverrideStep = PathSegment | ItemMatch;

/**
 * Splits `guests[0].driver.batch` (or `guests.0.driver.batch`, or
 * `guests[name=web].driver.batch`) into steps; null if it is not a path.
 * The grammar is the sweep grids' (parameter-path.ts), with `.N` also taken
 * as an index.
 */
export function parseOverridePath(path: string): OverrideStep[] | null {
  const steps = overrideSteps(path);
  return typeof steps === 'string' ? null : steps;
}

/** The steps of an override's path, or a sentence saying what is wrong with it. */
function overrideSteps(path: string): OverrideStep[] | string {
  // `.N` outside brackets is `[N]` (a selector's value is left as written).
  const steps = parseParameterPath(path.replace(/\[[^\]]*\]|\.(\d+)(?=[.[]|$)/g, (part, index?: string) => (index === undefined ? part : `[${index}]`)));
  if (typeof steps === 'string') return steps;
  return steps.map((step) => ('key' in step ? step.key : 'index' in step ? step.index : step.match));
}

/** Where the `=` between PATH and VALUE is: the first one outside brackets (`guests[name=web].memory=2GiB`), or -1. */
function assignmentAt(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === '=' && depth === 0) return i;
  }
  return -1;
}

/** Reads `PATH=VALUE` from the command line. Throws an Error that says what to write. */
export function parseOverride(text: string): ScenarioOverride {
  const at = assignmentAt(text);
  const path = at < 0 ? '' : text.slice(0, at).trim();
  const steps = at < 0 || path === '' ? null : overrideSteps(path);
  if (steps === null || typeof steps === 'string') {
    const why = typeof steps === 'string' ? ` (${steps})` : '';
    throw new Error(`--set takes PATH=VALUE, such as host.policy.tau=0, guests[0].memory=2GiB or guests[name=web].memory=2GiB; got ${JSON.stringify(text)}${why}`);
  }
  return { path, value: text.slice(at + 1) };
}

/** The value of an override, read as YAML (so `0` is a number, `75%` text, `{kind: mom}` a mapping). */
function readValue(override: ScenarioOverride): unknown {
  try {
    return parseYaml(override.value) as unknown;
  } catch (error) {
    throw new Error(`the value of --set ${override.path} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

function describeStep(step: OverrideStep): string {
  return typeof step === 'object' ? `[${step.key}=${step.value}]` : JSON.stringify(String(step));
}

/** The path up to and with `step`, as the user would write it. */
function pathTo(resolved: readonly PathSegment[], step: OverrideStep): string {
  return typeof step === 'object' ? `${formatPath(resolved)}${describeStep(step)}` : formatPath([...resolved, step]);
}

/** The index in `list` that `step` names, or an Error saying why there is none. */
function indexIn(list: unknown[], step: OverrideStep, where: string, path: string): number {
  if (typeof step === 'object') {
    const index = indexOfItem(list, step, where);
    if (typeof index === 'string') throw new Error(`--set ${path}: ${index}`);
    return index;
  }
  if (typeof step !== 'number' || step >= list.length) throw new Error(`--set ${path}: ${where} is not an item of a list of ${list.length}`);
  return step;
}

/** Applies one override; returns its path with every list item as its index (as the resolved scenario's issues name it). */
function applyOne(data: Record<string, unknown>, override: ScenarioOverride): PathSegment[] {
  const steps = parseOverridePath(override.path)!;
  const resolved: PathSegment[] = [];
  let node: unknown = data;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i]!;
    const where = pathTo(resolved, step);
    let child: unknown;
    if (Array.isArray(node)) {
      const index = indexIn(node, step, where, override.path);
      resolved.push(index);
      child = node[index];
    } else if (isRecord(node) && typeof step !== 'object') {
      resolved.push(step);
      child = ownValue(node, String(step));
      const shorthandKey = SHORTHAND_KEYS[String(step)];
      if (typeof child === 'string' && shorthandKey !== undefined) {
        child = { [shorthandKey]: child };
        node[String(step)] = child;
      } else if (child === undefined || child === null) {
        // What the next step picks in: a list for an index or a selector (`events[0]`), else a mapping.
        child = typeof steps[i + 1] === 'string' ? {} : [];
        node[String(step)] = child;
      }
    } else {
      throw new Error(`--set ${override.path}: ${formatPath(resolved)} is not a list, so ${describeStep(step)} picks nothing in it`);
    }
    if (!isRecord(child) && !Array.isArray(child)) {
      throw new Error(`--set ${override.path}: ${formatPath(resolved)} is ${JSON.stringify(child)}, not a mapping or a list, so it has no ${describeStep(steps[i + 1]!)}`);
    }
    node = child;
  }
  const last = steps[steps.length - 1]!;
  const value = readValue(override);
  if (Array.isArray(node)) {
    // An index may add an item at the end; a selector must find one.
    const index = typeof last === 'number' && last === node.length ? last : indexIn(node, last, pathTo(resolved, last), override.path);
    node[index] = value;
    resolved.push(index);
  } else if (isRecord(node) && typeof last !== 'object') {
    node[String(last)] = value;
    resolved.push(last);
  } else {
    throw new Error(`--set ${override.path}: ${formatPath(resolved)} is not a list, so ${describeStep(last)} picks nothing in it`);
  }
  return resolved;
}

/**
 * Applies overrides, in order, to a copy of the file's content.
 *
 * @throws ScenarioError naming the override that cannot be applied
 */
export function applyOverrides(data: unknown, overrides: ReadonlyArray<ScenarioOverride>, source: string, resolvedPaths: PathSegment[][] = []): unknown {
  if (overrides.length === 0) return data;
  const copy: unknown = data === null || data === undefined ? {} : structuredClone(data);
  if (!isRecord(copy)) throw new ScenarioError(source, [{ path: '', message: 'the scenario is not a mapping, so --set cannot change it' }]);
  for (const override of overrides) {
    try {
      resolvedPaths.push(applyOne(copy, override));
    } catch (error) {
      throw new ScenarioError(source, [{ path: override.path, message: error instanceof Error ? error.message : String(error), hint: 'check the path against the scenario file' }]);
    }
  }
  return copy;
}
