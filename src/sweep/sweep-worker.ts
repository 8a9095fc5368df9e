/**
 * The one file piscina runs in its worker threads: each task is one case of
 * a sweep, run inline in that thread.
 */
import { runSweepTask, type SweepTask, type SweepTaskResult } from './sweep-task.js';

export default function runCase(task: SweepTask): Promise<SweepTaskResult> {
  return runSweepTask(task);
}
