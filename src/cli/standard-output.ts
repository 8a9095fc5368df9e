/**
 * Writing to stdout can fail: the reader of a pipe goes away (`balloonsim
 * schema | head -1`: EPIPE), or the file it goes to cannot take it
 * (`balloonsim run --json > /dev/full`: ENOSPC). Node reports either as an
 * 'error' event on process.stdout, which, with nobody listening, crashed the
 * CLI with "Unhandled 'error' event" and a stack trace. Here a reader that
 * went away ends the output quietly (as `cat` does when `head` has had
 * enough), and any other failure is said once, in a sentence, and makes the
 * exit code 1: the output the user asked for was lost.
 */
import { fileErrorReason } from '../output/out-dir.js';

/** The exit code when the output was lost: 1, as for a run that failed (it is not the input's fault). */
const EXIT_CODE_OUTPUT_LOST = 1;

let failure: NodeJS.ErrnoException | null = null;
let guarded = false;

function onError(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') return;
  if (failure !== null) return;
  failure = error;
  process.stderr.write(`balloonsim: cannot write to standard output: ${fileErrorReason(error)} (${error.code ?? 'error'}); what it should have printed there is lost (send it somewhere with room)\n`);
  process.exitCode = EXIT_CODE_OUTPUT_LOST;
}

/** Listens for write errors on process.stdout (once per process). */
export function guardStandardOutput(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', onError);
}

/** The exit code a failed write to stdout calls for (1), or null while stdout is fine. */
export function standardOutputExitCode(): number | null {
  return failure === null ? null : EXIT_CODE_OUTPUT_LOST;
}
