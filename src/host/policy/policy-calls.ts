/**
 * The host's side of the watch on users' policy code: a policy module's
 * methods run on the host's thread, and one that never returns (a loop in
 * `decide`) would hang the run without a word. The host tells a gate when
 * it calls into a user's code and when the call is over; the runtime's gate
 * writes that into shared memory, where a watchdog on another thread reads
 * it (src/runtime/policy-watch/). The host knows nothing else of the watch.
 */

/** The methods of a policy module the host calls (createPolicy is the module's factory; load, its top-level code as it is imported). */
export type PolicyMethod = 'load' | 'createPolicy' | 'decide' | 'observe' | 'reclaim';

/** Where the host says that it calls into a user's policy code, and when the call is over. */
export interface PolicyCallGate {
  /** The number that stands for `method` of the module at `modulePath` (asked once per policy, then given to `enter` on every call). */
  codeOf(modulePath: string, method: PolicyMethod): number;
  /** Just before a call into the user's code, at simulated time `timeMs`. Cheap: it runs on every call. */
  enter(code: number, timeMs: number): void;
  /** When that call has returned or thrown. */
  leave(): void;
}
