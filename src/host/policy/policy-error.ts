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
