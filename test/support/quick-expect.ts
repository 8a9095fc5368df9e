/**
 * `expect(...).toBe` and `.toEqual` for checks that run after every command
 * of a long fuzz (the host's model-based test runs them about twenty times a
 * command, a million times in `npm run fuzz`): a plain comparison first, and
 * vitest's `expect` only when it fails, for its message and its verdict.
 * Each call of vitest's `expect` builds an assertion and updates the test's
 * state, which cost a third of the model test's CPU time; the verdicts are
 * the same.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';

/** `expect(actual, message).toBe(expected)`, asked of vitest only when `Object.is` says they differ (the same test as `toBe`). */
export function expectSame<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) expect(actual, message).toBe(expected);
}

/**
 * `expect(actual, message).toEqual(expected)`, asked of vitest only when a
 * strict deep comparison says they differ: values strictly deep-equal are
 * equal to `toEqual` too (which is looser: it ignores undefined properties and
 * classes), so vitest decides every case this one does not settle.
 */
export function expectEqual<T>(actual: T, expected: T, message?: string): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, message).toEqual(expected);
}

/** `expect(list, message).toEqual([])` for a list that is almost always empty. */
export function expectEmpty(list: ReadonlyArray<unknown> | undefined, message?: string): void {
  if (list === undefined || list.length !== 0) expect(list, message).toEqual([]);
}
