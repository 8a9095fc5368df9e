import { parseOverride, type ScenarioOverride } from '../scenario/overrides.js';
import { parseDuration } from '../model/units.js';
import { UsageError } from './usage-error.js';

/** Parses a flag's value as a non-negative safe integer. */
export function integerFlag(flag: string, text: string, min = 0): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag} takes a whole number${min > 0 ? ` of at least ${min}` : ''}, got "${text}"`);
  }
  return value;
}

/** Parses a flag's value as a duration with a unit (`90s`, `10m`). */
export function durationFlag(flag: string, text: string): number {
  try {
    const ms = parseDuration(text, flag);
    if (ms <= 0) throw new UsageError(`${flag} must be longer than 0, got "${text}"`);
    return ms;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Checks that a flag's value is one of a fixed set. */
export function choiceFlag<T extends string>(flag: string, text: string, choices: ReadonlyArray<T>): T {
  if (!(choices as ReadonlyArray<string>).includes(text)) {
    throw new UsageError(`${flag} takes one of ${choices.join(', ')}; got "${text}"`);
  }
  return text as T;
}

/** Parses `--set PATH=VALUE` flags. */
export function overrideFlags(values: ReadonlyArray<string> | undefined): ScenarioOverride[] {
  return (values ?? []).map((text) => {
    try {
      return parseOverride(text);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  });
}
