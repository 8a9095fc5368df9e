#!/usr/bin/env node
/**
 * Measures the guest memory model against its budgets (after `npm run build`):
 *
 * 1. State bytes per guest page: every typed array a guest actor keeps (the
 *    shared page map and states included), at its peak, divided by its pages,
 *    for a 4 GiB guest without swap and for one that pushes 2 GiB to swap.
 * 2. Speed: 64 guests of 4 GiB on a 192 GiB host with diurnal, bursty, idle
 *    and page-cache workloads, targets moving, 1 simulated hour at 1 s ticks,
 *    inline (one thread) and on 2 worker threads: simulated seconds per wall
 *    second, and CPU time per guest per tick.
 *
 * Usage: node --expose-gc scripts/measure-guest.mjs [--minutes M]
 * (--expose-gc adds a cross-check of the bytes with process.memoryUsage()).
 */
import { performance } from 'node:perf_hooks';
import { GuestActor } from '../dist/guest/guest-actor.js';
import { GuestSharedViews } from '../dist/guest/shared-memory.js';
import { Hypervisor } from '../dist/host/hypervisor.js';
import { parseScenarioText, simulate } from '../dist/index.js';

const minutesArg = process.argv.indexOf('--minutes');
const minutes = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 60;

// ---- 1. bytes per guest page
/** Peak state bytes per guest page of one 4 GiB guest over two minutes of its scenario. */
function footprint(name, guestYaml) {
  const scenario = parseScenarioText(`name: ${name}\nduration: 2m\ntick: 1s\nhost: { memory: 8GiB }\nguests:\n${guestYaml}`, `${name}.yaml`);
  globalThis.gc?.();
  const buffersBefore = process.memoryUsage().arrayBuffers;
  const host = new Hypervisor(scenario);
  const hostBytes = host.frames * (4 + 4 + 1); // the host's table, its free pool's stack, its `seen` marks
  const views = GuestSharedViews.allocate(host.accounts[0].pages);
  const actor = new GuestActor({ index: 0, spec: scenario.guests[0], tickMs: scenario.tickMs, frameBytes: scenario.frameBytes, seed: 1, shared: views.buffers });
  host.boot();
  let peakBytes = 0;
  for (let tick = 0; tick < 120; tick++) {
    host.beginTick(tick);
    host.handleOutbox(0, actor.step(tick, host.takeInboxes()[0]));
    peakBytes = Math.max(peakBytes, actor.footprintBytes);
  }
  const report = actor.report();
  globalThis.gc?.();
  const measured = process.memoryUsage().arrayBuffers - buffersBefore - hostBytes;
  const check = globalThis.gc === undefined ? '' : `; process.memoryUsage().arrayBuffers, less the host's arrays, says ${(measured / report.pages).toFixed(2)} bytes per page at the end, where the guest's arrays say ${(actor.footprintBytes / report.pages).toFixed(2)}`;
  console.log(
    `${name}: ${(peakBytes / report.pages).toFixed(2)} bytes of guest state per guest page at peak (${peakBytes} bytes, ${report.pages} pages of 4 KiB; ` +
      `${report.components.map((c) => `${c.name} ${c.pages} logical pages, ${c.outPages} out`).join('; ')}; swap used ${report.swapUsedPages} pages)${check}`,
  );
}
footprint(
  'typical (no swap, workloads fill 3 GiB of 4 GiB, ballooned to 3.5 GiB)',
  `  - name: g\n    memory: 4GiB\n    workload:\n      - { kind: anon, size: { ramp: { from: 1GiB, to: 2.5GiB, start: 0s, end: 60s } }, hot: 30% }\n      - { kind: file, size: 512MiB, hot: 50% }\nevents:\n  - { at: 80s, setTarget: { guest: g, memory: 3.5GiB } }\n`,
);
footprint(
  'swapping (a 4.5 GiB workload and 1 GiB of cache in 4 GiB with 2 GiB of swap, ballooned to 3 GiB)',
  `  - name: g\n    memory: 4GiB\n    swap: 2GiB\n    workload:\n      - { kind: anon, size: { ramp: { from: 1GiB, to: 4.5GiB, start: 0s, end: 60s } }, hot: 30% }\n      - { kind: file, size: 1GiB, hot: 50% }\nevents:\n  - { at: 80s, setTarget: { guest: g, memory: 3GiB } }\n`,
);

// ---- 2. speed
const denseYaml = `
name: dense-64-like
duration: ${minutes}m
tick: 1s
host: { memory: 192GiB, reserved: 2GiB }
guests:
  - name: diurnal
    count: 24
    memory: 4GiB
    swap: 1GiB
    workload:
      - { kind: anon, size: { sine: { min: 1GiB, max: 3GiB, period: 1h } }, hot: 40% }
      - { kind: file, size: 512MiB, hot: 30% }
  - name: bursty
    count: 24
    memory: 4GiB
    swap: 1GiB
    workload:
      - { kind: anon, size: { bursts: { base: 512MiB, peak: 3GiB, every: 5m, length: 2m } }, hot: 60% }
  - name: idle
    count: 16
    memory: 4GiB
    workload:
      - { kind: anon, size: 512MiB, hot: 2% }
events:
  - { at: 5m, setTarget: { guest: idle, memory: 1GiB } }
  - { at: 10m, setTarget: { guest: diurnal, memory: 3GiB } }
  - { at: 30m, setTarget: { guest: diurnal, memory: 4GiB } }
`;
const dense = parseScenarioText(denseYaml, 'dense.yaml');
for (const [placement, workers] of [['inline', 1], ['workers', 2]]) {
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const { summary } = await simulate(dense, { placement, workers, auditEveryTicks: 0 });
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const guestTicks = summary.ticks * dense.guests.length;
  const threads = placement === 'inline' ? 'one thread: host, guests and audit' : `all threads: the host and audit, ${workers} workers with the guests, the messages between them`;
  console.log(
    `dense-64-like, ${minutes} simulated minutes, ${placement}${placement === 'workers' ? ` x${workers}` : ''}: ${wallSeconds.toFixed(1)} s wall, ` +
      `${(summary.simulatedSeconds / wallSeconds).toFixed(0)}x real time; ${((cpu.user + cpu.system) / guestTicks).toFixed(1)} us of process CPU per guest per tick (${threads}); audit violations ${summary.audit.violations}`,
  );
  if (placement === 'inline') {
    const totals = summary.guests.reduce((t, g) => ({ majorFaults: t.majorFaults + g.majorFaults, swapOutPages: t.swapOutPages + g.swapOutPages, oomKills: t.oomKills + g.oomKills }), { majorFaults: 0, swapOutPages: 0, oomKills: 0 });
    console.log(`  guests in all: ${totals.majorFaults} major faults, ${totals.swapOutPages} pages swapped out, ${totals.oomKills} OOM kills; host free ${(summary.host.freeBytes / 2 ** 30).toFixed(1)} GiB`);
  }
}
