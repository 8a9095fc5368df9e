/**
 * A user's policy code that calls `process.exit` (a line copied from a
 * script, a "stop here" while debugging) would end the whole run at once:
 * no message, no summary, no files, and the exit code the policy chose, as
 * if balloonsim had decided it. While the host is inside a synchronous call
 * into policy code, `process.exit` throws instead, and the caller reports
 * it as the policy's error (exit 2, with the module and the method named).
 * Code the policy schedules for later (a timer) is not covered; nor is a
 * module's top-level code while it is imported, since the import awaits,
 * and other code may then rightly end the process (an interrupt).
 */

/** What `process.exit` throws inside a call into policy code. */
export class ExitCalled extends Error {
  constructor(readonly exitCode: unknown) {
    super(`process.exit(${exitCode === undefined ? '' : String(exitCode)})`);
    this.name = 'ExitCalled';
  }
}

interface ExitingProcess {
  exit: (code?: unknown) => never;
}

/** Runs `run` with `process.exit` throwing ExitCalled (where there is a `process`), and puts it back after. */
export function withExitRefused<T>(run: () => T): T {
  const proc = (globalThis as { process?: ExitingProcess }).process;
  if (proc === undefined || typeof proc.exit !== 'function') return run();
  const exit = proc.exit;
  proc.exit = (code?: unknown): never => {
    throw new ExitCalled(code);
  };
  try {
    return run();
  } finally {
    proc.exit = exit;
  }
}
