#!/usr/bin/env node
/**
 * Measures the guest memory model against its budgets (after `npm run build`):
 *
 * 1. State bytes per guest page: every typed array a guest actor keeps (the
 *    shared page map and states included), divided by its pages, for a 4 GiB
 *    guest whose workloads fill its memory and push part of it to swap.
 * 2. Speed: 64 guests of 4 GiB on a 192 GiB host with diurnal, bursty, idle
 *    and page-cache workloads, targets moving, 1 simulated hour at 1 s ticks,
 *    inline (one thread): simulated seconds per wall second, and CPU time per
 *    guest per tick.
 *
 * Usage: node scripts/measure-guest.mjs [--minutes M]
 */
import { performance } from 'node:perf_hooks';
import { GuestActor } from '../dist/guest/guest-actor.js';
import { GuestSharedViews } from '../dist/guest/shared-memory.js';
import { Hypervisor } from '../dist/host/hypervisor.js';
import { parseScenarioText, simulate } from '../dist/index.js';

const minutesArg = process.argv.indexOf('--minutes');
const minutes = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 60;

// ---- 1. bytes per guest page
const footprintYaml = `
name: footprint
duration: 2m
tick: 1s
host: { memory: 8GiB }
guests:
  - name: g
    memory: 4GiB
    swap: 2GiB
    workload:
      - { kind: anon, size: { ramp: { from: 1GiB, to: 4.5GiB, start: 0s, end: 60s } }, hot: 30% }
      - { kind: file, size: 1GiB, hot: 50% }
events:
  - { at: 80s, setTarget: { guest: g, memory: 3GiB } }
`;
const scenario = parseScenarioText(footprintYaml, 'footprint.yaml');
const host = new Hypervisor(scenario);
const views = GuestSharedViews.allocate(host.accounts[0].pages);
const actor = new GuestActor({ index: 0, spec: scenario.guests[0], tickMs: scenario.tickMs, frameBytes: scenario.frameBytes, seed: 1, shared: views.buffers });
host.boot();
let peakBytes = 0;
for (let tick = 0; tick < 120; tick++) {
  host.beginTick(tick);
  const inbox = host.takeInboxes()[0];
  host.handleOutbox(0, actor.step(tick, inbox));
  peakBytes = Math.max(peakBytes, actor.footprintBytes);
}
const report = actor.report();
const pages = report.pages;
console.log(`guest state: ${(peakBytes / pages).toFixed(2)} bytes per guest page at peak (${peakBytes} bytes for ${pages} pages of 4 KiB;`);
console.log(`  workload ${report.components.map((c) => `${c.name} ${c.pages} logical pages, ${c.outPages} out`).join('; ')}; swap used ${report.swapUsedPages} pages)`);

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
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
const { summary } = await simulate(dense, { placement: 'inline', auditEveryTicks: 0 });
const wallSeconds = (performance.now() - wallBefore) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const guestTicks = summary.ticks * dense.guests.length;
console.log(
  `dense-64-like, ${minutes} simulated minutes inline: ${wallSeconds.toFixed(1)} s wall, ${(summary.simulatedSeconds / wallSeconds).toFixed(0)}x real time, ` +
    `${(((cpu.user + cpu.system) / guestTicks)).toFixed(1)} us CPU per guest per tick (host and audit included); audit violations ${summary.audit.violations}`,
);
const totals = summary.guests.reduce((t, g) => ({ majorFaults: t.majorFaults + g.majorFaults, swapOutPages: t.swapOutPages + g.swapOutPages, oomKills: t.oomKills + g.oomKills }), { majorFaults: 0, swapOutPages: 0, oomKills: 0 });
console.log(`  guests in all: ${totals.majorFaults} major faults, ${totals.swapOutPages} pages swapped out, ${totals.oomKills} OOM kills; host free ${(summary.host.freeBytes / 2 ** 30).toFixed(1)} GiB`);
