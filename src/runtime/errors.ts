import type { SerializedError } from '../messages/runtime.js';
import { compiledFile } from '../util/built-file.js';

/**
 * The run failed for a reason that is not the user's input: an actor threw, a
 * worker died, an invariant broke. The CLI exits with 1.
 */
export class RunFailure extends Error {
  override name = 'RunFailure';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Serializes an error on purpose before it crosses a thread. */
export function serializeError(error: unknown, code: string): SerializedError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack !== undefined ? { stack: error.stack } : {}), code };
  }
  return { name: 'Error', message: String(error), code };
}

/**
 * The path of the compiled file at `url` that a thread runs (util/built-file.ts).
 *
 * @throws RunFailure NOT_BUILT, naming `what`, when it is missing
 */
export function builtFile(url: URL, what: string): string {
  return compiledFile(url, what, (message) => new RunFailure('NOT_BUILT', message));
}
