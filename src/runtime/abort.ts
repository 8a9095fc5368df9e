/**
 * Cancelling a run: `simulate`, `simulateFree`, streams and sweeps take an
 * AbortSignal; once it is aborted the run stops at the next tick (lockstep)
 * or the next move of the host's clock (free), its threads are closed, and
 * the promise rejects with an AbortError.
 */

/** A run was cancelled through its AbortSignal. `cause` is the signal's reason. */
export class AbortError extends Error {
  override name = 'AbortError';
  /** As Node's own aborted operations say it. */
  readonly code = 'ABORT_ERR';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The error a cancelled run rejects with: where it stopped, and why (the signal's reason, as `cause`). */
export function abortErrorOf(signal: AbortSignal, what: string): AbortError {
  const reason: unknown = signal.reason;
  // A plain controller.abort() gives a DOMException "This operation was aborted": nothing to add.
  const said = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  const why = said === '' || said === 'This operation was aborted' ? '' : `: ${said}`;
  return new AbortError(`${what} was aborted${why}`, { cause: reason });
}

/** Throws the AbortError of `signal` if it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw abortErrorOf(signal, what);
}

/** How long a run with a signal may hold the event loop before it lets timers and I/O run (and so a timer abort it). */
const YIELD_EVERY_MS = 25;
const lastYield = new WeakMap<AbortSignal, number>();

/**
 * The check of a signal once per tick. An inline run never leaves its
 * microtasks, so a timer that would abort it could never fire: with a signal,
 * the run lets the event loop turn every 25 ms of wall time. (Scheduling
 * only: what the run computes does not depend on it.)
 */
export async function abortCheckpoint(signal: AbortSignal | undefined, what: () => string): Promise<void> {
  if (signal === undefined) return;
  if (signal.aborted) throw abortErrorOf(signal, what());
  const now = performance.now();
  const last = lastYield.get(signal);
  if (last === undefined) lastYield.set(signal, now);
  else if (now - last >= YIELD_EVERY_MS) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastYield.set(signal, performance.now());
    if (signal.aborted) throw abortErrorOf(signal, what());
  }
}
