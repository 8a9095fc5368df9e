/**
 * Command-line overrides of scenario settings: `--set host.policy.tau=0`,
 * `--set guests[0].memory=2GiB`, `--set host.policy={kind: mom, period: 5s}`.
 * They are applied to the file's content before validation, so an override
 * is checked exactly as if it were written in the file.
 */
import { parse as parseYaml } from 'yaml';
import { ScenarioError } from './errors.js';
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

/** Splits `guests[0].driver.batch` (or `guests.0.driver.batch`) into segments; null if it is not a path. */
export function parseOverridePath(path: string): PathSegment[] | null {
  const segments: PathSegment[] = [];
  for (const part of path.split('.')) {
    const match = /^([A-Za-z_$][A-Za-z0-9_$-]*)?((?:\[\d+\])*)$/.exec(part);
    if (part === '' || match === null) {
      if (/^\d+$/.test(part)) {
        segments.push(Number(part));
        continue;
      }
      return null;
    }
    if (match[1] !== undefined) segments.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments.length === 0 ? null : segments;
}

/** Reads `PATH=VALUE` from the command line. Throws an Error that says what to write. */
export function parseOverride(text: string): ScenarioOverride {
  const at = text.indexOf('=');
  const path = at < 0 ? '' : text.slice(0, at).trim();
  if (at < 0 || path === '' || parseOverridePath(path) === null) {
    throw new Error(`--set takes PATH=VALUE, such as host.policy.tau=0 or guests[0].memory=2GiB; got ${JSON.stringify(text)}`);
  }
  return { path, value: text.slice(at + 1) };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of an override, read as YAML (so `0` is a number, `75%` text, `{kind: mom}` a mapping). */
function readValue(override: ScenarioOverride): unknown {
  try {
    return parseYaml(override.value) as unknown;
  } catch (error) {
    throw new Error(`the value of --set ${override.path} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

function applyOne(data: Record<string, unknown>, override: ScenarioOverride): void {
  const segments = parseOverridePath(override.path)!;
  let node: unknown = data;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const where = override.path.split('.').slice(0, i + 1).join('.');
    let child: unknown;
    if (Array.isArray(node)) {
      if (typeof segment !== 'number' || segment >= node.length) {
        throw new Error(`--set ${override.path}: ${where} is not an item of a list of ${node.length}`);
      }
      child = node[segment];
    } else if (isMapping(node)) {
      child = node[String(segment)];
      const shorthandKey = SHORTHAND_KEYS[String(segment)];
      if (typeof child === 'string' && shorthandKey !== undefined) {
        child = { [shorthandKey]: child };
        node[String(segment)] = child;
      } else if (child === undefined || child === null) {
        child = {};
        node[String(segment)] = child;
      }
    } else {
      throw new Error(`--set ${override.path}: the value before ${JSON.stringify(String(segment))} is not a mapping or a list`);
    }
    if (!isMapping(child) && !Array.isArray(child)) {
      throw new Error(`--set ${override.path}: ${where} is ${JSON.stringify(child)}, not a mapping or a list, so it has no ${JSON.stringify(String(segments[i + 1]))}`);
    }
    node = child;
  }
  const last = segments[segments.length - 1]!;
  const value = readValue(override);
  if (Array.isArray(node)) {
    if (typeof last !== 'number' || last > node.length) throw new Error(`--set ${override.path}: no item ${String(last)} in a list of ${node.length}`);
    node[last] = value;
  } else if (isMapping(node)) {
    node[String(last)] = value;
  }
}

/**
 * Applies overrides, in order, to a copy of the file's content.
 *
 * @throws ScenarioError naming the override that cannot be applied
 */
export function applyOverrides(data: unknown, overrides: ReadonlyArray<ScenarioOverride>, source: string): unknown {
  if (overrides.length === 0) return data;
  const copy: unknown = data === null || data === undefined ? {} : structuredClone(data);
  if (!isMapping(copy)) throw new ScenarioError(source, [{ path: '', message: 'the scenario is not a mapping, so --set cannot change it' }]);
  for (const override of overrides) {
    try {
      applyOne(copy, override);
    } catch (error) {
      throw new ScenarioError(source, [{ path: override.path, message: error instanceof Error ? error.message : String(error), hint: 'check the path against the scenario file' }]);
    }
  }
  return copy;
}
