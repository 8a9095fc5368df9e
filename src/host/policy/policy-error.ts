/**
 * A policy that cannot be used: a module that cannot be loaded or does not
 * export the right shape, or a user's policy that returned something that is
 * not a target. It is the user's input that is wrong, so the CLI exits with 2.
 */
export class PolicyError extends Error {
  /** A stable code for callers and for errors that cross a thread. */
  readonly code = 'POLICY_INVALID';
  override name = 'PolicyError';
}

/**
 * Throws a PolicyError when a user's policy method returned a Promise (an
 * async method): simulated time does not wait for it, and taken as targets it
 * would be an object with none, silently. Its rejection, if it comes, is
 * caught here, so that it cannot end the process as an unhandled one.
 *
 * @param who - the policy as messages name it: `policy NAME (PATH)`
 */
export function refusePromise(result: unknown, who: string, method: string): void {
  if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return;
  const then = (result as { then?: unknown }).then;
  if (typeof then !== 'function') return;
  then.call(result, undefined, () => {});
  throw new PolicyError(`${who}: ${method} returned a Promise (is it an async function?); it must return its result at once: simulated time does not wait for it`);
}

/** A value a policy returned, for a message: NaN and Infinity as themselves (JSON would say null). */
export function describeReturned(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}
