import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SerializedError } from '../messages/runtime.js';

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
 * The path of the compiled file at `url` that a thread runs (threads run the
 * JavaScript in dist/, never the sources).
 *
 * @throws RunFailure NOT_BUILT, naming `what`, when it is missing
 */
export function builtFile(url: URL, what: string): string {
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new RunFailure('NOT_BUILT', `${what} is missing at ${path}; run \`npm run build\` first`);
  return path;
}
