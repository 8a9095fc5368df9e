/**
 * What two threads can give on this machine, whatever balloonsim does: a fixed
 * amount of work on one thread, then split in halves over two worker
 * threads, for a compute-bound loop (integer arithmetic in registers) and a
 * memory-bound one (random reads and writes over a 64 MiB array per thread,
 * like the guests' page maps and the frame table). The memory-bound speed-up
 * is the ceiling for the workers placement's wall speed-up on runs whose
 * work is mostly page and frame bookkeeping (dense-64, stress-1000).
 *
 * Prints one JSON line: each loop's one-thread and two-thread wall
 * milliseconds and their ratio.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const COMPUTE_STEPS = 4e8;
const MEMORY_STEPS = 6e7;
const MEMORY_WORDS = 1 << 24;

function compute(steps: number): number {
  let x = 1;
  for (let i = 0; i < steps; i++) x = (x * 1103515245 + 12345) | 0;
  return x;
}

function memory(steps: number): number {
  const words = new Int32Array(MEMORY_WORDS);
  let x = 1;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    x = (x * 1103515245 + 12345) | 0;
    const at = (x >>> 8) & (MEMORY_WORDS - 1);
    sum += words[at]!;
    words[at] = i;
  }
  return sum;
}

const LOOPS = { compute, memory };
type Loop = keyof typeof LOOPS;

/** Wall milliseconds of `steps` of a loop on this thread. */
function timed(loop: Loop, steps: number): number {
  const started = performance.now();
  LOOPS[loop](steps);
  return performance.now() - started;
}

/** Wall milliseconds of `steps` split over two worker threads started together. */
async function split(loop: Loop, steps: number): Promise<number> {
  const workers = [0, 1].map(() => new Worker(new URL(import.meta.url), { workerData: { loop, steps: steps / 2 } }));
  // Both start their halves when both are ready, so that thread start-up is not timed.
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
  const started = performance.now();
  const done = workers.map((worker) => new Promise((resolve) => worker.once('message', resolve)));
  for (const worker of workers) worker.postMessage('go');
  await Promise.all(done);
  const wall = performance.now() - started;
  await Promise.all(workers.map((worker) => worker.terminate()));
  return wall;
}

if (!isMainThread) {
  const { loop, steps } = workerData as { loop: Loop; steps: number };
  parentPort!.once('message', () => parentPort!.postMessage(timed(loop, steps)));
  parentPort!.postMessage('ready');
} else {
  const figures: Record<string, number> = {};
  for (const [loop, steps] of [
    ['compute', COMPUTE_STEPS],
    ['memory', MEMORY_STEPS],
  ] as const) {
    timed(loop, steps / 10); // warm up
    const one = timed(loop, steps);
    const two = await split(loop, steps);
    figures[`${loop}OneThreadMs`] = one;
    figures[`${loop}TwoThreadsMs`] = two;
    figures[`${loop}SpeedUp`] = one / two;
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
