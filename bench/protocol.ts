/**
 * Protocol throughput, three ways in one process, over tables of the same
 * size:
 * - raw: one thread, a loop of Atomics.compareExchange over the table, each
 *   flipping a frame between two owners: the ceiling of any protocol that
 *   moves frames by compare-exchange;
 * - protocol: the real thing in free-running mode (guest actors on workers,
 *   packed batches by postMessage, the host checking every frame and moving
 *   it by compare-exchange), guests pipelining batches of many frames;
 * - virtio-shaped: the same code, one guest sending one message of 256 frame
 *   numbers per synchronous round trip (window 1), as virtio-balloon does.
 *
 * Prints one JSON line.
 */
import { simulateFree } from '../src/runtime/free/simulate-free.js';
import { churnScenario, type ChurnShape } from './churn.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? '') || 4;

/** Flips every entry of the table between owners 1 and 2 by compare-exchange, pass after pass; returns exchanges per second. */
function rawCompareExchange(frames: number, seconds: number): number {
  const owners = new Int32Array(new SharedArrayBuffer(frames * 4)).fill(1);
  let done = 0;
  const started = performance.now();
  let pass = 0;
  while (performance.now() - started < seconds * 1000) {
    done += flip(owners, 1 + (pass & 1), 2 - (pass & 1));
    pass++;
  }
  return done / ((performance.now() - started) / 1000);
}

function flip(owners: Int32Array, from: number, to: number): number {
  let moved = 0;
  for (let frame = 0; frame < owners.length; frame++) {
    if (Atomics.compareExchange(owners, frame, from, to) === from) moved++;
  }
  return moved;
}

async function protocol(shape: ChurnShape, workers: number, window: number): Promise<{ framesPerSecond: number; frames: number; batches: number; seconds: number }> {
  const scenario = churnScenario(shape);
  const result = await simulateFree(scenario, { workers, window, audit: false, wallLimitMs: SECONDS * 1000 });
  if (result.summary.audit.violations > 0) throw new Error(`protocol bench: ${result.summary.audit.firstViolations.join('; ')}`);
  return { framesPerSecond: result.framesMoved / result.runSeconds, frames: Math.floor(scenario.host.memoryBytes / scenario.frameBytes), batches: result.batches, seconds: result.runSeconds };
}

const pipelined: ChurnShape = { guests: 8, guestMiB: 256, batchPages: 4096, tickMs: 1000 };
// xen moves 512 pages per 2 ms: a 1 ms tick gives each round exactly one 256-frame message.
const virtio: ChurnShape = { guests: 1, guestMiB: 2048, batchPages: 256, tickMs: 1 };

const only = process.env.BENCH_ONLY;
const real = await protocol(pipelined, Number(process.env.BENCH_WORKERS ?? '') || 1, Number(process.env.BENCH_WINDOW ?? '') || 4);
const shaped = only === 'protocol' ? real : await protocol({ ...virtio, guestMiB: pipelined.guests * pipelined.guestMiB }, 1, 1);
const raw = only === 'protocol' ? 1 : rawCompareExchange(real.frames, SECONDS);
process.stdout.write(
  `${JSON.stringify({
    tableFrames: real.frames,
    rawCasPerSecond: raw,
    protocolFramesPerSecond: real.framesPerSecond,
    protocolBatches: real.batches,
    virtioShapedFramesPerSecond: shaped.framesPerSecond,
    virtioShapedRoundTrips: shaped.batches,
    ratioToRaw: real.framesPerSecond / raw,
    ratioToVirtio: real.framesPerSecond / shaped.framesPerSecond,
  })}\n`,
);
