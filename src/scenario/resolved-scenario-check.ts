/**
 * The check that a value handed to the library is a resolved Scenario (what
 * defineScenario, parseScenarioText and loadScenarioFile return). Every
 * library function that takes a scenario calls it first, so that null or a
 * hand-made object is refused with the function's name and how to make a
 * scenario, instead of a TypeError deep inside. (The copy a run takes of a
 * scenario is scenario/snapshot.ts.)
 */
import type { GuestSpec, Scenario } from '../model/scenario.js';
import { isPositive } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import { TICKS_MAX } from './limits.js';

/**
 * Throws a TypeError naming `what` (the function called) unless `scenario`
 * looks like a resolved Scenario, saying how to make one: the library's
 * callers may hand anything in.
 */
export function checkScenario(scenario: unknown, what: string): asserts scenario is Scenario {
  const candidate = scenario as Partial<Scenario> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    !Array.isArray(candidate.guests) ||
    typeof candidate.frameBytes !== 'number' ||
    typeof candidate.host !== 'object' ||
    candidate.host === null
  ) {
    // A mapping without these is most often a scenario's file form ({ host: { memory: '8GiB' }, ... }), which defineScenario resolves.
    const got = candidate === null || typeof candidate !== 'object' || Array.isArray(candidate) ? describeValue(scenario) : 'a mapping without guests, frameBytes and host (a file form?)';
    throw new TypeError(`${what}: scenario must be a resolved Scenario, got ${got}: make one with defineScenario({...}), parseScenarioText(text) or loadScenarioFile(path)`);
  }
  const problem = resolvedFieldProblem(candidate as Scenario);
  if (problem !== null) {
    throw new TypeError(
      `${what}: the scenario's ${problem}: change the scenario's file form and make it again with defineScenario({...})${problem.startsWith('duration') ? ' (its durationOverrideMs option sets another duration)' : ''}`,
    );
  }
}

/**
 * The first field of a resolved scenario changed by hand into something the
 * run cannot use, or null. A duration of Infinity ran for ever, one that was
 * missing gave a summary of NaN ticks, and a guest's size that was not a
 * number failed deep inside ("watermarksFor: memoryPages ... got NaN").
 */
function resolvedFieldProblem(scenario: Scenario): string | null {
  if (!isPositive(scenario.durationMs)) return `durationMs must be a positive number of ms, got ${String(scenario.durationMs)}`;
  if (!isPositive(scenario.tickMs)) return `tickMs must be a positive number of ms, got ${String(scenario.tickMs)}`;
  if (scenario.durationMs / scenario.tickMs > TICKS_MAX) {
    return `durationMs / tickMs is ${Math.ceil(scenario.durationMs / scenario.tickMs)} ticks, more than ${TICKS_MAX}`;
  }
  if (!isPositive(scenario.host.memoryBytes)) return `host.memoryBytes must be a positive number of bytes, got ${String(scenario.host.memoryBytes)}`;
  if (!Array.isArray(scenario.events)) return `events must be a list (empty when there are none), got ${String(scenario.events)}`;
  for (let index = 0; index < scenario.guests.length; index++) {
    const guest = scenario.guests[index] as Partial<GuestSpec> | null | undefined;
    if (guest === null || typeof guest !== 'object') return `guests[${index}] must be a guest, got ${String(guest)}`;
    if (typeof guest.name !== 'string' || guest.name === '') return `guests[${index}].name must be a non-empty string, got ${String(guest.name)}`;
    for (const field of ['memoryBytes', 'maxMemoryBytes'] as const) {
      if (!isPositive(guest[field])) return `guests[name=${guest.name}].${field} must be a positive number of bytes, got ${String(guest[field])}`;
    }
  }
  return null;
}

