/**
 * How a run on the main thread and its policy watchdog thread talk: types
 * only. The run shares its call marks (call-marks.ts) with the thread when
 * it starts it; the thread answers once, when it has stopped a call (or
 * when it failed itself). The run never writes to the thread: it
 * terminates it when the run ends.
 */
import type { SerializedError } from '../../messages/runtime.js';
import type { StuckCall } from './stuck-calls.js';

/** What the watchdog thread is started with (its workerData). */
export interface WatchThreadInput {
  /** The run's call marks (PolicyCallMarks.buffer). */
  marks: SharedArrayBuffer;
  /** The run's policy modules, in the order the marks number them. */
  modulePaths: string[];
  /** CPU time one call may use (see stuck-calls.ts). */
  limitMs: number;
}

/** Watchdog thread to run: a call was stopped (`stoppedAt`: where in the source, when the thread could see it), or the watchdog failed. */
export type WatchThreadMessage = { type: 'stopped'; stuck: StuckCall; stoppedAt?: string } | { type: 'failed'; error: SerializedError };
