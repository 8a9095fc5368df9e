/**
 * The file piscina loads in each sweep thread. piscina loads a task file
 * with require(), and Node 20's require() of an ES module cannot be stopped
 * safely: a thread terminated while require() instantiates the module graph
 * (an aborted sweep, or a pool closed while its threads start) aborts the
 * whole process ("FATAL ERROR: v8::Module::IsGraphAsync"). This CommonJS
 * file loads the sweep's ES modules with import() instead, which a
 * termination stops cleanly. It starts loading at once, so that the thread
 * is warm by the time its first case arrives.
 */
type SweepWorker = typeof import('./sweep-worker.js');

const loading: Promise<SweepWorker> = import('./sweep-worker.js');
// A failed load is reported by the first case that awaits it (as a failed row), not as an unhandled rejection.
loading.catch(() => undefined);

export = async function runCase(task: Parameters<SweepWorker['default']>[0]): ReturnType<SweepWorker['default']> {
  const worker = await loading;
  return worker.default(task);
};
