/**
 * Start-up: wall time to boot the 1,000 guest actors of
 * examples/stress-1000.yaml (1 GiB each, 262,144 pages, 4 KiB frames) on
 * worker threads: from nothing to every guest having taken its boot message
 * (laid out its memory and mapped its kernel) and sent its first messages.
 * The host's handling of those messages (the workloads' first touches, tens
 * of millions of frames to grant) is measured apart. Phases are reported
 * too. Prints one JSON line.
 */
import { fileURLToPath } from 'node:url';
import { GuestSharedViews } from '../src/guest/shared-memory.js';
import { Hypervisor } from '../src/host/hypervisor.js';
import { guestInits, workerCount } from '../src/runtime/simulate.js';
import { WorkerPlacement } from '../src/runtime/worker-placement.js';
import { loadScenarioFile } from '../src/scenario/load.js';

const file = fileURLToPath(new URL('../../examples/stress-1000.yaml', import.meta.url));
const scenario = loadScenarioFile(file);
const workers = workerCount({}, scenario.guests.length);

const t0 = performance.now();
const host = new Hypervisor(scenario);
const shared = host.accounts.map((account) => GuestSharedViews.allocate(account.pages));
const inits = guestInits(scenario, scenario.seed, host, shared, null);
const t1 = performance.now();
const placement = new WorkerPlacement(workers);
await placement.start(inits);
const t2 = performance.now();
host.boot();
host.beginTick(0);
const outboxes: Array<{ index: number; outbox: Parameters<Hypervisor['handleOutbox']>[1] }> = [];
await placement.stepEach(0, host.takeInboxes(), (index, outbox) => {
  outboxes.push({ index, outbox });
});
const t3 = performance.now();
for (const { index, outbox } of outboxes) host.handleOutbox(index, outbox);
const t4 = performance.now();
const handled = outboxes.length;
const booted = shared.filter((views) => views.counters[2]! + views.counters[3]! > 0).length;
await placement.close();
process.stdout.write(
  `${JSON.stringify({
    guests: scenario.guests.length,
    pagesPerGuest: host.accounts[0]!.pages,
    workers,
    bootSeconds: (t3 - t0) / 1000,
    sharedMemorySeconds: (t1 - t0) / 1000,
    workersAndActorsSeconds: (t2 - t1) / 1000,
    bootMessagesAndFirstStepSeconds: (t3 - t2) / 1000,
    firstTouchGrantSeconds: (t4 - t3) / 1000,
    framesGrantedAtFirstTouch: host.accounts.reduce((sum, a) => sum + a.ownedFrames, 0),
    guestsBooted: booted,
    guestsHandled: handled,
  })}\n`,
);
