/**
 * Samples as an async iterator: `for await (const sample of simulateStream(s))`.
 * The simulation runs at its own pace and queues samples for the reader (a
 * sample is small, and their number is bounded by the sample interval); the
 * run's result arrives in `result`.
 */
import { defaultSampleEveryTicks } from '../output/time-series.js';
import type { Sample } from '../runtime/sample.js';
import { simulate, type RunResult, type SimulateOptions } from '../runtime/simulate.js';
import type { Scenario } from '../scenario/types.js';

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
 * loop early stops the reading, not the run: await `result` for the end.
 *
 * @example
 * ```ts
 * const run = simulateStream(defaultScenario(), { placement: 'inline', sampleEveryTicks: 60 });
 * for await (const sample of run) console.log(sample.timeMs, sample.freeFrames);
 * const { summary } = await run.result;
 * ```
 */
export function simulateStream(scenario: Scenario, options: StreamOptions = {}): SimulationStream {
  if ('onSample' in options) throw new TypeError('simulateStream: onSample is the stream itself; use simulate() for a callback');
  const queue: Sample[] = [];
  let finished = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  const result = simulate(scenario, {
    ...options,
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
  return {
    result,
    [Symbol.asyncIterator](): AsyncIterator<Sample> {
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
          return { value: undefined, done: true };
        },
      };
    },
  };
}
