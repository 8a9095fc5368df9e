/**
 * Samples as an async iterator: `for await (const sample of simulateStream(s))`.
 * The simulation runs at its own pace and queues samples for the reader (a
 * sample is small, and their number is bounded by the sample interval); the
 * run's result arrives in `result`. Leaving the loop early (break, return, a
 * throw) stops the run; so does aborting `signal`.
 */
import { defaultSampleEveryTicks } from '../output/time-series.js';
import { AbortError } from '../runtime/abort.js';
import type { Sample } from '../runtime/sample.js';
import type { RunResult } from '../runtime/simulate.js';
import type { Scenario } from '../model/scenario.js';
import { checkScenario } from '../scenario/resolved-scenario-check.js';
import { checkRunOptions, SIMULATE_OPTION_KEYS, simulateUnchecked, type SimulateOptions } from './simulate.js';

const STREAM_OPTION_KEYS = SIMULATE_OPTION_KEYS.filter((key) => key !== 'onSample');

/** A running simulation whose samples can be read with `for await`. */
export interface SimulationStream extends AsyncIterable<Sample> {
  /** The run's summary and event log, once it has finished (rejects as `simulate` would). */
  readonly result: Promise<RunResult>;
}

/** Options of `simulateStream`: those of `simulate`, with `onSample` taken over by the stream. */
export type StreamOptions = Omit<SimulateOptions, 'onSample'>;

/**
 * Starts a simulation and streams its samples. `sampleEveryTicks` defaults to
 * the interval `run --out` uses (every tick up to 2000 samples). Leaving the
 * loop early stops the run (its workers are closed) and `result` rejects with
 * an AbortError; aborting `options.signal` does the same, and the loop throws
 * that AbortError.
 *
 * @example
 * ```ts
 * const run = simulateStream(defaultScenario(), { placement: 'inline', sampleEveryTicks: 60 });
 * for await (const sample of run) console.log(sample.timeMs, sample.freeFrames);
 * const { summary } = await run.result;
 * ```
 */
export function simulateStream(scenario: Scenario, options: StreamOptions = {}): SimulationStream {
  checkScenario(scenario, 'simulateStream');
  // Before the check of the keys, which would call it an unknown option.
  if (options !== null && typeof options === 'object' && 'onSample' in options) throw new TypeError('simulateStream: onSample is the stream itself; use simulate() for a callback');
  // Checked here, under this function's name: a signal that was not an AbortSignal failed in AbortSignal.any ("The
  // "signals[1]" argument must be an instance of AbortSignal"), and the other options were blamed on simulate.
  checkRunOptions(options, 'simulateStream', STREAM_OPTION_KEYS);
  const queue: Sample[] = [];
  let finished = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  // The reader is woken from a task of its own, not from inside the run's: a policy call the run's watch stops
  // unwinds the run's task, and the microtasks queued in it with it (runtime/policy-watch/policy-watch.ts), which
  // would leave the reader waiting for ever.
  const notify = (): void => {
    const resolve = wake;
    wake = null;
    if (resolve !== null) setImmediate(resolve);
  };
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  // The run stops when the reader leaves the loop, or when the caller's signal is aborted.
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([stop.signal, options.signal]);
  const result = simulateUnchecked(scenario, {
    ...options,
    signal,
    sampleEveryTicks: options.sampleEveryTicks ?? defaultSampleEveryTicks(ticks, Math.max(1, scenario.guests.length)),
    onSample: (sample) => {
      queue.push(sample);
      notify();
    },
  }).then(
    (value) => {
      finished = true;
      notify();
      return value;
    },
    (error: unknown) => {
      finished = true;
      failure = error ?? new Error('simulate failed');
      notify();
      throw error;
    },
  );
  // The reader sees a failure through the iterator; `result` is not left unhandled if nobody awaits it.
  result.catch(() => undefined);
  let read = 0;
  let iterated = false;
  return {
    result,
    [Symbol.asyncIterator](): AsyncIterator<Sample> {
      // One reader, as a web ReadableStream has: a second shared the samples with the first, and two waiting at once
      // left one waiting for ever (there is one wake-up).
      if (iterated) throw new TypeError('simulateStream: a stream is read once, by one for await loop (to read the samples twice, keep them in that loop)');
      iterated = true;
      return {
        async next(): Promise<IteratorResult<Sample>> {
          for (;;) {
            if (read < queue.length) {
              const sample = queue[read]!;
              queue[read++] = undefined as unknown as Sample; // let it be collected
              return { value: sample, done: false };
            }
            if (failure !== null) throw failure;
            if (finished) return { value: undefined, done: true };
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        },
        async return(): Promise<IteratorResult<Sample>> {
          read = queue.length;
          queue.length = 0;
          if (!finished) stop.abort(new AbortError('simulateStream: the reader left the loop'));
          return { value: undefined, done: true };
        },
      };
    },
  };
}
