/**
 * The compiled files that threads run: a worker thread runs the JavaScript
 * in dist/, never the sources, so a missing file means the build did not run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The path of the compiled file at `url`; when it is missing, throws what
 * `failure` makes of a sentence that names `what` and says to build.
 */
export function compiledFile(url: URL, what: string, failure: (message: string) => Error = (message) => new Error(message)): string {
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw failure(`${what} is missing at ${path}; run \`npm run build\` first`);
  return path;
}
