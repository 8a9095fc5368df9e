/**
 * Scenarios that do nothing but move frames, for the protocol benchmark:
 * every guest's balloon swings between nearly empty and nearly full, so that
 * every round of every guest releases or is granted frames.
 */
import type { GuestSpec, Scenario } from '../src/model/scenario.js';

const MiB = 2 ** 20;

export interface ChurnShape {
  guests: number;
  guestMiB: number;
  /** Frame numbers per release or grant. */
  batchPages: number;
  /** Simulated time per round: with xen's rate (512 pages per 2 ms) it bounds the pages a guest moves per round. */
  tickMs: number;
  /** Ticks between target flips. */
  flipTicks: number;
}

/**
 * Guests of `guestMiB` booted with all their memory (eager), xen driver
 * (deflates come back with frames, so both directions move frames), the
 * rotate policy flipping every `flipTicks` ticks between half the guests at
 * 5 % and the other half at 100 %. With the driver's rate bounding a round,
 * a guest moves frames in every round between flips, whatever the latency
 * of the flip's message.
 */
export function churnScenario(shape: ChurnShape): Scenario {
  const guests: GuestSpec[] = Array.from({ length: shape.guests }, (_, i) => ({
    name: `churn-${i}`,
    memoryBytes: shape.guestMiB * MiB,
    maxMemoryBytes: shape.guestMiB * MiB,
    minMemoryBytes: 0,
    kernelBytes: 4 * MiB,
    shares: 1000,
    swapBytes: 0,
    driver: { profile: 'xen', batchPages: shape.batchPages, inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false },
    workload: [],
  }));
  return {
    name: `churn-${shape.guests}x${shape.guestMiB}MiB-batch${shape.batchPages}`,
    source: 'bench',
    seed: 1,
    durationMs: 1_000_000 * shape.tickMs,
    tickMs: shape.tickMs,
    frameBytes: 4096,
    host: {
      memoryBytes: (shape.guests * shape.guestMiB + 64) * MiB,
      reservedBytes: 32 * MiB,
      swapBytes: 0,
      backing: 'eager',
      policy: { kind: 'rotate', periodMs: shape.tickMs * shape.flipTicks, lowPercentOfMax: 5, groups: 2 },
    },
    guests,
    events: [],
  };
}
