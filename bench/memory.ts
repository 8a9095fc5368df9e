/**
 * Memory: peak resident bytes of the whole process (main thread, guest
 * workers, every shared buffer) per simulated frame, for a 1 TiB host with
 * 256 guests of 4 GiB at 4 KiB frames: 268 million frames and as many guest
 * pages. Each guest touches 1.25 GiB (a 1 GiB heap and 256 MiB of cache);
 * the run lasts BENCH_MEMORY_TICKS ticks, with a full audit at the end. Run
 * it in a process of its own: peak RSS is for the process's whole life.
 * Prints one JSON line.
 */
import { simulate } from '../src/runtime/simulate.js';
import type { GuestSpec, Scenario } from '../src/model/scenario.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const TICKS = Number(process.env.BENCH_MEMORY_TICKS ?? '') || 30;
const GUESTS = 256;

const guests: GuestSpec[] = Array.from({ length: GUESTS }, (_, i) => ({
  name: `g${i}`,
  memoryBytes: 4 * GiB,
  maxMemoryBytes: 4 * GiB,
  minMemoryBytes: 0,
  kernelBytes: 82 * MiB,
  shares: 1000,
  swapBytes: 0,
  driver: { profile: 'virtio', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false },
  workload: [
    { kind: 'anon', name: 'heap', hotFraction: 0.5, size: { kind: 'constant', bytes: 1 * GiB } },
    { kind: 'file', name: 'cache', hotFraction: 0.2, size: { kind: 'constant', bytes: 256 * MiB } },
  ],
}));

const scenario: Scenario = {
  name: 'memory-1TiB-256x4GiB',
  source: 'bench',
  seed: 1,
  durationMs: TICKS * 1000,
  tickMs: 1000,
  frameBytes: 4096,
  host: { memoryBytes: 1024 * GiB, reservedBytes: 4 * GiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
  guests,
  events: [],
};

const frames = scenario.host.memoryBytes / scenario.frameBytes;
const started = performance.now();
const { summary } = await simulate(scenario, { placement: 'workers', workers: 2 });
const peakBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  `${JSON.stringify({
    frames,
    guestPages: GUESTS * (4 * GiB) / scenario.frameBytes,
    touchedBytesPerGuest: 1.25 * GiB + 82 * MiB,
    ticks: TICKS,
    peakResidentBytes: peakBytes,
    bytesPerFrame: peakBytes / frames,
    wallSeconds: (performance.now() - started) / 1000,
    violations: summary.audit.violations,
  })}\n`,
);
