/**
 * Parameter paths of a sweep grid (and of `--set`, overrides.ts): where in a
 * scenario FILE a parameter's value goes. Keys are joined by dots; a list item is picked by its index
 * (`events[0]`) or by a key's value (`guests[name=idle]`):
 *
 *     seed
 *     host.memory
 *     host.policy.period
 *     guests[name=idle].memory
 *     guests[1].workload[0].hot
 *     events[0].setTarget.memory
 *
 * Values are set in the file's content before it is validated, so they are
 * written as in a scenario file (`12GiB`, `30%`) and checked the same way.
 */

/** A list item picked by the value of one of its keys: `[name=idle]`. */
export interface ItemMatch {
  key: string;
  value: string;
}

export type PathStep = { key: string } | { index: number } | { match: ItemMatch };

/** Most steps in one parameter path. */
const PATH_STEPS_MAX = 32;

const KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/**
 * Parses a parameter path.
 *
 * @returns the steps, or a sentence saying what is wrong with the text
 */
export function parseParameterPath(text: string): PathStep[] | string {
  if (text.trim() !== text || text === '') return 'a parameter path is keys joined by dots, such as host.memory or guests[name=web].memory';
  const steps: PathStep[] = [];
  let rest = text;
  let expectKey = true;
  while (rest !== '') {
    if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      if (end < 0) return `"${text}": a [ is not closed`;
      const inside = rest.slice(1, end);
      if (/^\d+$/.test(inside)) steps.push({ index: Number(inside) });
      else {
        const equals = inside.indexOf('=');
        const key = inside.slice(0, equals);
        const value = inside.slice(equals + 1);
        if (equals <= 0 || !KEY.test(key) || KEY.exec(key)![0] !== key || value === '') {
          return `"${text}": [${inside}] picks a list item by index ([0]) or by a key's value ([name=web])`;
        }
        steps.push({ match: { key, value } });
      }
      rest = rest.slice(end + 1);
      expectKey = false;
      continue;
    }
    if (!expectKey) {
      if (!rest.startsWith('.')) return `"${text}": expected . or [ after ${describeSteps(steps)}`;
      rest = rest.slice(1);
    }
    const key = KEY.exec(rest);
    if (key === null) return `"${text}": expected a key after ${steps.length === 0 ? 'the start' : describeSteps(steps)}`;
    // Setting __proto__ would change the prototype of every object (and break the validator), not a setting.
    if (key[0] === '__proto__') return `"${text}": there is no setting named __proto__ (a path names keys of the scenario file)`;
    steps.push({ key: key[0] });
    rest = rest.slice(key[0].length);
    expectKey = false;
  }
  if (steps.length > PATH_STEPS_MAX) return `"${text}": a path has at most ${PATH_STEPS_MAX} steps`;
  if (!('key' in steps[0]!)) return `"${text}": a path starts with a key`;
  return steps;
}

/** Writes steps back as text (`guests[name=idle].memory`). */
export function describeSteps(steps: ReadonlyArray<PathStep>): string {
  let text = '';
  for (const step of steps) {
    if ('key' in step) text += text === '' ? step.key : `.${step.key}`;
    else if ('index' in step) text += `[${step.index}]`;
    else text += `[${step.match.key}=${step.match.value}]`;
  }
  return text;
}

/** Whether a value read from YAML is a mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value of `key` in `mapping` if the mapping has it itself: not what every object inherits (`constructor`, `toString`). */
export function ownValue(mapping: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(mapping, key) ? mapping[key] : undefined;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Finds the item of `list` that `match` picks: the first mapping whose
 * `match.key` reads as `match.value` (`[name=7]` finds `name: 7`).
 *
 * @returns its index, or a sentence saying that `where` has no such item and
 * naming the values of `match.key` there are
 */
export function indexOfItem(list: readonly unknown[], match: ItemMatch, where: string): number | string {
  const index = list.findIndex((item) => isRecord(item) && String(item[match.key]) === match.value);
  if (index >= 0) return index;
  const known = list.filter(isRecord).map((item) => item[match.key]).filter((value) => value !== undefined).map(String);
  return `${where} has no item with ${match.key} ${match.value}${known.length > 0 ? ` (there are: ${known.slice(0, 12).join(', ')})` : ''}`;
}

/**
 * Sets `value` at `steps` inside `root` (a scenario file's content, changed
 * in place). Missing mappings on the way are created; list items must exist.
 *
 * @returns null when done, or a sentence saying why the path does not fit the file
 */
export function setAtPath(root: unknown, steps: ReadonlyArray<PathStep>, value: unknown): string | null {
  let node: unknown = root;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const last = i === steps.length - 1;
    const where = i === 0 ? 'the scenario' : describeSteps(steps.slice(0, i));
    if ('key' in step) {
      if (!isRecord(node)) return `${where} is ${describeValue(node)}, not a mapping with key ${step.key}`;
      if (last) {
        node[step.key] = value;
        return null;
      }
      if (ownValue(node, step.key) === undefined) node[step.key] = {};
      node = node[step.key];
      continue;
    }
    if (!Array.isArray(node)) return `${where} is ${describeValue(node)}, not a list`;
    let index: number;
    if ('index' in step) {
      index = step.index;
      if (index >= node.length) return `${where} has ${node.length} item${node.length === 1 ? '' : 's'}, so there is no [${index}]`;
    } else {
      const found = indexOfItem(node, step.match, where);
      if (typeof found === 'string') return found;
      index = found;
    }
    if (last) {
      node[index] = value;
      return null;
    }
    node = node[index];
  }
  return null;
}
