/**
 * An estimate, made before anything is allocated, of the memory a run will
 * need: the host's frame table, every guest's page map and model, the worker
 * threads, and the samples kept for `--out` or a stream. The figures are
 * measured, not guessed (see the constants); the estimate errs on the high
 * side for guests that touch everything, and is close for the rest.
 */
import { shardCount } from '../host/manager/shards.js';
import { ownerBitsFor } from '../host/owners.js';
import { curveMaxBytes } from '../model/curve-max.js';
import type { GuestSpec, Scenario } from '../model/scenario.js';
import { checkScenario } from '../scenario/resolved-scenario-check.js';
import { isCount } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';

/**
 * Host bytes per frame that guests may hold, besides the table's entry (2 or
 * 4 bytes: `ownerBitsFor`): the free pool's entry once the frame has been
 * handed out and back (4), the audit's mark (1). Frames nobody ever touches
 * stay untouched zero pages.
 */
export const HOST_BYTES_PER_FRAME_BESIDES_OWNER = 5;
/** Guest bytes per page of address space (maxMemory): the shared page-to-frame map (4) and page state (1). */
export const GUEST_BYTES_PER_PAGE = 5;
/**
 * Guest bytes per page of workload (the largest size its components reach):
 * logical page lists, LRU marks, swap slots. `npm run measure:guest` measured
 * 9.2 bytes per guest page at peak for a 4 GiB guest with 3 GiB of workload
 * and 12.9 for one with 5.5 GiB of workload in swap, which this constant and
 * GUEST_BYTES_PER_PAGE reproduce within 3 %.
 */
export const GUEST_BYTES_PER_WORKLOAD_PAGE = 6;
/** Each guest's fixed cost (actor, driver, scratch buffers, summary): 8,000 guests of 16 MiB took 164 KiB each. */
export const GUEST_FIXED_BYTES = 144 * 2 ** 10;
/** Of which on the JavaScript heap (objects, not typed arrays): measured 13 to 15 KiB. */
export const GUEST_HEAP_BYTES = 16 * 2 ** 10;
/** A worker thread (its V8 isolate and the simulator's code): measured about 34 MiB. */
export const WORKER_BYTES = 40 * 2 ** 20;
/** The process before the run: Node and the simulator's code. */
export const PROCESS_BASE_BYTES = 96 * 2 ** 20;
/**
 * Per guest sample kept for `--out` or a stream: 21 figures of 8 bytes in
 * arrays that grow by doubling (up to 336), and the files built from them at
 * the end (a CSV row of about 150 bytes, trace and report entries).
 */
export const SAMPLE_BYTES_PER_GUEST = 650;
/** Of which on the JavaScript heap: the CSV row and the other files' text. */
export const SAMPLE_HEAP_BYTES_PER_GUEST = 300;

/** One part of the estimate, for messages: `guest page maps`, 3.2 GiB. */
export interface EstimatePart {
  part: string;
  bytes: number;
}

export interface MemoryEstimate {
  /** Resident memory the run will need at its peak. */
  totalBytes: number;
  /** Of which on the JavaScript heap (limited by V8's heap limit, not by the machine). */
  heapBytes: number;
  /** The parts, largest first. */
  parts: EstimatePart[];
}

/** What the estimate needs to know of how the run is made. */
export interface RunShape {
  /** Worker threads the run starts (0 inline; free mode adds the auditor's). */
  threads: number;
  /** Samples kept in memory (0 when nothing records them). */
  samples: number;
}

/** Pages of the guest's address space (maxMemory), as the host counts them. */
export function guestPages(guest: GuestSpec, frameBytes: number): number {
  return Math.floor(guest.maxMemoryBytes / frameBytes);
}

/** The guest's state at its peak: page map, workload pages (no more than memory and swap can hold), fixed part. */
function guestBytes(guest: GuestSpec, frameBytes: number): number {
  const pages = guestPages(guest, frameBytes);
  const workloadBytes = guest.workload.reduce((sum, component) => sum + curveMaxBytes(component.size), 0);
  const workloadPages = Math.min(Math.ceil(workloadBytes / frameBytes), pages + Math.ceil(guest.swapBytes / frameBytes));
  return pages * GUEST_BYTES_PER_PAGE + workloadPages * GUEST_BYTES_PER_WORKLOAD_PAGE;
}

/**
 * The shape as the estimate needs it: a missing, fractional or negative count
 * gave an estimate of NaN or of less than nothing, and Infinity one of
 * Infinity bytes, without a word.
 */
function checkRunShape(shape: unknown): asserts shape is RunShape {
  const hint = 'worker threads the run starts, 0 inline, and samples kept in memory, 0 when nothing records them';
  if (shape === null || typeof shape !== 'object') throw new TypeError(`estimateRunMemory: shape must be { threads, samples } (${hint}), got ${describeValue(shape)}`);
  for (const key of ['threads', 'samples'] as const) {
    const value = (shape as Partial<RunShape>)[key];
    if (!isCount(value, 0)) {
      throw new RangeError(`estimateRunMemory: shape.${key} must be a whole number of at least 0 (${hint}), got ${describeValue(value)}`);
    }
  }
}

/**
 * Estimates the memory a run of `scenario` made as `shape` says will need.
 *
 * @throws TypeError or RangeError when `scenario` is not a resolved scenario or `shape` not { threads, samples }
 */
export function estimateRunMemory(scenario: Scenario, shape: RunShape): MemoryEstimate {
  checkScenario(scenario, 'estimateRunMemory');
  checkRunShape(shape);
  return estimateRunMemoryUnchecked(scenario, shape);
}

/** `estimateRunMemory` without its checks, for the preflight, which holds a checked scenario and makes the shape itself. */
export function estimateRunMemoryUnchecked(scenario: Scenario, shape: RunShape): MemoryEstimate {
  const frameBytes = scenario.frameBytes;
  const frames = Math.floor(scenario.host.memoryBytes / frameBytes);
  const guestPagesAll = scenario.guests.reduce((sum, guest) => sum + guestPages(guest, frameBytes), 0);
  const reservedFrames = Math.ceil(scenario.host.reservedBytes / frameBytes);
  const touchedFrames = Math.min(frames, reservedFrames + guestPagesAll);
  const guests = scenario.guests.length;
  const guestSamples = shape.samples * guests;
  const ownerBytes = ownerBitsFor(guests, shardCount(guests, scenario.host.shards)) / 8;
  const parts: EstimatePart[] = [
    { part: 'the frame table', bytes: touchedFrames * (ownerBytes + HOST_BYTES_PER_FRAME_BESIDES_OWNER) },
    { part: 'the guests\' page maps and memory models', bytes: scenario.guests.reduce((sum, guest) => sum + guestBytes(guest, frameBytes), 0) },
    { part: 'the guests\' fixed state', bytes: guests * GUEST_FIXED_BYTES },
    { part: 'worker threads', bytes: shape.threads * WORKER_BYTES },
    { part: 'samples kept for the outputs', bytes: guestSamples * SAMPLE_BYTES_PER_GUEST },
    { part: 'Node and the simulator', bytes: PROCESS_BASE_BYTES },
  ];
  parts.sort((a, b) => b.bytes - a.bytes);
  return {
    totalBytes: parts.reduce((sum, part) => sum + part.bytes, 0),
    heapBytes: guests * GUEST_HEAP_BYTES + guestSamples * SAMPLE_HEAP_BYTES_PER_GUEST + PROCESS_BASE_BYTES / 3,
    parts: parts.filter((part) => part.bytes > 0),
  };
}
