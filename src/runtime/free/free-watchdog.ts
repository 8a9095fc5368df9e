/**
 * What a free-running run says when a watchdog asks where it is (a stall:
 * the host hears no batch; a hang: a thread stuck in a loop): the host's
 * clock, and for every worker its guests, the rounds the host has handled,
 * how long it has been silent and the batches held back on its way in and out.
 * The worker that stopped is the one whose rounds lag and whose silence is long.
 */

import { RunFailure } from '../errors.js';

/** One worker, as the host sees it. */
export interface FreeWorkerView {
  index: number;
  guests: string[];
  /** Rounds the host has handled from this worker. */
  roundsDone: number;
  state: 'running' | 'finished' | 'dead';
  /** Wall time since the host last handled a batch from this worker. */
  silentMs: number;
  /** Batches from this worker held back before the host (injected delays, a delivery hook). */
  toHostWaiting: number;
  /** Answers to this worker held back. */
  toGuestsWaiting: number;
}

/** A free-running run, as the host sees it. */
export interface FreeRunView {
  scenario: string;
  /** The host's clock: the round every running worker has finished. */
  hostTick: number;
  rounds: number;
  batches: number;
  workers: FreeWorkerView[];
}

/** A few lines of text: the host's clock, then one line per worker. */
export function describeFreeRun(view: FreeRunView): string {
  const lines = [`free-running run of ${view.scenario}: host tick ${view.hostTick} of ${view.rounds}, ${view.batches} batches handled`];
  for (const worker of view.workers) {
    lines.push(
      `  worker ${worker.index} (${worker.guests.join(', ')}): ${worker.state}, rounds handled ${worker.roundsDone}, ` +
        `silent ${(worker.silentMs / 1000).toFixed(1)} s, batches held to the host ${worker.toHostWaiting}, to the guests ${worker.toGuestsWaiting}`,
    );
  }
  return lines.join('\n');
}

/**
 * Calls `fail` once no running worker has sent a batch for `stallMs` of wall
 * time, with the run's description; returns the timer (clear it when the run ends).
 */
export function watchForStall(stallMs: number, view: () => FreeRunView, fail: (error: Error) => void): ReturnType<typeof setInterval> {
  if (!(stallMs > 0)) throw new RangeError(`simulateFree: stallMs must be a positive number of milliseconds, got ${stallMs}`);
  const timer = setInterval(
    () => {
      const now = view();
      const running = now.workers.filter((worker) => worker.state === 'running');
      if (running.length > 0 && Math.min(...running.map((worker) => worker.silentMs)) >= stallMs) {
        fail(new RunFailure('RUN_STALLED', `free-running run stalled: no batch for ${(stallMs / 1000).toFixed(1)} s\n${describeFreeRun(now)}`));
      }
    },
    Math.min(1000, Math.max(10, stallMs / 4)),
  );
  timer.unref();
  return timer;
}
