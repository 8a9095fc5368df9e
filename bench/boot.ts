/**
 * Start-up: wall time to boot the 1,000 guest actors of
 * examples/stress-1000.yaml (1 GiB each, 262,144 pages, 4 KiB frames) on
 * worker threads: from nothing to every guest having taken its boot message
 * (laid out its memory and mapped its kernel) and sent its first messages.
 * The first tick's step includes the device sides' handling of those
 * messages beside their guests (the workloads' first touches, tens of
 * millions of frames granted in runs), so bootSeconds includes it (before
 * issue 10 the host's handling was measured apart); the frames granted are
 * reported. Phases are reported too. Prints one JSON line.
 */
import { fileURLToPath } from 'node:url';
import { prepareRun, threadSetups } from '../src/runtime/run-setup.js';
import { workerCount } from '../src/runtime/simulate.js';
import { WorkerPlacement } from '../src/runtime/worker-placement.js';
import { loadScenarioFile } from '../src/scenario/load.js';

const file = fileURLToPath(new URL('../../examples/stress-1000.yaml', import.meta.url));
const scenario = loadScenarioFile(file);
const workers = workerCount({}, scenario.guests.length);

const t0 = performance.now();
const setup = await prepareRun(scenario);
const manager = setup.manager;
const setups = threadSetups(setup, Math.min(workers, manager.layout.shards));
const t1 = performance.now();
const placement = new WorkerPlacement(workers);
await placement.start(setups);
const t2 = performance.now();
// Tick 0: every device side boots its guest, every guest steps on its boot message, and its device side handles what it sent.
const orders = manager.beginTick(0);
const results = await placement.step(
  orders,
  setups.map(() => null),
);
manager.endTick(results.map((result) => result.report));
const t3 = performance.now();
const booted = setup.shared.filter((views) => views.counters[2]! + views.counters[3]! > 0).length;
const threads = placement.threads;
await placement.close();
process.stdout.write(
  `${JSON.stringify({
    guests: scenario.guests.length,
    pagesPerGuest: manager.records[0]!.pages,
    workers: threads,
    bootSeconds: (t3 - t0) / 1000,
    sharedMemorySeconds: (t1 - t0) / 1000,
    workersAndActorsSeconds: (t2 - t1) / 1000,
    firstTickSeconds: (t3 - t2) / 1000,
    framesGrantedInFirstTick: manager.records.reduce((sum, record) => sum + record.ownedFrames, 0),
    framesMovedInFirstTick: results.reduce((sum, result) => sum + result.report.framesMoved, 0),
    guestsBooted: booted,
  })}\n`,
);
